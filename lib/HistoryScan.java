package lib;

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
                byte[] buf = new byte[n + carry.length];
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    if (ch.read(bb, pos + bb.position()) < 0) break;
                }
                System.arraycopy(carry, 0, buf, n, carry.length);
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

    /** The index of {@code pattern} in {@code buf[from, to)}, or -1. */
    public static int indexOf(byte[] buf, int from, int to, byte[] pattern) {
        int last = to - pattern.length;
        byte first = pattern[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf[i] != first) continue;
            for (int j = 1; j < pattern.length; j++) if (buf[i + j] != pattern[j]) continue outer;
            return i;
        }
        return -1;
    }
}
