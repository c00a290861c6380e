package lib.history;

import lib.core.Fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads deploy_history.log backwards, line by line, as bytes: for readers that pass over most lines
 * of a long history after a glance (clean-images looks for a few release ids in 100,000 lines) and
 * decode only the lines they keep. {@link HistoryLog} stays the reader of whole records.
 */
public final class HistoryScan {
    private HistoryScan() {}

    private static final int BLOCK = 256 * 1024;

    /** Gets each line as {@code buf[from, to)}, newest first, without its newline; false stops the scan. */
    public interface Visitor {
        boolean line(byte[] buf, int from, int to);
    }

    /** Visits the lines of {@code file} newest first; a missing file has none. */
    public static void newestFirst(Path file, Visitor visitor) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = ch.size();
            byte[] carry = new byte[0];
            while (pos > 0) {
                int n = (int) Math.min(BLOCK, pos);
                pos -= n;
                byte[] buf = block(ch, pos, n, carry);
                int end = buf.length;
                for (int i = buf.length - 1; i >= 0; i--) {
                    if (buf[i] != '\n') continue;
                    if (end > i + 1 && !visitor.line(buf, i + 1, end)) return;
                    end = i;
                }
                carry = java.util.Arrays.copyOf(buf, end);
            }
            if (carry.length > 0) visitor.line(carry, 0, carry.length);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The {@code n} bytes at {@code pos}, followed by {@code carry}: the rest of the line they end in, read with the block after them. */
    private static byte[] block(FileChannel ch, long pos, int n, byte[] carry) throws IOException {
        byte[] buf = new byte[n + carry.length];
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
            if (ch.read(bb, pos + bb.position()) < 0) break;
        }
        System.arraycopy(carry, 0, buf, n, carry.length);
        return buf;
    }

    /**
     * Visits the lines that contain {@code needle} (which holds no newline), newest first, reading
     * back about {@code maxBytes} bytes (whole blocks). Unlike {@link #newestFirst} it does not split
     * the log into lines: it searches each block for the needle and finds the line around each hit,
     * so a long stretch of other lines costs little more than reading it.
     */
    public static void newestContaining(Path file, Needle needle, long maxBytes, Visitor visitor) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = ch.size();
            long read = 0;
            byte[] carry = new byte[0];
            int[] hits = new int[16];
            while (pos > 0 && read < maxBytes) {
                int n = (int) Math.min(BLOCK, pos);
                pos -= n;
                read += n;
                byte[] buf = block(ch, pos, n, carry);
                // whole lines start after the block's first newline, unless the block starts the file
                int first = 0;
                if (pos > 0) {
                    while (first < buf.length && buf[first] != '\n') first++;
                    if (first == buf.length) { // one line longer than the block: read on
                        carry = buf;
                        continue;
                    }
                    first++;
                }
                int count = 0;
                for (int i = needle.indexIn(buf, first, buf.length); i >= 0; i = needle.indexIn(buf, i + needle.length(), buf.length)) {
                    if (count == hits.length) hits = java.util.Arrays.copyOf(hits, count * 2);
                    hits[count++] = i;
                }
                int visitedStart = Integer.MAX_VALUE;
                for (int k = count - 1; k >= 0; k--) {
                    int hit = hits[k];
                    if (hit >= visitedStart) continue; // a second hit in a line already visited
                    int from = hit;
                    while (from > first && buf[from - 1] != '\n') from--;
                    int to = hit + needle.length();
                    while (to < buf.length && buf[to] != '\n') to++;
                    visitedStart = from;
                    if (!visitor.line(buf, from, to)) return;
                }
                carry = pos > 0 ? java.util.Arrays.copyOf(buf, first - 1) : new byte[0];
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A string searched for in history lines as bytes. It skips ahead by up to its own length at a
     * mismatch (Horspool), so a long history line is mostly not looked at byte by byte.
     */
    public static final class Needle {
        private final byte[] p;
        private final int[] shift = new int[256];

        public Needle(String s) {
            if (s.isEmpty()) throw new IllegalArgumentException("empty needle");
            p = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.util.Arrays.fill(shift, p.length);
            for (int i = 0; i < p.length - 1; i++) shift[p[i] & 0xff] = p.length - 1 - i;
        }

        public int length() { return p.length; }

        /** The index of the needle in {@code buf[from, to)}, or -1. */
        public int indexIn(byte[] buf, int from, int to) {
            int last = p.length - 1;
            for (int i = from; i + last < to; i += shift[buf[i + last] & 0xff]) {
                int j = last;
                while (j >= 0 && buf[i + j] == p[j]) j--;
                if (j < 0) return i;
            }
            return -1;
        }
    }

    /**
     * The plain string value of {@code key} in the JSON record {@code buf[from, to)}, read from the
     * bytes without a parse (its first occurrence as a key); null when absent, escaped or not a string.
     */
    public static String stringField(byte[] buf, int from, int to, Needle key) {
        int k = key.indexIn(buf, from, to);
        if (k < 0) return null;
        int i = k + key.length();
        while (i < to && buf[i] == ' ') i++;
        if (i >= to || buf[i] != ':') return null;
        i++;
        while (i < to && buf[i] == ' ') i++;
        if (i >= to || buf[i] != '"') return null;
        int start = ++i;
        while (i < to && buf[i] != '"') {
            if (buf[i] == '\\') return null;
            i++;
        }
        return i >= to ? null : new String(buf, start, i - start, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The key of a JSON field as it stands in a record: {@code "name"}. */
    public static Needle key(String name) {
        return new Needle("\"" + name + "\"");
    }

    /** Spaces, tabs and line ends around a record. */
    public static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
}
