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

/**
 * The lifecycle's branches for a stack with a start-first rollout (stack.json "rollout"), with a fake
 * engine: a healthy release is promoted (its new containers serve, the old ones drain) after its health
 * wait, an unhealthy one never is, and what served comes back through the same `up`.
 */
class StartFirstFlowTest {
    @TempDir Path tmp;

    private static int deploy(FlowFakes f, String stack, String tag, char digest) {
        return new DeployFlow(f.cx, new DeployFlow.Request(stack, "staging", tag, f.digests(tag, digest), null, null, false, f.source,
                Waits.DEFAULT)).run();
    }

    private static int rollback(FlowFakes f, String stack, Integer steps, String to) {
        return new RollbackFlow(f.cx, new RollbackFlow.Request(stack, "staging", steps, to, false, false, null, false, Waits.DEFAULT)).run();
    }

    @Test
    void aHealthyReleaseIsPromotedAfterItsHealthWait() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.rolloutStack("shop-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String id = f.link(s);
        assertEquals(List.of("pull " + id, "up " + id, "promote " + id), f.engine.calls);
        assertEquals(List.of("deploy:success"), f.historyWords());
    }

    @Test
    void anUnhealthyReleaseIsNeverPromotedAndTheRunningOneComesBackThroughUp() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.rolloutStack("shop-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        f.engine.calls.clear();
        f.engine.unhealthyTags.add("v2");
        assertEquals(Exit.ROLLED_BACK, deploy(f, s, "v2", 'b'));
        String v2 = f.history().get(1).release_id;
        assertEquals(List.of("pull " + v2, "up " + v2, "up " + v1, "promote " + v1), f.engine.calls,
                "the failed release is not promoted; the `up` of the one that served removes it and keeps its own containers");
        assertEquals(v1, f.link(s));
        assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:success"), f.historyWords());
        assertTrue(f.history().get(1).message.contains(v1 + " kept serving (start-first rollout of web)"), f.history().get(1).message);
    }

    @Test
    void aFailureToPutTheNewContainersInServiceIsAnUnhealthyRelease() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.rolloutStack("shop-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        f.engine.failing.put("promote", Fail.failed("putting shop-staging_web_2 on shop-staging_default failed (exit 1): no such network"));
        // the fake's promote fails every time: the release that served cannot be promoted either
        assertEquals(Exit.UNHEALTHY, deploy(f, s, "v2", 'b'));
        assertEquals(v1, f.link(s));
        assertEquals(List.of("deploy:success", "deploy:rolled_back", "auto-rollback:failed"), f.historyWords());
        assertTrue(f.history().get(1).message.contains("putting the new containers in service"), f.history().get(1).message);
    }

    @Test
    void aRollbackWhoseTargetIsUnhealthyTriesTheNextOneBesideTheRunningOne() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.rolloutStack("shop-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        String v1 = f.link(s);
        assertEquals(Exit.OK, deploy(f, s, "v2", 'b'));
        String v2 = f.link(s);
        assertEquals(Exit.OK, deploy(f, s, "v3", 'c'));
        f.engine.calls.clear();
        f.engine.unhealthyTags.add("v2");
        assertEquals(Exit.OK, rollback(f, s, 1, null));
        assertEquals(v1, f.link(s));
        assertEquals(List.of("ensure ", "up " + v2, "ensure ", "up " + v1, "promote " + v1), f.engine.calls);
        assertEquals(List.of("rollback:failed", "rollback:success"),
                f.historyWords().stream().filter(w -> w.startsWith("rollback:")).toList());
    }

    @Test
    void whenEveryTargetIsUnhealthyTheReleaseThatServedIsKept() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.rolloutStack("shop-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        assertEquals(Exit.OK, deploy(f, s, "v2", 'b'));
        String v2 = f.link(s);
        f.engine.calls.clear();
        f.engine.unhealthyTags.add("v1");
        Fail e = assertThrows(Fail.class, () -> rollback(f, s, 1, null));
        assertEquals(Exit.ROLLED_BACK, e.code, e.getMessage());
        assertEquals(v2, f.link(s));
        assertEquals("promote " + v2, f.engine.calls.get(f.engine.calls.size() - 1), f.engine.calls.toString());
    }

    @Test
    void aStackWithoutTheSettingIsNeverPromoted() {
        FlowFakes f = new FlowFakes(tmp);
        String s = f.stack("web-staging", "staging");
        assertEquals(Exit.OK, deploy(f, s, "v1", 'a'));
        assertTrue(f.engine.calls.stream().noneMatch(c -> c.startsWith("promote")), f.engine.calls.toString());
    }
}
