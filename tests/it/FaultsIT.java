package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/**
 * Failures of the parts around a deploy: each gives a clear error, leaves the live release live, loses nothing.
 * The full disk is in {@link FaultsDiskFullIT}, which runs alone.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class FaultsIT {

    static String digestFile(World w, String ref, String digest, String tag) {
        Path f = w.dir.resolve("digests-" + tag + ".json");
        World.write(f, "{\"git_sha\":\"0123456\",\"images\":{\"app\":{\"tag\":\"" + tag + "\",\"ref\":\"" + ref + "@" + digest
                + "\",\"digest\":\"" + digest + "\"}}}");
        return f.toString();
    }

    @Test
    void registryDownDuringPullChangesNothingLive() {
        try (World w = new World()) {
            String s = w.stack(w.name("web", "-staging"), null);
            String d1 = World.registryDigest("v1");
            assertEquals(0, w.run("deploy", s, "staging", "v1", "--digest-file", digestFile(w, World.APP, d1, "v1")).exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            String missing = "sha256:" + "e".repeat(64);
            World.Run r = w.run("deploy", s, "staging", "v9", "--digest-file", digestFile(w, "127.0.0.1:1/seisei-test/app", missing, "v9"));
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.stderr().contains("pulling"), r.stderr());
            assertEquals(live, l.currentReleaseId(s));
            assertEquals(live, CurrentManifest.read(l, s).release_id);
            assertEquals("v1", w.version(s));
            assertEquals("failed", new HistoryLog(l.historyLog()).find(x -> true, 1).get(0).outcome);
        }
    }

    @Test
    void composeUpFailingRestoresThePreviousRelease() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path compose = w.source.resolve(s).resolve("docker-compose.yml");
            World.write(compose, World.read(compose) + "    devices:\n      - \"/dev/seisei-no-such-device:/dev/x\"\n");
            World.Run r = w.run("deploy", s, "staging", "v2", "--health-timeout", "20");
            assertEquals(5, r.exit(), r.toString());
            assertEquals(live, l.currentReleaseId(s));
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void healthcheckThatNeverSettlesTimesOutAndRollsBack() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path compose = w.source.resolve(s).resolve("docker-compose.yml");
            World.write(compose, World.read(compose).replace(World.HEALTHCHECK, "") + "    healthcheck:\n      test: [\"CMD\", \"/bin/busybox\", \"sleep\", \"60\"]\n"
                    + "      interval: 60s\n      timeout: 90s\n");
            long t0 = System.nanoTime();
            World.Run r = w.run("deploy", s, "staging", "v2", "--health-timeout", "3");
            assertEquals(5, r.exit(), r.toString());
            assertTrue(r.stderr().contains("not healthy after 3s"), r.stderr());
            assertTrue((System.nanoTime() - t0) / 1e9 < 60, "gave up after the timeout, not the healthcheck");
            assertEquals(live, l.currentReleaseId(s));
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void stackSourceVanishingMidCopyLeavesNoRelease() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path src = w.source.resolve(s);
            for (int i = 0; i < 20; i++) World.write(src.resolve("conf/part" + i + ".conf"), "part " + i + "\n");
            Path saved = w.dir.resolve("src-saved");
            World.sh("cp", "-a", src.toString(), saved.toString());
            Path releases = l.stackReleasesDir(s);
            var before = World.snapshot(releases);
            Process p = w.start(java.util.Map.of("SEISEI_TEST_PAUSE_AT", "mid-copy:3"), "deploy", s, "staging", "v2");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!hasPartial(releases) && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(hasPartial(releases), "the deploy reached its copy");
            World.sh("rm", "-rf", src.toString());
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            String err = World.read(w.dir.resolve("started.err"));
            assertEquals(1, p.exitValue(), err);
            assertTrue(err.contains("changed or vanished while it was copied"), err);
            assertEquals(1, err.strip().lines().filter(x -> x.startsWith("error:")).count(), err);
            assertEquals(before, World.snapshot(releases), "no partial release left behind");
            assertEquals(live, l.currentReleaseId(s));
            assertEquals(live, CurrentManifest.read(l, s).release_id);
            assertEquals("v1", w.version(s));

            World.sh("cp", "-a", saved.toString(), src.toString());
            World.Run again = w.run("deploy", s, "staging", "v2");
            assertEquals(0, again.exit(), again.toString());
            assertEquals("v2", w.version(s));
            assertEquals(21, Files.list(l.releaseDir(s, l.currentReleaseId(s)).resolve("conf")).count() + 1);
        }
    }

    static boolean hasPartial(Path releases) throws java.io.IOException {
        if (!Files.isDirectory(releases)) return false;
        try (var st = Files.list(releases)) {
            return st.anyMatch(x -> x.getFileName().toString().startsWith(".partial-"));
        }
    }
}
