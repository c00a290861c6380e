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
    void needleFindsItsFirstPlaceInARange() {
        byte[] b = "xx\"release_id\":\"a\"".getBytes(StandardCharsets.US_ASCII);
        HistoryScan.Needle p = new HistoryScan.Needle("\"release_id\"");
        assertEquals(2, p.indexIn(b, 0, b.length));
        assertEquals(-1, p.indexIn(b, 3, b.length));
        assertEquals(-1, p.indexIn(b, 0, 10));
        assertEquals(-1, p.indexIn(b, 0, 13), "one byte short of the whole needle");
        assertEquals(2, p.indexIn(b, 0, 14));
        // against a plain search, over text full of near misses (shared prefixes, repeated quotes)
        java.util.Random rnd = new java.util.Random(7);
        String alphabet = "\"stack:ag-_1";
        for (int round = 0; round < 2000; round++) {
            StringBuilder t = new StringBuilder();
            for (int i = rnd.nextInt(60); i > 0; i--) t.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            StringBuilder n = new StringBuilder();
            for (int i = 1 + rnd.nextInt(5); i > 0; i--) n.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String text = t.toString(), needle = n.toString();
            int from = text.isEmpty() ? 0 : rnd.nextInt(text.length());
            int expected = text.indexOf(needle, from);
            assertEquals(expected, new HistoryScan.Needle(needle).indexIn(text.getBytes(StandardCharsets.US_ASCII), from, text.length()),
                    needle + " in " + text + " from " + from);
        }
    }
}
