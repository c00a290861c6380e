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
    private final java.time.Clock clock;

    public HistoryLog(Path file) {
        this(file, java.time.Clock.systemUTC());
    }

    /** A log whose appends are stamped with the time of {@code clock}. */
    public HistoryLog(Path file, java.time.Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public Path file() { return file; }

    /** Appends {@code record} as one line; a record without a time gets this log's clock's now. */
    public void append(HistoryRecord record) {
        if (record.at_utc == null) record.at_utc = lib.core.Clock.utc(clock);
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

    /**
     * True when the last line of the log is a torn write: it starts as the tool's own JSON record does
     * but is not one whole (a crash cut it). Lines in other formats are never torn; the lines before
     * the last were closed off by later appends.
     */
    public boolean tornLastLine() {
        String[] last = {null};
        HistoryScan.newestFirst(file, (buf, from, to) -> {
            String line = new String(buf, from, to - from, StandardCharsets.UTF_8);
            if (line.isBlank()) return true;
            last[0] = line;
            return false;
        });
        return last[0] != null && HistoryFormat.torn(last[0]);
    }

    /** Number of lines no known format reads (torn writes and lines of unknown forms). */
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

    /** The record of a line in any known format (see {@link HistoryFormat}), or null. */
    public static HistoryRecord parse(String line) {
        return HistoryFormat.parse(line);
    }
}
