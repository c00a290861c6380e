package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import lib.core.Json;
import lib.model.CurrentManifest;
import lib.model.Layout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.ResourceLock;
import support.TwoNodeSwarm;
import support.World;

/**
 * A swarm stack on Docker Swarm with two nodes, each an engine in a network namespace of its own
 * ({@link TwoNodeSwarm}): two replicas spread one per node, deployed, redeployed and rolled back; the
 * worker's engine stopped (status reports the missing task) and started again (the stack converges);
 * a service changed by hand is drift. The scripts run as on a manager node: in the manager's network
 * namespace (where the registry is), with DOCKER_HOST naming the manager's engine. The machine's own
 * engine is not used, and the machine is left as it was found (checked after the clean-up).
 *
 * <p>It runs beside other classes: its namespaces, engines, directories and mounts have names of
 * its own; the one thing it shares is /etc/docker/certs.d (an entry for its registry, and the dir
 * itself when there was none), which RegistryAccessIT checks too, hence the lock. The steps build
 * on one another, in order.
 */
@ResourceLock("/etc/docker/certs.d")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmTwoNodeIT {
    /** Where the app listens inside each node's namespace (network_mode host there; the machine's loopback never sees it). */
    static final int PORT = 18080;
    static TwoNodeSwarm swarm;
    static World w;
    static String stack;
    static String managerId, workerId;
    static boolean certsDBefore;
    static String defaultEngineSwarm;
    static String v1Release;
    /** Why this machine cannot run the test, or null. */
    static String unmet;
    /** The last step that passed: a step needs the one before it. */
    static int passed;

    @BeforeAll
    static void up() {
        // each test skips on it (step): an assumption failing here would count as the whole class failing
        unmet = TwoNodeSwarm.unmet();
        if (unmet != null) return;
        certsDBefore = Files.exists(TwoNodeSwarm.CERTS_D);
        defaultEngineSwarm = defaultEngineSwarm();
        // the scripts run inside a namespace without a way out: through the suite's fast path, else JBang
        // compiles them (and fetches what they need) out here first
        var compiled = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            long t = System.nanoTime();
            for (String s : World.fastPrefix() != null ? List.<String>of() : List.of("deploy", "rollback", "status", "verify")) {
                World.Run b = World.sh(World.REPO.resolve("jbang").toString(), "build", World.REPO.resolve(s + ".java").toString());
                if (b.exit() != 0) throw new IllegalStateException("jbang build " + s + ".java: " + b);
            }
            return (System.nanoTime() - t) / 1e9;
        });
        swarm = TwoNodeSwarm.start();
        System.out.printf("[two-node] %s; scripts compiled in %.1f s%n", swarm.timings.entrySet().stream()
                .map(e -> String.format("%s %.1f s", e.getKey(), e.getValue())).collect(Collectors.joining(", ")), compiled.join());
        managerId = swarm.manager.nodeId();
        workerId = swarm.worker.nodeId();
        w = new World();
        stack = w.name("two", "-staging");
        World.write(w.source.resolve(stack).resolve("stack.json"),
                "{\"engine\": \"swarm\", \"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + TwoNodeSwarm.APP + "\"}]}\n");
        // no published ports: each task uses its node's own network (the host network inside the node's namespace)
        World.write(w.source.resolve(stack).resolve("docker-compose.yml"), String.join("\n",
                "version: \"3.8\"",
                "services:",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    environment:",
                "      PORT: \"" + PORT + "\"",
                "    networks: [hostnet]",
                "    deploy:",
                "      replicas: 2",
                "      placement:",
                "        max_replicas_per_node: 1",
                "      update_config:",
                "        monitor: 1s",
                "      restart_policy:",
                "        delay: 1s",
                "networks:",
                "  hostnet:",
                "    external: true",
                "    name: host",
                ""));
    }

    @AfterAll
    static void down() {
        try {
            if (w != null) w.close();
        } finally {
            if (swarm != null) swarm.close();
        }
        if (swarm == null) return;
        assertEquals(List.of(), TwoNodeSwarm.leftovers(), "the two-node swarm left things behind");
        assertEquals(certsDBefore, Files.exists(TwoNodeSwarm.CERTS_D), TwoNodeSwarm.CERTS_D + " exists as it did before");
        assertEquals(defaultEngineSwarm, defaultEngineSwarm(), "the machine's own engine is in the swarm state it was in");
    }

    @Test
    @Order(1)
    void deploysTwoReplicasOnePerNodeOnThePinnedDigest() {
        step(1);
        World.Run d = script("deploy", stack, "staging", "v1");
        assertEquals(0, d.exit(), d.toString());
        CurrentManifest m = CurrentManifest.read(new Layout(w.root), stack);
        assertEquals("swarm", m.engine);
        assertEquals(swarm.digest("v1"), m.image_digest);
        v1Release = m.release_id;
        assertOnePerNode("v1");
        assertTrue(World.sh("docker", "ps", "-a", "-q", "--filter", "label=com.docker.stack.namespace=" + stack).stdout().isBlank(),
                "nothing of the stack runs on the machine's own engine");
        passed = 1;
    }

    @Test
    @Order(2)
    void redeploysANewDigestOnBothNodes() {
        step(2);
        List<String> services = services();
        World.Run d = script("deploy", stack, "staging", "v2");
        assertEquals(0, d.exit(), d.toString());
        assertEquals(swarm.digest("v2"), CurrentManifest.read(new Layout(w.root), stack).image_digest);
        assertEquals(services, services(), "the service is updated in place");
        assertOnePerNode("v2");
        passed = 2;
    }

    @Test
    @Order(3)
    void rollsBackOnBothNodes() {
        step(3);
        World.Run rb = script("rollback", stack, "staging", "--steps", "1");
        assertEquals(0, rb.exit(), rb.toString());
        assertEquals(v1Release, new Layout(w.root).currentReleaseId(stack));
        assertOnePerNode("v1");
        World.Run check = script("verify", "check", stack);
        assertEquals(0, check.exit(), check.toString());
        passed = 3;
    }

    @Test
    @Order(4)
    void withTheWorkerStoppedStatusReportsOneOfTwoTasks() {
        step(4);
        swarm.worker.stopEngine();
        assertTrue(TwoNodeSwarm.await(Duration.ofSeconds(60), () -> "down".equals(nodeState(workerId))),
                "the manager sees the worker down: " + swarm.manager.docker("node", "ls"));
        // the manager moves the worker's task away; with one replica per node it stays pending
        assertTrue(TwoNodeSwarm.await(Duration.ofSeconds(60), () -> tasks().stream().noneMatch(t -> t.node.equals(workerId))),
                "the worker's task is given up: " + tasks());
        World.Run st = script("status", stack, "--json");
        // documented: status shows health, it does not judge it
        assertEquals(0, st.exit(), st.toString());
        JsonNode s = Json.tree(st.stdout());
        assertEquals("unhealthy", s.path("health").asText(), st.stdout());
        assertTrue(problems(s).contains("web: 1/2 tasks running on the pinned image"), st.stdout());
        World.Run human = script("status", stack);
        assertTrue(human.stdout().contains("1/2 tasks running"), human.toString());
        World.Run check = script("verify", "check", stack);
        assertEquals(7, check.exit(), check.toString());
        assertEquals("v1", served(swarm.manager), "the manager's task still serves");
        passed = 4;
    }

    @Test
    @Order(5)
    void withTheWorkerBackTheStackConvergesAgain() {
        step(5);
        swarm.worker.startEngine();
        swarm.worker.awaitEngine();
        assertTrue(TwoNodeSwarm.await(Duration.ofSeconds(60), () -> "ready".equals(nodeState(workerId))),
                "the worker rejoins: " + swarm.manager.docker("node", "ls"));
        assertTrue(TwoNodeSwarm.await(Duration.ofSeconds(90), () -> runningNodes().equals(Set.of(managerId, workerId))),
                "a task runs on each node again: " + tasks());
        assertOnePerNode("v1");
        World.Run st = script("status", stack, "--json");
        assertEquals(0, st.exit(), st.toString());
        JsonNode s = Json.tree(st.stdout());
        assertEquals("healthy", s.path("health").asText(), st.stdout());
        assertTrue(s.path("consistent").asBoolean(), st.stdout());
        World.Run check = script("verify", "check", stack);
        assertEquals(0, check.exit(), check.toString());
        passed = 5;
    }

    @Test
    @Order(6)
    void aServiceChangedByHandIsDrift() {
        step(6);
        World.Run hand = swarm.manager.docker("service", "update", "--detach", "--image", TwoNodeSwarm.APP + ":v3", stack + "_web");
        assertEquals(0, hand.exit(), hand.toString());
        World.Run check = script("verify", "check", stack);
        assertEquals(7, check.exit(), check.toString());
        assertTrue(check.all().contains("the manifest pins " + TwoNodeSwarm.APP + "@" + swarm.digest("v1")), check.toString());
        World.Run st = script("status", stack);
        assertEquals(7, st.exit(), st.toString());
        passed = 6;
    }

    /** Runs a script on the manager: in its network namespace, DOCKER_HOST its engine; --root (and --source where taken). */
    static World.Run script(String script, String... args) {
        List<String> cmd = new ArrayList<>(World.launcher(script));
        cmd.addAll(Arrays.asList(args));
        cmd.addAll(List.of("--root", w.root.toString()));
        if (script.equals("deploy")) cmd.addAll(List.of("--source", w.source.toString()));
        long t = System.nanoTime();
        World.Run r = w.exec(swarm.manager.inNetns(cmd), Map.of("DOCKER_HOST", swarm.manager.host()));
        System.out.printf("[two-node] %s %s: exit %d in %.1f s%n", script, args[0], r.exit(), (System.nanoTime() - t) / 1e9);
        return r;
    }

    /** Skips a step on a machine that cannot run it (fails it in CI); fails a step whose predecessor did not pass. */
    static void step(int n) {
        World.require(unmet == null, unmet);
        assertNotNull(swarm, "the two-node swarm did not start");
        assertEquals(n - 1, passed, "step " + (n - 1) + " did not pass; this step builds on it");
    }

    record Task(String node, String state, String image) {}

    /** The stack's tasks the swarm wants running (pending ones included). */
    static List<Task> tasks() {
        String ids = swarm.manager.dockerOk("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", stack + "_web");
        if (ids.isBlank()) return List.of();
        List<String> cmd = new ArrayList<>(List.of("inspect", "--type", "task"));
        cmd.addAll(ids.lines().toList());
        List<Task> out = new ArrayList<>();
        for (JsonNode t : Json.tree(swarm.manager.dockerOk(cmd.toArray(String[]::new)))) {
            out.add(new Task(t.path("NodeID").asText(""), t.path("Status").path("State").asText(), t.path("Spec").path("ContainerSpec").path("Image").asText()));
        }
        return out;
    }

    static Set<String> runningNodes() {
        return tasks().stream().filter(t -> t.state.equals("running")).map(Task::node).collect(Collectors.toSet());
    }

    /**
     * Two tasks running, one on each node, on the digest the release pins for {@code tag}; each node's
     * engine runs one container of the stack on it, and the app in each node's namespace answers {@code tag}.
     */
    static void assertOnePerNode(String tag) {
        String pinned = TwoNodeSwarm.APP + "@" + swarm.digest(tag);
        List<Task> tasks = tasks();
        assertEquals(2, tasks.size(), tasks.toString());
        assertEquals(Set.of(managerId, workerId), tasks.stream().map(Task::node).collect(Collectors.toSet()), tasks.toString());
        for (Task t : tasks) {
            assertEquals("running", t.state, tasks.toString());
            assertEquals(pinned, t.image, tasks.toString());
        }
        for (TwoNodeSwarm.Node n : List.of(swarm.manager, swarm.worker)) {
            List<String> ids = n.dockerOk("ps", "-q", "--filter", "label=com.docker.stack.namespace=" + stack).lines().toList();
            assertEquals(1, ids.size(), "running containers of the stack on node " + n.name + ": " + ids);
            assertEquals(pinned + " " + n.dockerOk("image", "inspect", "--format", "{{.Id}}", pinned),
                    n.dockerOk("inspect", "--type", "container", "--format", "{{.Config.Image}} {{.Image}}", ids.get(0)),
                    "the container on node " + n.name + " runs the pinned image");
            assertEquals(tag, served(n), "what the app on node " + n.name + " answers");
        }
    }

    /** What the app answers on /version inside a node's namespace, or null. */
    static String served(TwoNodeSwarm.Node n) {
        // (busybox's wget -T crashes; the time limit is the runner's)
        World.Run r = n.exec(Duration.ofSeconds(10), "/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:" + PORT + "/version");
        return r.exit() == 0 ? r.stdout().strip() : null;
    }

    static String nodeState(String id) {
        World.Run r = swarm.manager.docker("node", "inspect", "--format", "{{.Status.State}}", id);
        return r.exit() == 0 ? r.stdout().strip() : null;
    }

    static List<String> services() {
        return Arrays.stream(swarm.manager.dockerOk("stack", "services", "-q", stack).split("\\s+")).filter(x -> !x.isBlank()).toList();
    }

    static List<String> problems(JsonNode status) {
        List<String> out = new ArrayList<>();
        status.path("health_problems").forEach(p -> out.add(p.asText()));
        return out;
    }

    static String defaultEngineSwarm() {
        return World.sh("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout().strip();
    }
}
