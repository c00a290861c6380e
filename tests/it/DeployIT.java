package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.StackLock;
import lib.model.VerificationRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class DeployIT {

    @Test
    void stagingDeployByTagRunsThePinnedDigestThroughTheLink() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            // through JBang, as `jbang deploy.java` runs it (the other tests may use the fast path)
            World.Run r = w.jbang("deploy", s, "staging", "v1", "--run-id", "42", "--root", w.root.toString(), "--source", w.source.toString());
            assertEquals(0, r.exit(), r.toString());
            assertEquals("v1", w.version(s));
            Layout l = new Layout(w.root);
            String id = l.currentReleaseId(s);
            assertTrue(id.startsWith("v1__"), id);
            String digest = World.registryDigest("v1");
            CurrentManifest m = CurrentManifest.read(l, s);
            assertEquals(digest, m.image_digest);
            assertEquals(World.APP + "@" + digest, m.image_ref);
            assertEquals(id, m.release_id);
            assertEquals("tester", m.actor);
            assertEquals("42", m.run_id);
            assertEquals("staging", m.env);
            assertFalse(m.break_glass);
            String env = World.read(l.releaseDir(s, id).resolve(".env"));
            assertTrue(env.contains("IMAGE_REF=" + World.APP + "@" + digest), env);
            assertTrue(env.contains("APP_PORT=" + w.port(s)), "source .env values are kept: " + env);
            // compose was started from the release dir reached through the link, and the container is healthy
            var inspect = World.sh("docker", "inspect", "--format",
                    "{{index .Config.Labels \"com.docker.compose.project.working_dir\"}} {{.Config.Image}} {{.State.Health.Status}}",
                    World.containers(s).get(0)).stdout().strip();
            assertEquals(l.stackLink(s).toRealPath() + " " + World.APP + "@" + digest + " healthy", inspect);
            List<HistoryRecord> h = new HistoryLog(l.historyLog()).find(x -> true, 10);
            assertEquals(1, h.size());
            assertEquals("success", h.get(0).outcome);
            assertEquals(id, h.get(0).release_id);
        }
    }

    @Test
    void theHealthWaitsEventFilterSeesTheStacksStartAndHealthButNotHealthcheckExecs() {
        try (World w = new World()) {
            String s = w.stagingStack();
            String since = lib.engine.Health.since(System.currentTimeMillis() - 1000);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String id = World.sh("docker", "inspect", "--format", "{{.Id}}", World.containers(s).get(0)).stdout().strip();
            List<String> cmd = new lib.engine.ComposeEngine(lib.engine.Compose.detect(), null).events(s, since, lib.engine.Health.since(System.currentTimeMillis()));
            World.Run events = World.sh(cmd.toArray(String[]::new));
            assertEquals(0, events.exit(), events.toString());
            List<String> lines = events.stdout().lines().toList();
            assertTrue(lines.contains("start " + id), events.stdout());
            assertTrue(lines.contains("health_status: healthy " + id), events.stdout());
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("exec_")), "the healthcheck's execs are left out: " + events.stdout());
            String other = World.sh("docker", "events", "--since", since, "--until", lib.engine.Health.since(System.currentTimeMillis()),
                    "--filter", "type=container", "--format", "{{.Action}}").stdout();
            assertTrue(other.contains("exec_start"), "the engine did run healthcheck execs: " + other);
        }
    }

    @Test
    void redeployLeavesOneSetOfContainersAndTwoReleaseDirs() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            World.Run r = w.run("deploy", s, "staging", "v2", "--json");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("v2", w.version(s));
            assertEquals(1, World.containers(s).size());
            Layout l = new Layout(w.root);
            try (var dirs = Files.list(l.stackReleasesDir(s))) {
                assertEquals(2, dirs.count());
            }
            var json = lib.core.Json.tree(r.stdout());
            assertEquals("success", json.path("outcome").asText());
            assertEquals(l.currentReleaseId(s), json.path("release_id").asText());
            assertTrue(json.path("previous_release_id").asText().startsWith("v1__"));
            assertEquals(json.path("previous_release_id").asText(), CurrentManifest.read(l, s).previous_release_id);
        }
    }

    @Test
    void unhealthyReleaseIsRolledBackAndThePreviousServesAgain() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String good = l.currentReleaseId(s);
            World.Run r = w.run("deploy", s, "staging", "broken", "--health-timeout", "30", "--log-lines", "7");
            assertEquals(5, r.exit(), r.toString());
            assertTrue(r.stderr().contains("probe failed"), "the failing probe's output is shown: " + r.stderr());
            assertTrue(r.stderr().contains("last 7 log lines:") && r.stderr().contains("starting broken build"), r.stderr());
            assertEquals("v1", w.version(s));
            assertEquals(good, l.currentReleaseId(s));
            assertEquals(good, CurrentManifest.read(l, s).release_id);
            List<HistoryRecord> h = new HistoryLog(l.historyLog()).find(x -> true, 10);
            assertEquals("auto-rollback", h.get(0).action);
            assertEquals("success", h.get(0).outcome);
            assertEquals(good, h.get(0).release_id);
            assertEquals("deploy", h.get(1).action);
            assertEquals("rolled_back", h.get(1).outcome);
            assertEquals("broken", h.get(1).image_tag);
            String diag = World.read(java.nio.file.Path.of(h.get(1).diagnostics_file));
            assertTrue(diag.contains("probe failed") && diag.contains("starting broken build"), diag);
            assertEquals(l.releaseDir(s, h.get(1).release_id).resolve("diagnostics.txt").toString(), h.get(1).diagnostics_file);
            assertEquals(1, World.containers(s).size());
            World.Run logs = w.script("status", s, "--logs", "5", "--root", w.root.toString());
            assertEquals(0, logs.exit(), logs.toString());
            assertTrue(logs.stdout().contains("logs of ") && logs.stdout().contains("(last 5 lines):"), logs.stdout());
            World.Run noStack = w.script("status", "--logs", "--root", w.root.toString());
            assertEquals(2, noStack.exit(), noStack.toString());
        }
    }

    @Test
    void firstDeployThatIsUnhealthyLeavesNoLinkAndNoContainers() {
        try (World w = new World()) {
            String s = w.stagingStack();
            World.Run r = w.run("deploy", s, "staging", "broken", "--health-timeout", "30");
            assertEquals(6, r.exit(), r.toString());
            Layout l = new Layout(w.root);
            assertNull(l.currentReleaseId(s));
            assertNull(CurrentManifest.read(l, s));
            assertTrue(World.containers(s).isEmpty());
        }
    }

    @Test
    void productionGateRefusesAnUnverifiedTagAndChangesNothing() {
        try (World w = new World()) {
            String p = w.productionStack();
            var before = w.snapshot();
            World.Run r = w.run("deploy", p, "production", "v1");
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.stderr().contains("no verification record"), r.stderr());
            assertEquals(1, r.stderr().strip().lines().filter(x -> x.startsWith("error:")).count());
            assertEquals(before, w.snapshot());
            assertTrue(World.containers(p).isEmpty());
        }
    }

    @Test
    void productionDeployPassesWithAMatchingRecordAndIsRefusedWhenTheDigestDiffers() {
        try (World w = new World()) {
            String p = w.productionStack();
            Layout l = new Layout(w.root);
            l.ensureDirs();
            VerificationRecord v = new VerificationRecord();
            v.tag = "v2";
            ImageRef wrong = new ImageRef(World.APP, "v2", World.registryDigest("v1"));
            v.images = Map.of("IMAGE_REF", wrong);
            v.image_digest = wrong.digest;
            v.write(l);
            var before = w.snapshot();
            World.Run refused = w.run("deploy", p, "production", "v2");
            assertEquals(3, refused.exit(), refused.toString());
            assertTrue(refused.stderr().contains("tag moved"), refused.stderr());
            assertEquals(before, w.snapshot());
            ImageRef right = new ImageRef(World.APP, "v2", World.registryDigest("v2"));
            v.images = Map.of("IMAGE_REF", right);
            v.image_digest = right.digest;
            v.write(l);
            World.Run ok = w.run("deploy", p, "production", "v2");
            assertEquals(0, ok.exit(), ok.toString());
            assertEquals("v2", w.version(p));
        }
    }

    @Test
    void breakGlassNeedsAReasonAndIsRecorded() {
        try (World w = new World()) {
            String p = w.productionStack();
            var before = w.snapshot();
            World.Run noReason = w.run("deploy", p, "production", "v1", "--break-glass");
            assertEquals(2, noReason.exit(), noReason.toString());
            World.Run blank = w.run("deploy", p, "production", "v1", "--break-glass", "--reason", "  ");
            assertEquals(2, blank.exit(), blank.toString());
            assertEquals(before, w.snapshot());
            World.Run r = w.run("deploy", p, "production", "v1", "--break-glass", "--reason", "hotfix INC-42");
            assertEquals(0, r.exit(), r.toString());
            CurrentManifest m = CurrentManifest.read(new Layout(w.root), p);
            assertTrue(m.break_glass);
            assertEquals("hotfix INC-42", m.break_glass_reason);
            HistoryRecord h = new HistoryLog(new Layout(w.root).historyLog()).find(x -> true, 1).get(0);
            assertTrue(h.break_glass);
            assertEquals("hotfix INC-42", h.break_glass_reason);
        }
    }

    @Test
    void environmentMustMatchTheStack() {
        try (World w = new World()) {
            String p = w.productionStack();
            String s = w.stagingStack();
            String unknown = w.stack(w.name("web", "-blue"), null);
            var before = w.snapshot();
            World.Run asStaging = w.run("deploy", p, "staging", "v1");
            assertEquals(2, asStaging.exit(), asStaging.toString());
            assertTrue(asStaging.stderr().contains("production stack"), asStaging.stderr());
            assertEquals(2, w.run("deploy", s, "production", "v1").exit());
            World.Run unk = w.run("deploy", unknown, "staging", "v1", "--image", World.APP);
            assertEquals(2, unk.exit(), unk.toString());
            assertTrue(unk.stderr().contains("declare"), unk.stderr());
            assertEquals(before, w.snapshot());
        }
    }

    @Test
    void digestFileIsUsedAndCheckedAgainstTheTag() throws Exception {
        try (World w = new World()) {
            String s = w.stack(w.name("web", "-staging"), null);
            String digest = World.registryDigest("v3");
            Path f = w.dir.resolve("image-digests.json");
            World.write(f, "{\"git_sha\":\"abc1234def\",\"git_sha7\":\"abc1234\",\"built_at_utc\":\"2026-01-31T10:00:00Z\","
                    + "\"images\":{\"app\":{\"tag\":\"sha-abc1234\",\"ref\":\"" + World.APP + "@" + digest + "\",\"digest\":\"" + digest + "\"}}}");
            var before = w.snapshot();
            World.Run wrongTag = w.run("deploy", s, "staging", "sha-other", "--digest-file", f.toString());
            assertEquals(2, wrongTag.exit(), wrongTag.toString());
            assertTrue(wrongTag.stderr().contains("is for tag sha-abc1234"), wrongTag.stderr());
            Path bad = w.dir.resolve("bad.json");
            World.write(bad, "{\"images\":{\"app\":{\"tag\":\"sha-abc1234\",\"ref\":\"x@sha256:1\",\"digest\":\"sha256:1\"}}}");
            assertEquals(2, w.run("deploy", s, "staging", "sha-abc1234", "--digest-file", bad.toString()).exit());
            World.write(bad, "{not json");
            World.Run malformed = w.run("deploy", s, "staging", "sha-abc1234", "--digest-file", bad.toString());
            assertEquals(2, malformed.exit(), malformed.toString());
            assertEquals(2, w.run("deploy", s, "staging", "sha-abc1234", "--digest-file", w.dir.resolve("missing.json").toString()).exit());
            assertEquals(before, w.snapshot());
            World.Run r = w.run("deploy", s, "staging", "sha-abc1234", "--digest-file", f.toString());
            assertEquals(0, r.exit(), r.toString());
            assertEquals("v3", w.version(s));
            assertEquals(digest, CurrentManifest.read(new Layout(w.root), s).image_digest);
        }
    }

    @Test
    void unknownTagAndUnreachableRegistryChangeNothing() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            var before = w.snapshot();
            World.Run missing = w.run("deploy", s, "staging", "no-such-tag");
            assertEquals(2, missing.exit(), missing.toString());
            assertTrue(missing.stderr().contains("not found"), missing.stderr());
            String other = w.stack(w.name("web", "-staging"), null);
            var before2 = w.snapshot();
            World.Run down = w.run("deploy", other, "staging", "v1", "--image", "127.0.0.1:1/seisei-test/app");
            assertEquals(1, down.exit(), down.toString());
            assertTrue(down.stderr().contains("unreachable"), down.stderr());
            assertEquals(before2, w.snapshot());
            assertEquals(before, before2);
            assertEquals("v1", w.version(s));
        }
    }

    @Test
    void heldLockIsReportedWithItsOwner() {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            l.ensureDirs();
            try (StackLock held = StackLock.acquire(l, s, "alice", "deploy by hand", 0, null)) {
                var before = w.snapshot();
                World.Run r = w.run("deploy", s, "staging", "v1", "--lock-wait", "0");
                assertEquals(4, r.exit(), r.toString());
                assertTrue(r.stderr().contains("alice"), r.stderr());
                assertEquals(before, w.snapshot());
            }
        }
    }

    @Test
    void dryRunPrintsThePlanAndTouchesNothing() {
        try (World w = new World()) {
            String s = w.stagingStack();
            var before = w.snapshot();
            World.Run r = w.run("deploy", s, "staging", "v2", "--dry-run", "--json");
            assertEquals(0, r.exit(), r.toString());
            var json = lib.core.Json.tree(r.stdout());
            assertTrue(json.path("dry_run").asBoolean());
            assertEquals(World.registryDigest("v2"), json.path("images").path("IMAGE_REF").path("digest").asText());
            assertEquals(before, w.snapshot());
            assertFalse(Files.exists(w.root));
        }
    }

    @Test
    void hooksRunWithTheDeployFactsAndAFailingPreDeployHookStopsBeforeTheSwitch() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Path hooks = w.source.resolve(s).resolve("hooks");
            World.write(hooks.resolve("pre-deploy"), "#!/bin/sh\necho \"$SEISEI_ACTION $SEISEI_IMAGE_TAG $SEISEI_RELEASE_ID\" > \"$SEISEI_BACKUPS_DIR/pre-$SEISEI_IMAGE_TAG\"\n"
                    + "[ \"$SEISEI_IMAGE_TAG\" != v2 ]\n");
            World.write(hooks.resolve("post-deploy"), "#!/bin/sh\necho \"$SEISEI_IMAGE_DIGEST\" > \"$SEISEI_BACKUPS_DIR/post-$SEISEI_IMAGE_TAG\"\n");
            hooks.resolve("pre-deploy").toFile().setExecutable(true);
            hooks.resolve("post-deploy").toFile().setExecutable(true);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            assertTrue(World.read(l.backupsDir().resolve("pre-v1")).startsWith("deploy v1 v1__"));
            assertEquals(World.registryDigest("v1"), World.read(l.backupsDir().resolve("post-v1")).strip());
            String live = l.currentReleaseId(s);
            World.Run r = w.run("deploy", s, "staging", "v2");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.stderr().contains("pre-deploy hook"), r.stderr());
            assertEquals(live, l.currentReleaseId(s));
            assertEquals("v1", w.version(s));
            assertEquals("failed", new HistoryLog(l.historyLog()).find(x -> true, 1).get(0).outcome);
        }
    }

    @Test
    void hostileNamesAreRejectedWithOneLine() {
        try (World w = new World()) {
            String s = w.stagingStack();
            var before = w.snapshot();
            for (String[] args : new String[][] {
                    {"../etc", "staging", "v1"}, {s, "staging", "../../x"}, {s, "stag ing", "v1"}, {s, "staging", "v1;rm -rf /"},
                    {s, "staging", "v1", "--actor", "a\nb"}, {"a/b", "staging", "v1"}, {s, "staging", "x".repeat(300)},
                    {s, "staging", "v1", "--reason", "x"}}) {
                World.Run r = w.run("deploy", args);
                assertEquals(2, r.exit(), String.join(" ", args) + "\n" + r);
                assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
                assertFalse(r.stderr().contains("Exception"), r.stderr());
            }
            assertEquals(before, w.snapshot());
        }
    }
}
