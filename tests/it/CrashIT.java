package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.model.Layout;
import lib.model.StackLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import support.World;

/**
 * Kills deploys and rollbacks with SIGKILL at named points and at random moments inside the flow
 * (while it holds the stack's lock), then checks that the link points at a complete release, the
 * history has only whole lines, and the next command repairs any mismatch and succeeds.
 * Isolated: where a random kill lands depends on how fast the flow runs, which others' load skews.
 */
@Isolated
class CrashIT {
    static final List<String> POINTS = List.of("after-lock", "after-solidify", "after-pull", "after-switch", "after-up", "after-manifest");

    @Test
    void killedAtEveryNamedPointAndAtRandomTheNextDeployLeavesEverythingConsistent() throws Exception {
        int kills = 0;
        List<String> inconsistent = new ArrayList<>();
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String[] tags = {"v2", "v3"};
            int n = 0;
            for (String point : POINTS) {
                Process p = w.start(Map.of("SEISEI_TEST_KILL_AT", point), "deploy", s, "staging", tags[n++ % 2]);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "killed itself at " + point);
                kills++;
                String problem = afterKill(w, l, s, tags[n % 2], "deploy killed at " + point);
                if (problem != null) inconsistent.add(problem);
            }
            for (String point : List.of("after-switch", "after-up", "after-manifest")) {
                Process p = w.start(Map.of("SEISEI_TEST_KILL_AT", point), "rollback", s, "staging");
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue(), "killed itself at " + point);
                kills++;
                String problem = afterKill(w, l, s, tags[n++ % 2], "rollback killed at " + point);
                if (problem != null) inconsistent.add(problem);
            }
            // at random moments inside the flow: while the started deploy or rollback holds the stack's lock
            Random rnd = new Random(7);
            int landed = 0, attempts = 0;
            while (landed < 4 && attempts < 12) {
                boolean deploy = attempts++ % 2 == 0;
                Process p = w.start(Map.of(), deploy ? "deploy" : "rollback", deploy ? new String[] {s, "staging", tags[n++ % 2]} : new String[] {s, "staging"});
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (!holdsTheLock(l, s, p) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
                Thread.sleep(rnd.nextInt(2000));
                boolean inside = holdsTheLock(l, s, p);
                World.killGroup(p);
                kills++;
                if (!inside) continue;
                landed++;
                String problem = afterKill(w, l, s, tags[n % 2], "random kill " + landed + " (" + (deploy ? "deploy" : "rollback") + ")");
                if (problem != null) inconsistent.add(problem);
            }
            System.out.println("crash test: " + kills + " kills, " + landed + " of the random ones inside the flow, "
                    + inconsistent.size() + " left an inconsistency");
            assertEquals(4, landed, "random kills that landed while the flow held the lock, of " + attempts);
            assertEquals(List.of(), inconsistent);
        }
    }

    /** True when the stack's lock owner record names the started process (or its JVM under a launcher) and it still runs. */
    static boolean holdsTheLock(Layout l, String s, Process p) {
        StackLock.Owner o = StackLock.owner(l, s);
        return o != null && p.isAlive() && (o.pid == p.pid() || p.descendants().anyMatch(d -> d.pid() == o.pid));
    }

    /** Checks the state after a kill, then deploys again and checks that everything agrees. */
    static String afterKill(World w, Layout l, String s, String nextTag, String what) throws Exception {
        String link = l.currentReleaseId(s);
        if (link != null) {
            Path dir = l.releaseDir(s, link);
            if (!Files.isRegularFile(dir.resolve("docker-compose.yml")) || !Files.isRegularFile(dir.resolve("release.json")))
                return what + ": link points at an incomplete release " + link;
        }
        if (new HistoryLog(l.historyLog()).countMalformed() > 0) return what + ": torn history line";
        World.Run r = w.run("deploy", s, "staging", nextTag);
        if (r.exit() != 0) return what + ": next deploy failed: " + r;
        CurrentManifest m = CurrentManifest.read(l, s);
        if (m == null || !m.release_id.equals(l.currentReleaseId(s))) return what + ": manifest and link disagree after the next deploy";
        if (!nextTag.equals(w.version(s))) return what + ": the stack does not serve " + nextTag;
        if (World.containers(s).size() != 1) return what + ": " + World.containers(s).size() + " containers";
        return null;
    }
}
