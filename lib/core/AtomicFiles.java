package lib.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** Atomic file writes and the atomic link switch: a reader sees the old state or the new one, never a part. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes to a temp file in the same dir, fsyncs it, renames it over {@code target}, fsyncs the dir. */
    public static void write(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(dir);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw Fail.failed("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    public static void write(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Points {@code link} at {@code target}: a new symlink under a temp name, then renamed over
     * the old one, so the link always resolves to the old or the new target.
     */
    public static void switchLink(Path link, Path target) {
        Path dir = link.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + link.getFileName() + ".link-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(dir);
            Files.createSymbolicLink(tmp, target);
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(dir);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw Fail.failed("cannot switch " + link + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Makes a rename or a new entry in {@code dir} durable. */
    public static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw Fail.failed("cannot sync directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
