package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lib.core.Exit;
import lib.core.Fail;
import lib.flow.DeployFlow;
import lib.flow.Waits;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy's branches with a fake engine and fake hooks: what the real engine reaches only slowly or never. */
class DeployFlowTest {
    @TempDir Path tmp;

    private static int deploy(FlowFakes f, String stack, String tag, char digest) {
        return new DeployFlow(f.cx, new DeployFlow.Request(stack, "staging", tag, f.digests(tag, digest), null, null, false, f.source,
                Waits.DEFAULT)).run();
    }

    @Test
    void aHealthyDeployRunsTheStepsInOrderAndRecordsOnce() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String id = f.link(s);
        assertTrue(id.startsWith("v1__"), id);
        assertEquals(List.of("pull " + id, "up " + id), f.engine.calls);
        assertEquals(List.of("pre-deploy deploy " + id, "post-deploy deploy " + id), f.hooks.calls);
        assertEquals(id, f.manifest(s).release_id);
        assertEquals("tester", f.manifest(s).actor);
        assertEquals(List.of("deploy:success"), f.historyWords());
        assertNotNull(Release.succeeded(f.layout.releaseDir(s, id)));
    }

    @Test
    void anUnhealthyReleaseGoesBackToThePreviousOneAndRecordsBoth() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        f.engine.unhealthyTags.add("v2");
        assertEquals(Exit.ROLLED_BACK, deploy(f, s, "v2", 'b'));
        assertEquals(v1, f.link(s));
        assertEquals(v1, f.manifest(s).release_id, "the manifest never named the unhealthy release");
        assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:success"), f.historyWords());
        var failed = f.history().get(1);
        assertTrue(failed.release_id.startsWith("v2__"), failed.release_id);
        assertTrue(Files.exists(Path.of(failed.diagnostics_file)), "diagnostics stored in the failed release dir");
        assertEquals(v1, f.history().get(2).release_id);
        assertEquals(failed.release_id, f.history().get(2).from_release_id);
        assertNull(Release.succeeded(f.layout.releaseDir(s, failed.release_id)));
    }

    @Test
    void whenThePreviousReleaseIsUnhealthyTooTheDeployEndsUnhealthy() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        f.engine.unhealthyTags.add("v1");
        f.engine.unhealthyTags.add("v2");
        assertEquals(Exit.UNHEALTHY, deploy(f, s, "v2", 'b'));
        assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:failed"), f.historyWords());
        assertTrue(f.link(s).startsWith("v1__"), "the link is back on the previous release");
    }

    @Test
    void anUnhealthyFirstDeployStopsTheStackAndRemovesTheLink() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        f.engine.unhealthyTags.add("v1");
        assertEquals(Exit.UNHEALTHY, deploy(f, s, "v1", 'a'));
        assertNull(f.link(s));
        assertNull(f.manifest(s));
        assertTrue(f.engine.calls.get(f.engine.calls.size() - 1).startsWith("down "), f.engine.calls.toString());
        assertEquals(List.of("deploy:failed"), f.historyWords());
        assertTrue(f.history().get(0).message.contains("no previous release"), f.history().get(0).message);
    }

    @Test
    void aFailingPreDeployHookStopsBeforeTheSwitchAndIsRecorded() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        f.hooks.failing.add("pre-deploy");
        f.engine.calls.clear();
        Fail e = assertThrows(Fail.class, () -> deploy(f, s, "v2", 'b'));
        assertEquals(Exit.FAILED, e.code);
        assertTrue(e.getMessage().contains("pre-deploy hook") && e.getMessage().contains("nothing was switched"), e.getMessage());
        assertEquals(v1, f.link(s));
        assertEquals(List.of(), f.engine.calls, "no pull, no up");
        assertEquals(List.of("deploy:success", "deploy:failed"), f.historyWords());
    }

    @Test
    void aFailingPullStopsBeforeTheSwitchAndIsRecorded() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        f.engine.failing.put("pull", Fail.failed("pulling the images of web-staging failed (exit 1): manifest unknown"));
        Fail e = assertThrows(Fail.class, () -> deploy(f, s, "v1", 'a'));
        assertEquals(Exit.FAILED, e.code);
        assertNull(f.link(s));
        assertEquals(List.of("deploy:failed"), f.historyWords());
        assertTrue(f.history().get(0).message.contains("manifest unknown"));
    }

    @Test
    void aFailingUpIsAnUnhealthyReleaseAndThePreviousComesBack() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        f.engine.failing.put("up", Fail.failed("starting web-staging failed (exit 1): port is already allocated"));
        // the fake's up fails every time: the previous release cannot come back either
        assertEquals(Exit.UNHEALTHY, deploy(f, s, "v2", 'b'));
        assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:failed"), f.historyWords());
        assertTrue(f.history().get(1).message.contains("port is already allocated"));
    }

    @Test
    void aFailingPostDeployHookIsAWarningAndTheReleaseStaysLive() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        f.hooks.failing.add("post-deploy");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        assertTrue(f.err().contains("post-deploy hook failed"), f.err());
        assertEquals(List.of("deploy:success"), f.historyWords());
        assertEquals(f.link(s), f.manifest(s).release_id);
    }

    @Test
    void aHistoryThatCannotBeWrittenAfterTheManifestIsRepairedByTheNextDeploy() throws Exception {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        // the history file is a directory: the success record cannot be appended after the manifest is written
        Files.createDirectories(f.layout.historyLog());
        assertThrows(Fail.class, () -> deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        assertEquals(v1, f.manifest(s).release_id, "link and manifest agree on the healthy release");
        Files.delete(f.layout.historyLog());
        assertEquals(Exit.OK, deploy(f, s, "v2", 'b'));
        assertEquals(List.of("deploy:success", "repair:success", "deploy:success"), f.historyWords());
        assertEquals(v1, f.history().get(0).release_id, "the missing success record was restored from the manifest");
    }

    @Test
    void aProductionStackCannotBeDeployedAsStagingAndNothingIsWritten() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-prod", "production");
        Fail e = assertThrows(Fail.class, () -> deploy(f, s, "v1", 'a'));
        assertEquals(Exit.USAGE, e.code);
        assertFalse(Files.exists(f.layout.root), "nothing was written");
    }
}
