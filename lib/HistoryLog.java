package lib;

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
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * deploy_history.log: one JSON object per line, append-only. Appends are one write under an
 * exclusive file lock and fsynced; a torn last line left by a crash is closed off before the
 * next append and skipped by readers. Reading walks the file backwards in blocks, so the newest
 * records are found without reading the whole log.
 */
public final class HistoryLog {
    private static final int BLOCK = 64 * 1024;
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

    /** Records newest first, lazily; lines that are not a JSON object (a torn line) are skipped. */
    public Iterable<HistoryRecord> newestFirst() {
        return () -> new Backwards();
    }

    /**
     * The raw lines newest first, lazily, torn or foreign ones included: for readers that look at a
     * line before paying for a full parse.
     */
    public Iterable<String> linesNewestFirst() {
        return () -> new Backwards().lines();
    }

    /** The newest {@code limit} records that match, newest first. */
    public List<HistoryRecord> find(Predicate<HistoryRecord> match, int limit) {
        List<HistoryRecord> out = new ArrayList<>();
        if (limit <= 0) return out;
        Backwards it = new Backwards();
        try {
            while (it.hasNext()) {
                HistoryRecord r = it.next();
                if (match.test(r)) {
                    out.add(r);
                    if (out.size() >= limit) break;
                }
            }
        } finally {
            it.finish();
        }
        return out;
    }

    /**
     * The newest {@code limit} records whose raw line contains {@code needle} (checked before
     * parsing, so unrelated lines cost no JSON work) and that match, reading back at most
     * {@code maxLines} lines.
     */
    public List<HistoryRecord> find(String needle, Predicate<HistoryRecord> match, int limit, int maxLines) {
        List<HistoryRecord> out = new ArrayList<>();
        int seen = 0;
        for (String line : linesNewestFirst()) {
            if (out.size() >= limit || ++seen > maxLines) break;
            if (needle != null && !line.contains(needle)) continue;
            HistoryRecord r = parse(line);
            if (r != null && match.test(r)) out.add(r);
        }
        return out;
    }

    /** Lines that are not a whole JSON object among the last {@code bytes} bytes of the log. */
    public int countMalformedInTail(long bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = Math.max(0, size - bytes);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining()) if (ch.read(buf, from + buf.position()) < 0) break;
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            int bad = 0;
            for (int i = from > 0 ? 1 : 0; i < lines.length; i++) if (!lines[i].isBlank() && parse(lines[i]) == null) bad++;
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

    static HistoryRecord parse(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') return null;
        try {
            return Json.MAPPER.readValue(t, HistoryRecord.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private final class Backwards implements Iterator<HistoryRecord> {
        private FileChannel ch;
        private long pos;
        private byte[] carry = new byte[0];
        private final ArrayList<String> pending = new ArrayList<>();
        private HistoryRecord next;
        private boolean done;

        Backwards() {
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                pos = ch.size();
            } catch (NoSuchFileException e) {
                done = true;
            } catch (IOException e) {
                throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        @Override
        public boolean hasNext() {
            while (next == null && !done) {
                if (!pending.isEmpty()) {
                    next = parse(pending.remove(pending.size() - 1));
                    continue;
                }
                if (!readBlock()) finish();
            }
            return next != null;
        }

        @Override
        public HistoryRecord next() {
            if (!hasNext()) throw new NoSuchElementException();
            HistoryRecord r = next;
            next = null;
            return r;
        }

        Iterator<String> lines() {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    while (pending.isEmpty() && !done) {
                        if (!readBlock()) finish();
                    }
                    return !pending.isEmpty();
                }

                @Override
                public String next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return pending.remove(pending.size() - 1);
                }
            };
        }

        /** Reads the block before {@code pos}; fills {@code pending} with its whole lines (oldest first). */
        private boolean readBlock() {
            if (pos == 0) {
                if (carry.length > 0) {
                    pending.add(new String(carry, StandardCharsets.UTF_8));
                    carry = new byte[0];
                    return true;
                }
                return false;
            }
            try {
                int n = (int) Math.min(BLOCK, pos);
                pos -= n;
                byte[] buf = new byte[n + carry.length];
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    if (ch.read(bb, pos + bb.position()) < 0) break;
                }
                System.arraycopy(carry, 0, buf, n, carry.length);
                int end = buf.length;
                List<String> lines = new ArrayList<>();
                for (int i = buf.length - 1; i >= 0; i--) {
                    if (buf[i] == '\n') {
                        if (end > i + 1) lines.add(new String(buf, i + 1, end - i - 1, StandardCharsets.UTF_8));
                        end = i;
                    }
                }
                carry = java.util.Arrays.copyOf(buf, end);
                for (int i = lines.size() - 1; i >= 0; i--) pending.add(lines.get(i));
                return true;
            } catch (IOException e) {
                throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        private void finish() {
            done = true;
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
            }
        }
    }
}
