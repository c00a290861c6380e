package lib.history;

import lib.core.Fail;
import lib.core.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * deploy_history.log: one JSON object per line, append-only. Appends are one write under an
 * exclusive file lock and fsynced; a torn last line left by a crash is closed off before the
 * next append and skipped by readers. Reading walks the file backwards in blocks ({@link HistoryScan}),
 * so the newest records are found without reading the whole log.
 */
public final class HistoryLog {
    private final Path file;

    public HistoryLog(Path file) {
        this.file = file;
    }

    public Path file() { return file; }

    public void append(HistoryRecord record) {
        appendLine(Json.line(record));
    }

    void appendLine(String json) {
        byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
                 FileLock ignored = ch.lock()) {
                long size = ch.size();
                ByteBuffer out;
                if (size > 0 && lastByte(ch, size) != '\n') {
                    out = ByteBuffer.allocate(line.length + 1);
                    out.put((byte) '\n');
                } else {
                    out = ByteBuffer.allocate(line.length);
                }
                out.put(line).flip();
                long pos = size;
                while (out.hasRemaining()) pos += ch.write(out, pos);
                ch.force(true);
            }
        } catch (IOException e) {
            throw Fail.failed("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    private static int lastByte(FileChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, size - 1);
        return b.get(0);
    }

    /**
     * Gives the raw lines to {@code visitor} newest first, torn or foreign ones included, until it
     * returns false: for readers that look at a line before paying for a full parse.
     */
    public void eachLineNewestFirst(Predicate<String> visitor) {
        HistoryScan.newestFirst(file, (buf, from, to) -> visitor.test(new String(buf, from, to - from, StandardCharsets.UTF_8)));
    }

    /** The newest {@code limit} records that match, newest first; lines that are not a record are skipped. */
    public List<HistoryRecord> find(Predicate<HistoryRecord> match, int limit) {
        return find(match, limit, Integer.MAX_VALUE);
    }

    /** {@link #find(Predicate, int)}, reading back at most {@code maxLines} lines. */
    public List<HistoryRecord> find(Predicate<HistoryRecord> match, int limit, int maxLines) {
        List<HistoryRecord> out = new ArrayList<>();
        if (limit <= 0) return out;
        int[] seen = {0};
        HistoryScan.newestFirst(file, (buf, from, to) -> {
            if (++seen[0] > maxLines) return false;
            return collect(buf, from, to, match, out, limit);
        });
        return out;
    }

    /**
     * The newest {@code limit} records whose raw line contains {@code needle} (found before any
     * parsing, so unrelated lines cost no JSON work) and that match, reading back about
     * {@code maxBytes} bytes.
     */
    public List<HistoryRecord> findContaining(String needle, Predicate<HistoryRecord> match, int limit, long maxBytes) {
        List<HistoryRecord> out = new ArrayList<>();
        if (limit <= 0) return out;
        HistoryScan.newestContaining(file, new HistoryScan.Needle(needle), maxBytes, (buf, from, to) -> collect(buf, from, to, match, out, limit));
        return out;
    }

    /** Adds the line's record to {@code out} if it is one and matches; false once {@code out} is full. */
    private static boolean collect(byte[] buf, int from, int to, Predicate<HistoryRecord> match, List<HistoryRecord> out, int limit) {
        HistoryRecord r = parse(new String(buf, from, to - from, StandardCharsets.UTF_8));
        if (r != null && match.test(r)) out.add(r);
        return out.size() < limit;
    }

    /** Torn lines (not a whole JSON object) among the last {@code bytes} bytes of the log, cheaply: a line between braces counts as whole. */
    public int countMalformedInTail(long bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = Math.max(0, size - bytes);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining()) if (ch.read(buf, from + buf.position()) < 0) break;
            byte[] b = buf.array();
            int n = buf.position();
            int start = 0;
            if (from > 0) { // the first line is cut by the window: it is not looked at
                while (start < n && b[start] != '\n') start++;
                start++;
            }
            int bad = 0;
            while (start < n) {
                int end = start;
                while (end < n && b[end] != '\n') end++;
                int s = start, e = end;
                while (s < e && HistoryScan.isSpace(b[s])) s++;
                while (e > s && HistoryScan.isSpace(b[e - 1])) e--;
                // a record is one JSON object per line: a line not shaped like one is not a record
                if (s < e && !(b[s] == '{' && b[e - 1] == '}')) bad++;
                start = end + 1;
            }
            return bad;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return 1;
        }
    }

    /** Number of lines that are not a whole JSON object (torn or foreign lines). */
    public int countMalformed() {
        int bad = 0;
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                if (parse(it.next()) == null) bad++;
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | java.io.UncheckedIOException e) {
            return bad + 1;
        }
        return bad;
    }

    public static HistoryRecord parse(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') return null;
        try {
            return Json.MAPPER.readValue(t, HistoryRecord.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
