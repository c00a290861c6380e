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
    void onlyATornLastLineOfTheToolsOwnFormIsATornWrite() throws Exception {
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"));
        assertFalse(h.tornLastLine(), "no file, nothing torn");
        String whole = lib.core.Json.line(rec("r0", "success"));
        Files.writeString(h.file(), whole + "\n" + "{\"action\":\"deploy\",\"outco\n" + whole + "\n");
        assertFalse(h.tornLastLine(), "a torn line in the middle was closed off by a later append");
        Files.writeString(h.file(), whole + "\n  " + whole + " \r\n\n   \n");
        assertFalse(h.tornLastLine(), "blank lines and spaces around a whole record");
        Files.writeString(h.file(), whole + "\n2026-01-04T12:00:00Z DEPLOY odoo18-prod production sha-abc1234 SUCCESS\n");
        assertFalse(h.tornLastLine(), "a line in another tool's form is not a torn write");
        Files.writeString(h.file(), whole + "\n{\"torn\": tr");
        assertTrue(h.tornLastLine(), "a torn last line without a newline");
        Files.writeString(h.file(), whole + "\n{\"at_utc\":\"2026-01-0\n");
        assertTrue(h.tornLastLine(), "a torn last line with a newline");
    }

    @Test
    void appendStampsTheTimeOfItsClock() throws Exception {
        var clock = java.time.Clock.fixed(java.time.Instant.parse("2030-05-06T07:08:09.5Z"), java.time.ZoneOffset.UTC);
        HistoryLog h = new HistoryLog(tmp.resolve("deploy_history.log"), clock);
        HistoryRecord r = HistoryRecord.of(lib.history.Action.DEPLOY, lib.history.Outcome.SUCCESS).withStack("s");
        h.append(r);
        HistoryRecord stamped = HistoryRecord.of(lib.history.Action.VERIFY, lib.history.Outcome.SUCCESS);
        stamped.at_utc = "2020-01-01T00:00:00Z";
        h.append(stamped);
        List<HistoryRecord> back = h.find(x -> true, 10);
        assertEquals("2020-01-01T00:00:00Z", back.get(0).at_utc, "a record's own time is kept");
        assertEquals("2030-05-06T07:08:09Z", back.get(1).at_utc);
        assertEquals(lib.history.Action.DEPLOY, back.get(1).action());
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
