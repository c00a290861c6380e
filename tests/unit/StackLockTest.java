package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import lib.core.Exit;
import lib.core.Fail;
import lib.model.Layout;
import lib.model.StackLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackLockTest {
    @TempDir Path tmp;

    /** Holds the lock of a stack in a second JVM: args ROOT STACK; prints "locked", exits when stdin closes. */
    public static void main(String[] args) throws Exception {
        try (StackLock l = StackLock.acquire(new Layout(Path.of(args[0])), args[1], "bob", "deploy in another jvm", 0, null)) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) { }
        }
    }

    @Test
    void secondJvmIsRefusedAndToldWhoHoldsTheLock() throws Exception {
        Layout layout = new Layout(tmp);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StackLockTest.class.getName(), tmp.toString(), "web-prod")
                .redirectErrorStream(true).start();
        try {
            var out = new BufferedReader(new InputStreamReader(other.getInputStream()));
            assertEquals("locked", out.readLine());
            assertTrue(StackLock.isHeld(layout, "web-prod"));
            Fail f = assertThrows(Fail.class, () -> StackLock.acquire(layout, "web-prod", "alice", "deploy", 0, null));
            assertEquals(Exit.LOCKED, f.code);
            assertTrue(f.getMessage().contains("bob"), f.getMessage());
            assertTrue(f.getMessage().contains("pid " + other.pid()), f.getMessage());
            long t0 = System.nanoTime();
            assertThrows(Fail.class, () -> StackLock.acquire(layout, "web-prod", "alice", "deploy", 0.5, null));
            assertTrue(System.nanoTime() - t0 >= 400_000_000L, "waited for --lock-wait");
            try (StackLock api = StackLock.acquire(layout, "api-prod", "alice", "deploy", 0, null)) {
                assertTrue(StackLock.isHeld(layout, "api-prod"), "another stack is not blocked: its lock is taken at once");
                assertEquals("alice", StackLock.owner(layout, "api-prod").actor);
                assertEquals("bob", StackLock.owner(layout, "web-prod").actor, "and the first stays with its holder");
            }
            assertFalse(StackLock.isHeld(layout, "api-prod"));
            assertTrue(StackLock.isHeld(layout, "web-prod"));
        } finally {
            other.getOutputStream().close();
            other.waitFor(10, TimeUnit.SECONDS);
            other.destroyForcibly();
        }
        try (StackLock mine = StackLock.acquire(layout, "web-prod", "alice", "deploy", 2, null)) {
            assertEquals("alice", StackLock.owner(layout, "web-prod").actor);
        }
        assertFalse(StackLock.isHeld(layout, "web-prod"));
    }

    @Test
    void aKilledHolderDoesNotLeaveTheLockHeld() throws Exception {
        Layout layout = new Layout(tmp);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StackLockTest.class.getName(), tmp.toString(), "web-prod")
                .redirectErrorStream(true).start();
        assertEquals("locked", new BufferedReader(new InputStreamReader(other.getInputStream())).readLine());
        other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try (StackLock l = StackLock.acquire(layout, "web-prod", "alice", "deploy", 2, null)) {
            assertEquals("alice", StackLock.owner(layout, "web-prod").actor);
        }
    }

    @Test
    void cleanTakesEveryFreeLockAndSaysWhoHoldsTheOthers() {
        Layout layout = new Layout(tmp);
        try (StackLock held = StackLock.acquire(layout, "web-prod", "alice", "deploy web-prod", 0, null)) {
            assertTrue(StackLock.holder(layout, "web-prod").contains("alice: deploy web-prod"), StackLock.holder(layout, "web-prod"));
            assertNull(StackLock.holder(layout, "api-prod"));
            java.util.Map<String, String> notLocked = new java.util.HashMap<>();
            java.util.List<StackLock> got = StackLock.tryAll(layout, java.util.List.of("api-prod", "web-prod", "db-prod"), "carol",
                    "clean-images", notLocked);
            try {
                assertEquals(2, got.size());
                assertEquals(java.util.Set.of("web-prod"), notLocked.keySet());
                assertTrue(notLocked.get("web-prod").contains("alice"), notLocked.get("web-prod"));
                assertEquals("clean-images", StackLock.owner(layout, "db-prod").command);
            } finally {
                got.forEach(StackLock::close);
            }
            assertFalse(StackLock.isHeld(layout, "api-prod"));
        }
    }
}
