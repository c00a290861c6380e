package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.CurrentManifest;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * SIGINT and SIGTERM at the moments that matter: before the switch the attempt stops, its release
 * dir goes and it is recorded as interrupted; after the switch the activation (and its recovery) is
 * finished first. Every attempt has one history record, no lock owner record outlives the process,
 * and nothing a hook started outlives the command.
 */
class InterruptsIT {
    /** Waits until the started script printed {@code line} on stderr. */
    private static void awaitOutput(World w, String line) throws Exception {
        Path err = w.dir.resolve("started.err");
        for (int i = 0; i < 1200; i++) {
            if (Files.exists(err) && Files.readString(err).contains(line)) return;
            Thread.sleep(100);
        }
        fail("never printed " + line + ":\n" + (Files.exists(err) ? Files.readString(err) : "(nothing)"));
    }

    private static int signal(Process p, String sig) throws Exception {
        assertEquals(0, World.sh("kill", "-" + sig, Long.toString(p.pid())).exit());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script ended after SIG" + sig);
        return p.exitValue();
    }

    private static void hook(World w, String stack, String body) {
        Path hook = w.source.resolve(stack).resolve("hooks/pre-deploy");
        World.write(hook, "#!/bin/sh\n" + body);
        assertTrue(hook.toFile().setExecutable(true));
    }

    private static List<HistoryRecord> history(Layout l) {
        List<HistoryRecord> all = new java.util.ArrayList<>(new HistoryLog(l.historyLog()).find(r -> true, 100));
        java.util.Collections.reverse(all);
        return all;
    }

    /** True when the process whose pid the hook wrote into {@code pidFile} runs (the file must exist: the hook ran). */
    private static boolean alive(Path pidFile) throws Exception {
        assertTrue(Files.exists(pidFile), "the hook started its child");
        String pid = Files.readString(pidFile).strip();
        return Files.exists(Path.of("/proc", pid)) && !Files.readString(Path.of("/proc", pid, "stat")).contains(") Z ");
    }

    @Test
    void sigintDuringThePreDeployHookStopsTheAttemptAndEverythingTheHookStarted() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String v1 = l.currentReleaseId(s);
            Path marker = w.dir.resolve("sleeper.pid");
            hook(w, s, "sleep 300 &\necho $! > " + marker + "\necho started\nsleep 120\n");
            Process p = w.start(Map.of(), "deploy", s, "staging", "v2");
            awaitOutput(w, "pre-deploy: started");
            assertTrue(alive(marker), "the hook's child runs");
            assertEquals(130, signal(p, "INT"));
            assertFalse(alive(marker), "the hook's child was stopped with it");
            assertEquals(v1, l.currentReleaseId(s), "nothing was switched");
            assertEquals(v1, CurrentManifest.read(l, s).release_id);
            HistoryRecord last = history(l).get(history(l).size() - 1);
            assertEquals("interrupted", last.outcome);
            assertTrue(last.release_id.startsWith("v2__"), last.release_id);
            assertFalse(Files.exists(l.releaseDir(s, last.release_id)), "the attempt's release dir is gone");
            assertFalse(Files.exists(l.lockOwner(s)), "no lock owner record outlives the process");
            assertEquals(List.of("deploy:success", "deploy:interrupted"), history(l).stream().map(r -> r.action + ":" + r.outcome).toList());
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void sigtermDuringTheHealthWaitFinishesTheRecoveryFirst() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String v1 = l.currentReleaseId(s);
            Process p = w.start(Map.of(), "deploy", s, "staging", "broken", "--health-timeout", "30");
            awaitOutput(w, "waiting for " + s + " to be healthy");
            assertEquals(143, signal(p, "TERM"));
            String err = Files.readString(w.dir.resolve("started.err"));
            assertTrue(err.contains("received SIGTERM; finishing the activation"), err);
            assertEquals(v1, l.currentReleaseId(s), "the previous release is back");
            assertEquals(v1, CurrentManifest.read(l, s).release_id);
            assertFalse(CurrentManifest.read(l, s).activating());
            assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:success"),
                    history(l).stream().map(r -> r.action + ":" + r.outcome).toList());
            assertFalse(Files.exists(l.lockOwner(s)));
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void aHookThatOutlivesItsTimeoutIsStoppedWithEverythingItStarted() throws Exception {
        try (World w = new World()) {
            String s = w.stack(w.name("web", "-staging"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + World.APP
                    + "\"}], \"hooks\": {\"timeout_seconds\": 2}}");
            Layout l = new Layout(w.root);
            Path marker = w.dir.resolve("sleeper.pid");
            hook(w, s, "sleep 300 &\necho $! > " + marker + "\nsleep 60\n");
            World.Run r = w.run("deploy", s, "staging", "v1");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.stderr().contains("timed out after 2s"), r.stderr());
            assertFalse(alive(marker), "nothing the hook started outlives the command");
            assertNull(l.currentReleaseId(s));
            assertEquals(List.of("deploy:failed"), history(l).stream().map(x -> x.action + ":" + x.outcome).toList());
        }
    }

    @Test
    void sigintDuringARollbacksHookRecordsTheRollbackAsInterrupted() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            String v2 = l.currentReleaseId(s);
            // the hook of v1's release dir is what a rollback to v1 runs
            String v1 = history(l).get(0).release_id;
            Path hook = l.releaseDir(s, v1).resolve("hooks/pre-deploy");
            World.write(hook, "#!/bin/sh\necho started\nsleep 120\n");
            assertTrue(hook.toFile().setExecutable(true));
            Process p = w.start(Map.of(), "rollback", s, "staging");
            awaitOutput(w, "pre-deploy: started");
            assertEquals(130, signal(p, "INT"));
            assertEquals(v2, l.currentReleaseId(s));
            assertEquals(List.of("deploy:success", "deploy:success", "rollback:interrupted"),
                    history(l).stream().map(r -> r.action + ":" + r.outcome).toList());
            assertTrue(Files.isDirectory(l.releaseDir(s, v1)), "a rollback keeps the release it did not switch to");
            assertFalse(Files.exists(l.lockOwner(s)));
        }
    }
}
