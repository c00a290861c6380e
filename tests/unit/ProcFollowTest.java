package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import lib.core.Proc;
import org.junit.jupiter.api.Test;

/** The program a health wait follows (docker events) wakes it on each line; silence is a plain wait. */
class ProcFollowTest {
    @Test
    void aLineEndsTheWaitEarlyAndSilenceWaitsItOut() throws Exception {
        try (Proc.Follow f = Proc.follow(List.of("sh", "-c", "sleep 0.3; echo one; sleep 30"))) {
            assertTrue(f.alive());
            long t0 = System.nanoTime();
            assertTrue(f.await(20_000), "the line wakes the wait");
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(tookMs < 15_000, "woke after " + tookMs + " ms, not at the 20 s timeout");
            // then nothing more comes: the next wait runs to its timeout
            long before = Proc.externalMillis();
            assertFalse(f.await(300));
            assertTrue(Proc.externalMillis() - before >= 250, "waiting on a running program counts as time inside it");
        }
    }

    @Test
    void closeStopsTheProgramAndAProgramThatCannotStartIsASleep() throws Exception {
        Proc.Follow f = Proc.follow(List.of("sleep", "30"));
        assertTrue(f.alive());
        f.close();
        for (int i = 0; i < 50 && f.alive(); i++) Thread.sleep(100);
        assertFalse(f.alive());
        try (Proc.Follow none = Proc.follow(List.of("/nonexistent/seisei-no-such-program"))) {
            assertFalse(none.alive());
            long before = Proc.externalMillis();
            assertFalse(none.await(200));
            assertEquals(before, Proc.externalMillis(), "a plain sleep is not time inside a program");
        }
    }
}
