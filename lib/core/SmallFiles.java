package lib.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads of the small files the tool keeps and is given (state files, .env, compose files, service
 * maps), bounded: a file planted as a link to a device, a pipe or something huge is refused, never
 * read whole (a read of /dev/zero would never end).
 */
public final class SmallFiles {
    private SmallFiles() {}

    /** The largest file read: state and config files are far smaller. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;

    /**
     * The bytes of {@code file} (links followed); fails with bad input (2) when it is not a regular
     * file or larger than {@code max}; {@link java.nio.file.NoSuchFileException} when it is absent.
     */
    public static byte[] read(Path file, String what, int max) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) throw Fail.usage(what + " " + file + " is not a regular file");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(max + 1);
        }
        if (bytes.length > max) throw Fail.usage(what + " " + file + " is too large (over " + Sizes.human(max) + ")");
        return bytes;
    }

    /** {@link #read} with {@link #MAX_BYTES}, as UTF-8 text. */
    public static String text(Path file, String what) throws IOException {
        return new String(read(file, what, MAX_BYTES), StandardCharsets.UTF_8);
    }
}
