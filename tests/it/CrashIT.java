package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import lib.history.HistoryLog;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.StackLock;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * Kills deploys and rollbacks with SIGKILL at every named point of the flow and at random moments
 * inside it (while it holds the stack's lock), on three stacks at once, at least 50 kills in all.
 * Right after each kill: the link and the manifest name the same release (the manifest is reached
 * through the link), the link points at a complete release, the history has only whole lines. After
 * every third kill, and at the end, the next deploy repairs what the kill left and everything agrees.
 * It runs beside other classes: their load changes where a random kill lands, and a kill counts
 * only when it landed inside the flow (attempts that did not are retried, within a bound).
 */
@Order(6) // long: started early (tests/run.java)
class CrashIT {
    static final List<String> POINTS = List.of("after-lock", "after-solidify", "after-pull", "after-switch", "after-up", "after-manifest");
    static final int STACKS = 3;
    static final int RANDOM_PER_STACK = 7;

    @Test
    void killedAtEveryNamedPointAndAtRandomLinkAndManifestAlwaysAgreeAndTheNextDeployRepairs() throws Exception {
        AtomicInteger kills = new AtomicInteger();
        AtomicInteger landed = new AtomicInteger();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (World w = new World()) {
            List<String> stacks = new ArrayList<>();
            for (int i = 0; i < STACKS; i++) stacks.add(w.stagingStack());
            ExecutorService pool = Executors.newFixedThreadPool(STACKS);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < STACKS; i++) {
                String s = stacks.get(i);
                long seed = 7 + i;
                done.add(pool.submit(() -> {
                    killStack(w, s, seed, kills, landed, problems);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(15, TimeUnit.MINUTES);
            pool.shutdown();
            System.out.println("crash test: " + kills.get() + " kills at named points and random moments (" + landed.get()
                    + " random ones inside the flow), " + problems.size() + " left link and manifest disagreeing or broke the next deploy");
            assertTrue(kills.get() >= 50, "at least 50 kills, not " + kills.get());
            assertEquals(List.of(), problems);
        }
    }

    private static void killStack(World w, String s, long seed, AtomicInteger kills, AtomicInteger landed, List<String> problems) throws Exception {
        Layout l = new Layout(w.root);
        assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
        String[] tags = {"v2", "v3"};
        int n = 0;
        int mine = 0;
        for (String point : POINTS) {
            Process p = w.start(Map.of("SEISEI_TEST_KILL_AT", point), "deploy", s, "staging", tags[n++ % 2]);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), s + ": killed itself at " + point);
            kills.incrementAndGet();
            check(w, l, s, tags[n % 2], s + ": deploy killed at " + point, ++mine % 3 == 0, problems);
        }
        for (String point : List.of("after-lock", "after-switch", "after-up", "after-manifest")) {
            Process p = w.start(Map.of("SEISEI_TEST_KILL_AT", point), "rollback", s, "staging");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), s + ": killed itself at " + point);
            kills.incrementAndGet();
            check(w, l, s, tags[n++ % 2], s + ": rollback killed at " + point, ++mine % 3 == 0, problems);
        }
        // at random moments inside the flow: while the started deploy or rollback holds the stack's lock
        Random rnd = new Random(seed);
        int mineLanded = 0, attempts = 0;
        while (mineLanded < RANDOM_PER_STACK && attempts < 3 * RANDOM_PER_STACK) {
            boolean deploy = attempts++ % 2 == 0;
            Process p = w.start(Map.of(), deploy ? "deploy" : "rollback", deploy ? new String[] {s, "staging", tags[n++ % 2]} : new String[] {s, "staging"});
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!holdsTheLock(l, s, p) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            Thread.sleep(rnd.nextInt(1500));
            boolean inside = holdsTheLock(l, s, p);
            World.killGroup(p);
            if (!inside) continue;
            kills.incrementAndGet();
            landed.incrementAndGet();
            mineLanded++;
            check(w, l, s, tags[n % 2], s + ": random kill " + mineLanded + " (" + (deploy ? "deploy" : "rollback") + ")", ++mine % 3 == 0, problems);
        }
        if (mineLanded < RANDOM_PER_STACK) problems.add(s + ": only " + mineLanded + " of " + attempts + " random kills landed inside the flow");
        check(w, l, s, tags[n % 2], s + ": at the end", true, problems);
    }

    /** True when the stack's lock owner record names the started process (or its JVM under a launcher) and it still runs. */
    static boolean holdsTheLock(Layout l, String s, Process p) {
        StackLock.Owner o = StackLock.owner(l, s);
        return o != null && p.isAlive() && (o.pid == p.pid() || p.descendants().anyMatch(d -> d.pid() == o.pid));
    }

    /**
     * Right after a kill: link and manifest name the same release, the link points at a complete
     * release, the history has only whole lines. With {@code next}, then deploys again and checks that
     * everything agrees and the stack serves the new tag.
     */
    static void check(World w, Layout l, String s, String nextTag, String what, boolean next, List<String> problems) throws Exception {
        String link = l.currentReleaseId(s);
        CurrentManifest m = CurrentManifest.read(l, s);
        String named = m == null ? null : m.release_id;
        if (link == null ? named != null : !link.equals(named)) {
            problems.add(what + ": the link names " + link + ", the manifest " + named);
            return;
        }
        if (link != null) {
            Path dir = l.releaseDir(s, link);
            if (!Files.isRegularFile(dir.resolve("docker-compose.yml")) || !Files.isRegularFile(dir.resolve("release.json"))) {
                problems.add(what + ": link points at an incomplete release " + link);
                return;
            }
        }
        if (new HistoryLog(l.historyLog()).countMalformed() > 0) {
            problems.add(what + ": torn history line");
            return;
        }
        if (!next) return;
        World.Run r = w.run("deploy", s, "staging", nextTag);
        if (r.exit() != 0) {
            problems.add(what + ": next deploy failed: " + r);
            return;
        }
        CurrentManifest after = CurrentManifest.read(l, s);
        if (after == null || after.activating() || !after.release_id.equals(l.currentReleaseId(s)))
            problems.add(what + ": manifest and link disagree after the next deploy");
        else if (!nextTag.equals(w.version(s))) problems.add(what + ": the stack does not serve " + nextTag);
        else if (World.containers(s).size() != 1) problems.add(what + ": " + World.containers(s).size() + " containers");
    }
}
