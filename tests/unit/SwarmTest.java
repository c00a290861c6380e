package unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lib.engine.Container;
import lib.model.DotEnv;
import lib.engine.Engine;
import lib.model.ImageRef;
import lib.engine.Swarm;
import lib.engine.SwarmFile;
import lib.engine.SwarmServices;
import org.junit.jupiter.api.Test;

class SwarmTest {
    static final Path DIR = Path.of("/srv/releases/stacks/web-prod/v1__20260131T120000Z");
    static final String REPO = "127.0.0.1:5000/app";
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

    @Test
    void builders() {
        assertEquals(List.of("docker", "stack", "deploy", "-c", DIR + "/docker-compose.yml", "--with-registry-auth", "--prune", "web-prod"),
                Swarm.stackDeploy("web-prod", DIR));
        assertEquals(List.of("docker", "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace=web-prod"), Swarm.stacksServices("web-prod"));
        assertEquals(List.of("docker", "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace"), Swarm.stacksServices(null));
        assertEquals(List.of("docker", "service", "ps", "-q", "--no-trunc", "s1", "s2"), Swarm.servicePs(List.of("s1", "s2")));
        assertEquals(List.of("docker", "service", "inspect", "s1"), Swarm.serviceInspect(List.of("s1")));
        assertEquals(List.of("docker", "inspect", "--type", "task", "t1", "t2"), Swarm.taskInspect(List.of("t1", "t2")));
        assertEquals(List.of("docker", "service", "logs", "--no-task-ids", "--tail", "50", "t1"), Swarm.logs("t1", 50));
        assertEquals(List.of("docker", "stack", "rm", "web-prod"), Swarm.stackRm("web-prod"));
        assertEquals(List.of("docker", "info", "--format", "{{json .Swarm}}"), Swarm.info());
    }

    @Test
    void unsupportedOptionsAreFoundWhateverTheIndentation() {
        String two = "version: '3.8'\nservices:\n  web:\n    image: ${IMAGE_REF}\n    network_mode: host\n  db:\n    build: .\n"
                + "    container_name: db1\n    environment:\n      build: not-an-option\nnetworks:\n  build: {}\n";
        assertEquals(List.of("service web uses network_mode:", "service db uses build:", "service db uses container_name:"),
                SwarmFile.unsupported(two));
        String four = "services:\n    web:\n        image: x\n        deploy:\n            replicas: 2\n";
        assertEquals(List.of(), SwarmFile.unsupported(four));
        assertEquals(List.of("service \"w\" uses build:".replace("\"", "")), SwarmFile.unsupported("services:\n  w:\n    # comment\n\n    build: ./x\n"));
    }

    @Test
    void dotEnv() {
        Map<String, String> v = DotEnv.parse("# c\nA=1\nexport B = two \nC=\"q u\"\nD='x'\nbad line\n=nokey\nE=\n");
        assertEquals(Map.of("A", "1", "B", "two", "C", "q u", "D", "x", "E", ""), v);
    }

    static String service(String id, String name, String image, Integer replicas, String update) {
        String mode = replicas == null ? "{\"Global\":{}}" : "{\"Replicated\":{\"Replicas\":" + replicas + "}}";
        return "{\"ID\":\"" + id + "\",\"Spec\":{\"Name\":\"" + name + "\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" + image
                + "\"}},\"Mode\":" + mode + "}" + (update == null ? "" : ",\"UpdateStatus\":{\"State\":\"" + update + "\",\"Message\":\"m\"}") + "}";
    }

    static String task(String id, String svc, int slot, String state, String desired, String image, String err, String ts) {
        return "{\"ID\":\"" + id + "\",\"ServiceID\":\"" + svc + "\",\"Slot\":" + slot + ",\"NodeID\":\"n1\",\"DesiredState\":\"" + desired
                + "\",\"Status\":{\"Timestamp\":\"" + ts + "\",\"State\":\"" + state + "\"" + (err == null ? "" : ",\"Err\":\"" + err + "\"")
                + "},\"Spec\":{\"ContainerSpec\":{\"Image\":\"" + image + "\"}}}";
    }

    static Engine.Observation observe(String services, String tasks) {
        return SwarmServices.observe("web-prod", SwarmServices.parseServices(services, "web-prod"), SwarmServices.parseTasks(tasks),
                Map.of("IMAGE_REF", ImageRef.parsePinned(REPO + "@" + D1, "v1")));
    }

    @Test
    void healthyWhenDesiredReplicasRunThePinnedDigest() {
        Engine.Observation o = observe("[" + service("s1", "web-prod_web", REPO + "@" + D1, 2, "completed") + "]",
                "[" + task("t1", "s1", 1, "running", "running", REPO + "@" + D1, null, "2026-01-01T00:00:01Z") + ","
                        + task("t2", "s1", 2, "running", "running", REPO + ":v1@" + D1, null, "2026-01-01T00:00:02Z") + ","
                        + task("t0", "s1", 1, "shutdown", "shutdown", REPO + "@" + D2, null, "2026-01-01T00:00:00Z") + "]");
        assertEquals(List.of(), o.problems());
        assertEquals(List.of("web-prod_web.1", "web-prod_web.2"), o.containers().stream().map(c -> c.name).sorted().toList());
        Container c = o.containers().get(0);
        assertEquals("web", c.service);
        assertEquals("web-prod", c.project);
    }

    @Test
    void startingTasksAreNotYetHealthyAndNotSettled() {
        Engine.Observation o = observe("[" + service("s1", "web-prod_web", REPO + "@" + D1, 1, "updating") + "]",
                "[" + task("t1", "s1", 1, "starting", "running", REPO + "@" + D1, null, "2026-01-01T00:00:01Z") + "]");
        assertEquals(List.of("web: 0/1 tasks running on the pinned image"), o.problems());
        assertFalse(o.settled());
    }

    @Test
    void aPausedUpdateSettlesWithTheTaskError() {
        Engine.Observation o = observe("[" + service("s1", "web-prod_web", REPO + "@" + D1, 1, "paused") + "]",
                "[" + task("t2", "s1", 1, "ready", "ready", REPO + "@" + D1, null, "2026-01-01T00:00:03Z") + ","
                        + task("t1", "s1", 1, "failed", "shutdown", REPO + "@" + D1, "unhealthy container", "2026-01-01T00:00:02Z") + "]");
        assertTrue(o.settled());
        assertEquals("web: 0/1 tasks running on the pinned image (last task error: unhealthy container)", o.problems().get(0));
        assertTrue(o.problems().get(1).startsWith("web: update paused"));
        assertTrue(o.containers().stream().anyMatch(c -> c.state.equals("failed") && c.health_log.get(0).contains("unhealthy container")));
    }

    @Test
    void repeatedFailuresSettleAFreshService() {
        StringBuilder tasks = new StringBuilder("[");
        for (int i = 0; i < 3; i++) tasks.append(task("f" + i, "s1", 1, "failed", "shutdown", REPO + "@" + D1, "exit 1", "2026-01-01T00:00:0" + i + "Z")).append(",");
        tasks.append(task("t9", "s1", 1, "starting", "running", REPO + "@" + D1, null, "2026-01-01T00:00:09Z")).append("]");
        assertTrue(observe("[" + service("s1", "web-prod_web", REPO + "@" + D1, 1, null) + "]", tasks.toString()).settled());
    }

    @Test
    void aServiceUpdatedByHandToAnotherImageIsAProblem() {
        Engine.Observation o = observe("[" + service("s1", "web-prod_web", REPO + ":v3@" + D2, 1, "completed") + "]",
                "[" + task("t1", "s1", 1, "running", "running", REPO + ":v3@" + D2, null, "2026-01-01T00:00:01Z") + "]");
        assertEquals(2, o.problems().size());
        assertTrue(o.problems().get(0).startsWith("web is set to run " + REPO + ":v3@" + D2 + ", the release pins " + REPO + "@" + D1));
    }

    @Test
    void globalServicesAndUnpinnedImages() {
        Engine.Observation o = observe("[" + service("s1", "web-prod_agent", "redis:7", null, null) + "]",
                "[" + task("t1", "s1", 0, "running", "running", "redis:7", null, "2026-01-01T00:00:01Z") + "]");
        assertEquals(List.of(), o.problems());
        assertEquals("web-prod_agent.n1", o.containers().get(0).name);
        assertEquals(List.of("no services run for web-prod"), observe("[]", "[]").problems());
    }
}
