package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.HistoryScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryScanTest {
    @TempDir Path tmp;

    static List<String> scan(Path file, int stopAfter) {
        List<String> out = new ArrayList<>();
        HistoryScan.newestFirst(file, (buf, from, to) -> {
            out.add(new String(buf, from, to - from, StandardCharsets.UTF_8));
            return out.size() < stopAfter;
        });
        return out;
    }

    @Test
    void linesComeNewestFirstAcrossBlocksWithATornLastLine() throws Exception {
        Path f = tmp.resolve("deploy_history.log");
        StringBuilder b = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String l = "{\"n\":" + i + ",\"pad\":\"" + "é".repeat(i % 600) + "\"}";
            lines.add(l);
            b.append(l).append('\n');
            if (i % 1000 == 0) b.append('\n');
        }
        b.append("{\"torn\":");
        Files.writeString(f, b.toString());
        assertTrue(Files.size(f) > 4 * 256 * 1024, "several blocks");

        List<String> got = scan(f, Integer.MAX_VALUE);
        assertEquals(3001, got.size(), "empty lines are skipped, the torn line is passed on");
        assertEquals("{\"torn\":", got.get(0));
        for (int i = 0; i < 3000; i++) assertEquals(lines.get(2999 - i), got.get(i + 1));
        assertEquals(5, scan(f, 5).size(), "the visitor stops the scan");
        assertTrue(scan(tmp.resolve("missing.log"), 10).isEmpty());
    }

    @Test
    void indexOfFindsAPatternInARange() {
        byte[] b = "xx\"release_id\":\"a\"".getBytes(StandardCharsets.US_ASCII);
        byte[] p = "\"release_id\"".getBytes(StandardCharsets.US_ASCII);
        assertEquals(2, HistoryScan.indexOf(b, 0, b.length, p));
        assertEquals(-1, HistoryScan.indexOf(b, 3, b.length, p));
        assertEquals(-1, HistoryScan.indexOf(b, 0, 10, p));
    }
}
