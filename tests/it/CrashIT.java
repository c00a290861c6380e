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
import org.junit.jupiter.api.Test;
import support.World;

/**
 * Kills deploys and rollbacks with SIGKILL at named points and at random moments, then checks
 * that the link points at a complete release, the history has only whole lines, and the next
 * command repairs any mismatch and succeeds.
 */
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
            Random rnd = new Random(7);
            for (int i = 0; i < 4; i++) {
                Process p = w.start(Map.of(), i % 2 == 0 ? "deploy" : "rollback", i % 2 == 0 ? new String[] {s, "staging", tags[n++ % 2]} : new String[] {s, "staging"});
                Thread.sleep(1500 + rnd.nextInt(2500));
                World.killGroup(p);
                kills++;
                String problem = afterKill(w, l, s, tags[n % 2], "random kill " + i);
                if (problem != null) inconsistent.add(problem);
            }
            System.out.println("crash test: " + kills + " kills, " + inconsistent.size() + " left an inconsistency");
            assertEquals(List.of(), inconsistent);
        }
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
