package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.history.HistoryScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryScanTest {
    @TempDir Path tmp;

    /** The lines a scan visits, as text; the visitor stops it after {@code stopAfter}. */
    static List<String> lines(int stopAfter, java.util.function.Consumer<HistoryScan.Visitor> scan) {
        List<String> out = new ArrayList<>();
        scan.accept((buf, from, to) -> {
            out.add(new String(buf, from, to - from, StandardCharsets.UTF_8));
            return out.size() < stopAfter;
        });
        return out;
    }

    static List<String> scan(Path file, int stopAfter) {
        return lines(stopAfter, v -> HistoryScan.newestFirst(file, v));
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

    static List<String> containing(Path file, String needle, long maxBytes, int stopAfter) {
        return lines(stopAfter, v -> HistoryScan.newestContaining(file, new HistoryScan.Needle(needle), maxBytes, v));
    }

    @Test
    void linesContainingANeedleComeNewestFirstAsALineByLineScanFindsThem() throws Exception {
        Path f = tmp.resolve("deploy_history.log");
        java.util.Random rnd = new java.util.Random(11);
        StringBuilder b = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            String stack = "web" + rnd.nextInt(8) + "-staging";
            // some lines name the stack twice, some are longer than a 256 KiB block, some are multi-byte
            String extra = i % 997 == 0 ? "x".repeat(300_000) : i % 13 == 0 ? ",\"note\":\"\"stack\":\"" + stack + "\" é\"" : "";
            String l = "{\"n\":" + i + ",\"stack\":\"" + stack + "\"" + extra + "}";
            lines.add(l);
            b.append(l).append('\n');
            if (i % 500 == 0) b.append('\n');
        }
        b.append("{\"stack\":\"web3-staging\",\"torn");
        lines.add("{\"stack\":\"web3-staging\",\"torn");
        Files.writeString(f, b.toString());
        assertTrue(Files.size(f) > 8 * 256 * 1024, "many blocks");
        String needle = "\"stack\":\"web3-staging\"";
        List<String> expected = new ArrayList<>();
        for (int i = lines.size() - 1; i >= 0; i--) if (lines.get(i).contains(needle)) expected.add(lines.get(i));
        assertEquals(expected, containing(f, needle, Long.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals(expected.subList(0, 7), containing(f, needle, Long.MAX_VALUE, 7), "the visitor stops the scan");
        // a bound reads back whole blocks: at least the lines in the newest maxBytes, never past the block that crosses it
        List<String> bounded = containing(f, needle, 600_000, Integer.MAX_VALUE);
        assertEquals(expected.subList(0, bounded.size()), bounded);
        long tail = 0;
        int within = 0;
        for (int i = lines.size() - 1; i >= 0 && (tail += lines.get(i).getBytes(StandardCharsets.UTF_8).length + 1) <= 600_000; i--)
            if (lines.get(i).contains(needle)) within++;
        assertTrue(bounded.size() >= within && bounded.size() < expected.size(), bounded.size() + " of " + expected.size() + ", " + within + " within the bound");
        assertTrue(containing(f, "\"stack\":\"web9-staging\"", Long.MAX_VALUE, 10).isEmpty());
        assertTrue(containing(tmp.resolve("missing.log"), needle, Long.MAX_VALUE, 10).isEmpty());
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
