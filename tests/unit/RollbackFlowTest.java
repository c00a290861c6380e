package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import lib.core.Exit;
import lib.core.Fail;
import lib.flow.DeployFlow;
import lib.flow.RollbackFlow;
import lib.flow.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rollback's cascade with a fake engine and fake hooks. */
class RollbackFlowTest {
    @TempDir Path tmp;

    /** Deploys v1..vN (all healthy) and returns their release ids, oldest first. */
    private static List<String> deployed(FlowFakes f, String stack, int n) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String tag = "v" + i;
            assertEquals(Exit.OK, new DeployFlow(f.cx, new DeployFlow.Request(stack, "staging", tag, f.digests(tag, (char) ('a' + i)), null,
                    null, false, f.source, Waits.DEFAULT)).run());
            ids.add(f.link(stack));
        }
        f.engine.calls.clear();
        f.hooks.calls.clear();
        return ids;
    }

    private static int rollback(FlowFakes f, String stack, Integer steps, String to) {
        return new RollbackFlow(f.cx, new RollbackFlow.Request(stack, "staging", steps, to, false, false, null, false, Waits.DEFAULT)).run();
    }

    private static List<String> rollbackWords(FlowFakes f) {
        return f.historyWords().stream().filter(w -> !w.startsWith("deploy:")).toList();
    }

    @Test
    void oneStepBackUsesTheLocalImagesAndRecordsTheRollback() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 2);
        assertEquals(Exit.OK, rollback(f, s, null, null));
        assertEquals(ids.get(0), f.link(s));
        assertEquals(ids.get(0), f.manifest(s).release_id);
        assertEquals(List.of("ensure ", "up " + ids.get(0)), f.engine.calls, "no pull");
        assertEquals(List.of("pre-deploy rollback " + ids.get(0), "post-deploy rollback " + ids.get(0)), f.hooks.calls);
        assertEquals(List.of("rollback:success"), rollbackWords(f));
        assertEquals(ids.get(1), f.history().get(2).from_release_id);
        assertEquals("rollback --steps 1", f.history().get(2).reason);
    }

    @Test
    void anUnhealthyTargetIsFollowedByTheNextEarlierOne() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 3);
        f.engine.unhealthyTags.add("v2");
        assertEquals(Exit.OK, rollback(f, s, 1, null));
        assertEquals(ids.get(0), f.link(s));
        assertEquals(List.of("rollback:failed", "rollback:success"), rollbackWords(f));
    }

    @Test
    void whenEveryTargetIsUnhealthyTheReleaseThatRanComesBack() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 5);
        for (String t : List.of("v1", "v2", "v3", "v4")) f.engine.unhealthyTags.add(t);
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, 1, null));
        assertEquals(Exit.ROLLED_BACK, e.code, e.getMessage());
        assertTrue(e.getMessage().contains("after 3 attempt(s)"), e.getMessage());
        assertEquals(ids.get(4), f.link(s));
        assertEquals(ids.get(4), f.manifest(s).release_id);
        assertEquals(List.of("rollback:failed", "rollback:failed", "rollback:failed"), rollbackWords(f), "at most 3 attempts");
    }

    @Test
    void whenTheReleaseThatRanIsUnhealthyTooTheRollbackEndsUnhealthy() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        deployed(f, s, 2);
        f.engine.unhealthyTags.add("v1");
        f.engine.unhealthyTags.add("v2");
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, 1, null));
        assertEquals(Exit.UNHEALTHY, e.code, e.getMessage());
    }

    @Test
    void aFailingPreDeployHookStopsTheCascadeBeforeAnySwitch() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 3);
        f.hooks.failing.add("pre-deploy");
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, 1, null));
        assertEquals(Exit.FAILED, e.code);
        assertTrue(e.getMessage().contains("stopped before the switch"), e.getMessage());
        assertEquals(ids.get(2), f.link(s));
        assertEquals(List.of(), f.engine.calls);
        assertEquals(List.of("rollback:failed"), rollbackWords(f));
    }

    @Test
    void toATagGoesToItsNewestSuccessfulRelease() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 3);
        assertEquals(Exit.OK, rollback(f, s, null, "v1"));
        assertEquals(ids.get(0), f.link(s));
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, null, "v9"));
        assertEquals(Exit.USAGE, e.code);
    }

    @Test
    void stepsBeyondTheHistoryIsBadInputAndChangesNothing() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        List<String> ids = deployed(f, s, 2);
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, 5, null));
        assertEquals(Exit.USAGE, e.code);
        assertEquals(ids.get(1), f.link(s));
        assertEquals(List.of(), rollbackWords(f));
    }
}
