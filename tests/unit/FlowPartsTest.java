package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import lib.core.AtomicFiles;
import lib.core.Exit;
import lib.core.Fail;
import lib.engine.Health;
import lib.flow.DeployFlow;
import lib.flow.Gate;
import lib.flow.Hooks;
import lib.flow.Repair;
import lib.flow.VerifyFlow;
import lib.flow.Waits;
import lib.model.ImageRef;
import lib.model.StackSettings;
import lib.model.VerificationRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the release lifecycle on their own: the gate, repair, hooks, the health wait, verify mark. */
class FlowPartsTest {
    @TempDir Path tmp;

    private static String deploy(FlowFakes f, String stack, String env, String tag, char digest) {
        assertEquals(Exit.OK, new DeployFlow(f.cx, new DeployFlow.Request(stack, env, tag, f.digests(tag, digest), null,
                env.equals("production") ? "first install" : null, false, f.source, Waits.DEFAULT)).run());
        return f.link(stack);
    }

    private static Map<String, ImageRef> images(char c) {
        return Map.of("IMAGE_REF", new ImageRef(FlowFakes.REPO, "v1", "sha256:" + String.valueOf(c).repeat(64)));
    }

    @Test
    void theGateNeedsARecordWithTheSameDigestsUnlessBreakGlass() {
        FlowFakes f = new FlowFakes(tmp);
        assertEquals("not-required", Gate.check(f.layout, "staging", "v1", images('a'), false));
        Fail none = assertThrows(Fail.class, () -> Gate.check(f.layout, "production", "v1", images('a'), false));
        assertEquals(Exit.GATE, none.code);
        assertTrue(none.getMessage().contains("no verification record"), none.getMessage());
        assertEquals("break-glass", Gate.check(f.layout, "production", "v1", images('a'), true));
        VerificationRecord r = new VerificationRecord();
        r.tag = "v1";
        r.images = new java.util.LinkedHashMap<>(images('a'));
        r.image_digest = r.images.get("IMAGE_REF").digest;
        r.write(f.layout);
        assertEquals("verified", Gate.check(f.layout, "production", "v1", images('a'), false));
        Fail moved = assertThrows(Fail.class, () -> Gate.check(f.layout, "production", "v1", images('b'), false));
        assertTrue(moved.getMessage().contains("the tag moved"), moved.getMessage());
    }

    @Test
    void repairUndoesAnActivationWhoseProcessDiedAndCompletesOneThatRanHealthy() throws Exception {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        String v1 = deploy(f, s, "staging", "v1", 'a');
        String v2 = deploy(f, s, "staging", "v2", 'b');
        // the process died during v2's health wait: its manifest is still activating, no success marker
        var m = f.manifest(s);
        m.state = lib.model.CurrentManifest.ACTIVATING;
        m.write(f.layout);
        Files.delete(f.layout.releaseDir(s, v2).resolve(lib.model.Release.SUCCEEDED));
        String what = Repair.run(f.cx, s);
        assertTrue(what.contains("interrupted during its activation") && what.contains("back on " + v1), what);
        assertEquals(v1, f.link(s));
        assertEquals(v1, f.manifest(s).release_id, "link and manifest moved together");
        assertFalse(f.manifest(s).activating());
        var words = f.historyWords();
        assertEquals(List.of("deploy:interrupted", "repair:success"), words.subList(words.size() - 2, words.size()));
        assertNull(Repair.run(f.cx, s), "consistent now");

        // the process died after v3 ran healthy but before its manifest was completed
        String v3 = deploy(f, s, "staging", "v3", 'c');
        m = f.manifest(s);
        m.state = lib.model.CurrentManifest.ACTIVATING;
        m.write(f.layout);
        assertTrue(Repair.run(f.cx, s).contains("completed"));
        assertEquals(v3, f.link(s));
        assertFalse(f.manifest(s).activating());
    }

    @Test
    void repairFollowsAManifestFileOfAnEarlierVersionAndRemovesALinkThatNeverRan() throws Exception {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        String v1 = deploy(f, s, "staging", "v1", 'a');
        String v2 = deploy(f, s, "staging", "v2", 'b');
        // an earlier version's regular manifest file naming v2 while the link was left on v1
        String text = Files.readString(f.layout.manifest(s));
        Files.delete(f.layout.manifest(s));
        Files.writeString(f.layout.manifest(s), text);
        AtomicFiles.switchLink(f.layout.stackLink(s), f.layout.releaseDir(s, v1));
        String what = Repair.run(f.cx, s);
        assertTrue(what.contains("restored to the manifest's release " + v2), what);
        assertEquals(v2, f.link(s));

        String t = f.stack("api-staging", "staging");
        String first = deploy(f, t, "staging", "v1", 'c');
        // an interrupted first deploy: a link to a release that never ran, no manifest
        Files.delete(f.layout.manifest(t));
        Files.delete(f.layout.releaseDir(t, first).resolve(lib.model.Release.SUCCEEDED));
        Files.delete(f.layout.historyLog());
        assertTrue(Repair.run(f.cx, t).contains("never ran successfully"));
        assertNull(f.link(t));
        assertEquals(List.of("repair:success"), f.historyWords());
    }

    @Test
    void hooksRunAsProcessesWithTheVariablesAndFailInOneLine() throws Exception {
        FlowFakes f = new FlowFakes(tmp);
        Path dir = Files.createDirectories(tmp.resolve("release"));
        Path hook = Files.createDirectories(dir.resolve("hooks")).resolve("pre-deploy");
        Files.writeString(hook, "#!/bin/sh\necho \"$SEISEI_STACK $SEISEI_ACTION\" > ran.txt\n");
        assertFalse(Hooks.PROCESSES.run("pre-deploy", "hooks/post-deploy", dir, Map.of(), 5, f.cx.console()), "absent: not run");
        Fail notExec = assertThrows(Fail.class, () -> Hooks.PROCESSES.run("pre-deploy", "hooks/pre-deploy", dir, Map.of(), 5, f.cx.console()));
        assertTrue(notExec.getMessage().contains("chmod +x"), notExec.getMessage());
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(Hooks.PROCESSES.run("pre-deploy", "hooks/pre-deploy", dir, Map.of("SEISEI_STACK", "web", "SEISEI_ACTION", "deploy"), 5,
                f.cx.console()));
        assertEquals("web deploy", Files.readString(dir.resolve("ran.txt")).strip());
        Files.writeString(hook, "#!/bin/sh\necho 'disk full' >&2\nexit 3\n");
        Fail failed = assertThrows(Fail.class, () -> Hooks.PROCESSES.run("pre-deploy", "hooks/pre-deploy", dir, Map.of(), 5, f.cx.console()));
        assertEquals("pre-deploy hook failed (exit 3): disk full", failed.oneLine());
        assertFalse(Hooks.PROCESSES.run("pre-deploy", "../outside", dir, Map.of(), 5, f.cx.console()), "a path outside the release dir is not run");
    }

    @Test
    void theHealthWaitEndsAtOnceOnAFailureThatWillNotHealAndAtTheDeadlineOtherwise() {
        FlowFakes f = new FlowFakes(tmp);
        StackSettings settings = StackSettings.load(tmp);
        Health h = new Health(f.engine, f.cx.console());
        f.engine.running = tmp.resolve("v1__20260101T000000Z");
        assertTrue(h.await("web", null, settings, 5).healthy());
        f.engine.unhealthyTags.add("v1");
        long t0 = System.nanoTime();
        Health.Report bad = h.await("web", null, settings, 30);
        assertFalse(bad.healthy());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "an unhealthy container settles the wait");
        var starting = new FlowFakes.FakeEngine() {
            @Override
            public Observation observe(String stack, Path releaseDir, StackSettings s, Map<String, ImageRef> pinned) {
                return new Observation(List.of(), List.of("web is starting"), false);
            }
        };
        Health.Report late = new Health(starting, f.cx.console()).await("web", null, settings, 1);
        assertFalse(late.healthy());
        assertTrue(late.summary().contains("not healthy after 1s"), late.summary());
    }

    @Test
    void markRecordsWhatTheStagingStackRunsAndRefusesAnotherTag() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        String v1 = deploy(f, s, "staging", "v1", 'a');
        VerifyFlow v = new VerifyFlow(f.cx);
        Fail other = assertThrows(Fail.class, () -> v.mark("v2", s, null, Waits.DEFAULT));
        assertEquals(Exit.USAGE, other.code);
        assertNull(VerificationRecord.read(f.layout, "v2"));
        assertEquals(Exit.OK, v.mark("v1", s, "QA ok", Waits.DEFAULT));
        VerificationRecord r = VerificationRecord.read(f.layout, "v1");
        assertEquals("sha256:" + "a".repeat(64), r.image_digest);
        assertEquals(v1, r.from_release_id);
        assertEquals("tester", r.verified_by);
        assertEquals(List.of("deploy:success", "verify:success"), f.historyWords());
        f.engine.unhealthyTags.add("v1");
        Fail sick = assertThrows(Fail.class, () -> v.mark("v1", s, null, new Waits(1, 30, 0)));
        assertEquals(Exit.UNHEALTHY, sick.code);
    }
}
