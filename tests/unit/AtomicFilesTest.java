package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import lib.core.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path tmp;

    @Test
    void readerNeverSeesAPartialFile() throws Exception {
        Path f = tmp.resolve("manifest.json");
        String a = "A".repeat(200_000);
        String b = "B".repeat(300_000);
        AtomicFiles.write(f, a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    String s = Files.readString(f);
                    reads.incrementAndGet();
                    if (!s.equals(a) && !s.equals(b)) bad.set("partial read of length " + s.length());
                } catch (Exception e) {
                    bad.set(e.toString());
                }
            }
        });
        reader.start();
        for (int i = 0; i < 200; i++) AtomicFiles.write(f, i % 2 == 0 ? b : a);
        stop.set(true);
        reader.join();
        assertNull(bad.get());
        assertTrue(reads.get() > 0);
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temp files left behind");
        }
    }

    @Test
    void linkSwitchAlwaysResolvesToACompleteTarget() throws Exception {
        Path r1 = Files.createDirectories(tmp.resolve("releases/r1"));
        Path r2 = Files.createDirectories(tmp.resolve("releases/r2"));
        Files.writeString(r1.resolve("docker-compose.yml"), "r1");
        Files.writeString(r2.resolve("docker-compose.yml"), "r2");
        Path link = tmp.resolve("stacks/web");
        AtomicFiles.switchLink(link, r1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    String s = Files.readString(link.resolve("docker-compose.yml"));
                    reads.incrementAndGet();
                    if (!s.equals("r1") && !s.equals("r2")) bad.set("read " + s);
                } catch (Exception e) {
                    bad.set("link did not resolve: " + e);
                }
            }
        });
        reader.start();
        for (int i = 0; i < 2000; i++) AtomicFiles.switchLink(link, i % 2 == 0 ? r2 : r1);
        stop.set(true);
        reader.join();
        assertNull(bad.get());
        assertTrue(reads.get() > 0);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(r1, Files.readSymbolicLink(link));
        try (var s = Files.list(tmp.resolve("stacks"))) {
            assertEquals(1, s.count(), "no temp links left behind");
        }
    }
}
