package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lib.core.Fail;
import lib.core.Json;
import lib.core.SmallFiles;
import lib.model.DotEnv;
import lib.model.ImageRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotEnvTest {
    @TempDir Path tmp;
    static final String D1 = "sha256:" + "1".repeat(64);

    static Map<String, String> vars(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void readsValuesWithComposesQuoteAndCommentRules() {
        String text = String.join("\n",
                "# a comment",
                "",
                "PLAIN=VAL",
                "COMMENTED=VAL # comment",
                "HASH=VAL# not a comment",
                "DQ=\"VAL # not a comment\"",
                "DQC=\"VAL\" # comment",
                "SQ='$OTHER'",
                "SQE='Let\\'s go!'",
                "JSON=\"{\\\"hello\\\": \\\"json\\\"}\"",
                "TAB=\"some\\tvalue\"",
                "SQTAB='some\\tvalue'",
                "UQTAB=some\\tvalue",
                "  export   SPACED =  spaced value  ",
                "export=1",
                "MULTI='line one",
                "line two'",
                "OPEN=\"never closed",
                "EMPTY=",
                "no equals sign",
                "=nokey",
                "PLAIN=later wins\r");
        assertEquals(vars("PLAIN", "later wins", "COMMENTED", "VAL", "HASH", "VAL# not a comment", "DQ", "VAL # not a comment", "DQC", "VAL",
                "SQ", "$OTHER", "SQE", "Let's go!", "JSON", "{\"hello\": \"json\"}", "TAB", "some\tvalue", "SQTAB", "some\\tvalue",
                "UQTAB", "some\\tvalue", "SPACED", "spaced value", "export", "1", "MULTI", "line one\nline two", "OPEN", "\"never closed",
                "EMPTY", ""), DotEnv.parse(text));
        assertEquals(List.of("PLAIN", "COMMENTED", "HASH", "DQ", "DQC", "SQ", "SQE", "JSON", "TAB", "SQTAB", "UQTAB", "SPACED", "export",
                "MULTI", "OPEN", "EMPTY"), List.copyOf(DotEnv.parse(text).keySet()));
    }

    /** Before, clean-images had its own reader that also stripped unmatched quotes and kept inline comments. */
    @Test
    void pinnedImagesOfAReleaseDir() throws Exception {
        Files.writeString(tmp.resolve(".env"), String.join("\n",
                "IMAGE_REF=127.0.0.1:5000/app@" + D1 + " # pinned by seisei",
                "export WORKER_IMAGE=\"127.0.0.1:5000/worker:v1@" + D1 + "\"",
                "DB_IMAGE=postgres:16",
                "BAD=Bad Repo@" + D1,
                "SHORT=app@sha256:abc", ""));
        Map<String, ImageRef> pinned = DotEnv.pinnedImages(DotEnv.read(tmp));
        assertEquals(List.of("IMAGE_REF", "WORKER_IMAGE"), List.copyOf(pinned.keySet()));
        assertEquals("127.0.0.1:5000/app@" + D1, pinned.get("IMAGE_REF").ref);
        assertEquals("127.0.0.1:5000/worker", pinned.get("WORKER_IMAGE").repository);
        assertEquals("v1", pinned.get("WORKER_IMAGE").tag);
        assertEquals(Map.of(), DotEnv.read(tmp.resolve("absent")));
    }

    @Test
    void aDeviceOrAHugeFileIsRefusedNotReadWhole() throws Exception {
        Files.createSymbolicLink(tmp.resolve(".env"), Path.of("/dev/zero"));
        Fail f = assertThrows(Fail.class, () -> DotEnv.read(tmp));
        assertTrue(f.getMessage().contains("not a regular file"), f.getMessage());
        Files.delete(tmp.resolve(".env"));
        try (var ch = java.nio.channels.FileChannel.open(tmp.resolve(".env"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}), SmallFiles.MAX_BYTES); // sparse: nothing is stored
        }
        f = assertThrows(Fail.class, () -> DotEnv.read(tmp));
        assertTrue(f.getMessage().contains("too large"), f.getMessage());
        f = assertThrows(Fail.class, () -> Json.read(Path.of("/dev/zero"), Object.class, "manifest"));
        assertTrue(f.getMessage().contains("not a regular file"), f.getMessage());
    }
}
