package it;

import static it.ZeroDowntimeIT.*;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import support.NetnsEngine;

/**
 * {@link ZeroDowntimeIT}'s cases on swarm, with its helpers and on an engine of its own in the
 * same network namespace, made a one-node swarm: a stack with stack.json "rollout" for web
 * (start-first updates) fails no request and the release that never gets healthy never answers
 * one; without the setting (stop-first) a deploy fails requests (all five cases for the benchmark).
 *
 * <p>Isolated: under the suite's full load (load average about 18) the rollback to an unhealthy
 * release once lost 12 of 1,070 requests to the load generator's 3 s time limit, requests that
 * went to a task swarm removed while they were in flight; on a quiet machine none is lost.
 */
@Isolated
class ZeroDowntimeSwarmIT {
    @BeforeAll
    static void upSwarm() {
        up();
    }

    @AfterAll
    static void downSwarm() {
        down();
    }

    @Test
    void onSwarmStartFirstUpdatesFailNoRequestAndStopFirstOnesDo() {
        step(1);
        NetnsEngine.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
        String stack = stack("zsw", 8083, true, true);
        run(stack, 8083, SWARM_ROLLOUT);
        assertNoFailures(SWARM_ROLLOUT);
        String plain = stack("psw", 8084, false, true);
        run(plain, 8084, SWARM);
        assertFailures(SWARM);
    }
}
