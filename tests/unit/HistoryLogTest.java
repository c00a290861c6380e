package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryLogTest {
    @TempDir Path tmp;

    static HistoryRecord rec(String id, String outcome) {
        HistoryRecord r = new HistoryRecord();
        r.action = "deploy";
        r.outcome = outcome;
        r.stack = "web-prod";
        r.release_id = id;
        r.reason = "line one\nline two";
        return r;
    }

    @Test
    void newestFirstAndOneLinePerRecord() throws Exception {
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        for (int i = 0; i < 5; i++) h.append(rec("r" + i, i % 2 == 0 ? "success" : "failed"));
        assertEquals(5, Files.readAllLines(h.file()).size(), "newlines inside values never break a record's line");
        List<HistoryRecord> all = h.find(r -> true, 100);
        assertEquals(List.of("r4", "r3", "r2", "r1", "r0"), all.stream().map(r -> r.release_id).toList());
        assertEquals(List.of("r4", "r2"), h.find(HistoryRecord::isSuccess, 2).stream().map(r -> r.release_id).toList());
        assertEquals("line one\nline two", all.get(0).reason);
    }

    @Test
    void tornLastLineIsSkippedAndClosedOffByTheNextAppend() throws Exception {
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        h.append(rec("r0", "success"));
        Files.writeString(h.file(), "{\"action\":\"deploy\",\"outco", StandardOpenOption.APPEND);
        assertEquals(List.of("r0"), h.find(r -> true, 10).stream().map(r -> r.release_id).toList());
        h.append(rec("r1", "success"));
        assertEquals(List.of("r1", "r0"), h.find(r -> true, 10).stream().map(r -> r.release_id).toList());
        assertEquals(1, h.countMalformed());
        for (String line : Files.readAllLines(h.file())) assertFalse(line.contains("}{"), line);
    }

    @Test
    void tornLinesInTheTailAreCountedAndTheLineCutByTheWindowIsNot() throws Exception {
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        assertEquals(0, h.countMalformedInTail(1 << 20), "no file, nothing torn");
        String whole = lib.core.Json.line(rec("r0", "success"));
        String text = whole + "\n"                  // whole
                + "  " + whole + " \r\n"              // whole, with spaces and a CRLF around it
                + "\n   \n"                          // blank lines are not records, nor torn
                + "{\"action\":\"deploy\",\"outco\n"   // torn by a crash
                + "[1, 2]\n"                          // JSON, but not a record
                + whole + "\n"
                + "{\"torn\": tr";                    // torn last line, no newline
        Files.writeString(h.file(), text);
        assertEquals(3, h.countMalformedInTail(1 << 20));
        // a window that starts inside the last whole line: only the torn last line is looked at
        int window = "{\"torn\": tr".length() + 10;
        assertEquals(1, h.countMalformedInTail(window));
    }

    @Test
    void readsAcrossBlockBoundariesAndMissingFile() throws Exception {
        HistoryLog missing = new HistoryLog(tmp.resolve("none.log"));
        assertTrue(missing.find(r -> true, 10).isEmpty());
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5000; i++) b.append(lib.core.Json.line(rec("r" + i, "success"))).append('\n');
        Files.writeString(h.file(), b);
        List<HistoryRecord> all = h.find(r -> true, 10_000);
        assertEquals(5000, all.size());
        for (int i = 0; i < 5000; i++) assertEquals("r" + (4999 - i), all.get(i).release_id);
    }

    @Test
    void findStopsEarlyInALargeLog() throws Exception {
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 200_000; i++) b.append(lib.core.Json.line(rec("r" + i, "success"))).append('\n');
        Files.writeString(h.file(), b);
        assertEquals("r199999", h.find(r -> true, 1).get(0).release_id);
    }
}
