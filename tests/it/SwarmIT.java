package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.List;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.core.Json;
import lib.model.Layout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Isolated;
import support.World;

/**
 * Swarm stacks on this engine as a single-node swarm on loopback; the swarm is left as it was found.
 * Isolated: it makes the engine a swarm manager and leaves the swarm again, which every test sees.
 */
@Isolated
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmIT {
    static boolean initialised;
    static List<String> networksBefore;

    static boolean inSwarm() {
        return World.sh("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout().strip().equals("active");
    }

    static List<String> networks() {
        return World.sh("docker", "network", "ls", "--format", "{{.Name}}").stdout().lines().sorted().toList();
    }

    static void init() {
        World.Run r = World.sh("docker", "swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377");
        assertEquals(0, r.exit(), r.toString());
    }

    @BeforeAll
    static void swarm() {
        if (!inSwarm()) {
            networksBefore = networks();
            init();
            initialised = true;
        }
    }

    @AfterAll
    static void leave() {
        if (!initialised) return;
        World.sh("docker", "swarm", "leave", "--force");
        for (String n : networks()) {
            if (!networksBefore.contains(n) && (n.equals("docker_gwbridge") || n.equals("ingress"))) World.sh("docker", "network", "rm", n);
        }
    }

    /** Runs a script that has --root but no --source (status, verify). */
    static World.Run rooted(World w, String script, String... args) {
        List<String> a = new java.util.ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script(script, a.toArray(String[]::new));
    }

    static List<String> services(String stack) {
        return World.sh("docker", "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace=" + stack).stdout().lines()
                .filter(s -> !s.isBlank()).toList();
    }

    @Test
    @Order(1)
    void aStackOnAnEngineThatIsNotASwarmManagerIsRefusedBeforeAnythingIsWritten() {
        World.require(initialised, "the engine was already in a swarm these tests did not start; not leaving it");
        try (World w = new World()) {
            String s = w.swarmStack();
            World.sh("docker", "swarm", "leave", "--force");
            try {
                var before = w.snapshot();
                World.Run r = w.run("deploy", s, "staging", "v1");
                assertEquals(2, r.exit(), r.toString());
                assertTrue(r.stderr().contains("not in a swarm"), r.toString());
                assertEquals(1, r.stderr().strip().lines().count(), r.toString());
                assertEquals(before, w.snapshot());
            } finally {
                init();
            }
        }
    }

    @Test
    @Order(2)
    void optionsSwarmIgnoresOrRejectsAreRefused() {
        try (World w = new World()) {
            for (String option : List.of("build: .", "network_mode: host", "container_name: web1")) {
                String s = w.swarmStack();
                var file = w.source.resolve(s).resolve("docker-compose.yml");
                World.write(file, World.read(file).replace("    image: ${IMAGE_REF}\n", "    image: ${IMAGE_REF}\n    " + option + "\n"));
                var before = w.snapshot();
                World.Run r = w.run("deploy", s, "staging", "v1");
                assertEquals(2, r.exit(), r.toString());
                assertTrue(r.stderr().contains("service web uses " + option.substring(0, option.indexOf(':') + 1)), r.toString());
                assertEquals(1, r.stderr().strip().lines().count(), r.toString());
                assertFalse(r.all().contains("Exception"), r.toString());
                assertEquals(before, w.snapshot());
                assertTrue(services(s).isEmpty());
            }
        }
    }

    @Test
    @Order(2)
    void aLiveComposeStackIsNotMovedToSwarm() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            World.write(w.source.resolve(s).resolve("stack.json"),
                    "{\"engine\": \"swarm\", \"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + World.APP + "\"}]}");
            World.write(w.source.resolve(s).resolve("docker-compose.yml"), World.read(w.source.resolve(s).resolve("docker-compose.yml"))
                    .replace("    network_mode: host\n", ""));
            var before = w.snapshot();
            World.Run r = w.run("deploy", s, "staging", "v2");
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.stderr().contains("runs on compose; it cannot be deployed with swarm"), r.toString());
            assertEquals(before, w.snapshot());
            assertEquals("v1", w.version(s));
            assertTrue(services(s).isEmpty());
        }
    }

    @Test
    @Order(3)
    void deployRedeployInPlaceRollbackAndDrift() {
        try (World w = new World()) {
            String s = w.swarmStack();
            Layout l = new Layout(w.root);
            World.Run d1 = w.run("deploy", s, "staging", "v1");
            assertEquals(0, d1.exit(), d1.toString());
            assertEquals("v1", w.version(s));
            List<String> first = services(s);
            assertEquals(1, first.size());
            CurrentManifest m = CurrentManifest.read(l, s);
            assertEquals("swarm", m.engine);
            assertEquals(World.registryDigest("v1"), m.image_digest);
            String v1 = m.release_id;

            World.Run d2 = w.run("deploy", s, "staging", "v2");
            assertEquals(0, d2.exit(), d2.toString());
            assertEquals("v2", w.version(s));
            assertEquals(first, services(s), "the service is updated in place");
            String image = World.sh("docker", "service", "inspect", first.get(0), "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}").stdout().strip();
            assertEquals(World.APP + "@" + World.registryDigest("v2"), image);

            World.Run status = rooted(w, "status", s, "--json");
            assertEquals(0, status.exit(), status.toString());
            var st = Json.tree(status.stdout());
            assertEquals("healthy", st.path("health").asText(), status.stdout());
            assertTrue(st.path("consistent").asBoolean(), status.stdout());

            World.Run rb = w.run("rollback", s, "staging", "--steps", "1");
            assertEquals(0, rb.exit(), rb.toString());
            assertEquals("v1", w.version(s));
            assertEquals(v1, l.currentReleaseId(s));
            assertEquals(first, services(s));
            assertEquals(0, rooted(w, "verify", "check", s).exit());

            // by hand, outside the tool: another image on the service
            World.Run hand = World.sh("docker", "service", "update", "--detach", "--image", World.APP + ":v3", s + "_web");
            assertEquals(0, hand.exit(), hand.toString());
            World.Run check = rooted(w, "verify", "check", s);
            assertEquals(7, check.exit(), check.toString());
            assertTrue(check.all().contains("the manifest pins " + World.APP + "@" + World.registryDigest("v1")), check.toString());
        }
    }

    @Test
    @Order(4)
    void aFailingHealthcheckIsRolledBackToThePreviousRelease() {
        try (World w = new World()) {
            String s = w.swarmStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String v1 = l.currentReleaseId(s);
            World.Run bad = w.run("deploy", s, "staging", "broken", "--health-timeout", "60");
            assertEquals(5, bad.exit(), bad.toString());
            assertTrue(bad.all().contains("unhealthy container"), bad.toString());
            assertTrue(bad.all().contains("starting broken build"), "the failed task's log lines are shown:\n" + bad);
            assertEquals("v1", w.version(s));
            assertEquals(v1, l.currentReleaseId(s));
            assertEquals(v1, CurrentManifest.read(l, s).release_id);
            List<HistoryRecord> h = new HistoryLog(l.historyLog()).find(x -> true, 2);
            assertEquals("auto-rollback", h.get(0).action);
            assertEquals("success", h.get(0).outcome);
            assertEquals("rolled_back", h.get(1).outcome);
            assertNotNull(h.get(1).diagnostics_file);
            assertTrue(Files.exists(java.nio.file.Path.of(h.get(1).diagnostics_file)));
            assertEquals(1, services(s).size());
        }
    }
}
