package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import lib.core.Json;
import lib.model.Layout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import support.NetnsEngine;
import support.World;

/**
 * Zero-downtime rollouts on the real engine, measured: a stack of a Caddy proxy (Debian's binary in an
 * image FROM scratch), a web service and a db, on an engine of the test's own in a network namespace
 * ({@link NetnsEngine}: bridge networks, a registry on the namespace's 127.0.0.1). A load generator in
 * the namespace sends 60 requests/s through the proxy for the whole of each case: deploy, redeploy,
 * rollback, a deploy whose release never gets healthy, a rollback to a release that is not healthy.
 * With stack.json "rollout" for web: no request fails, the broken release never answers one, exactly
 * one web container runs afterwards and the db container is never restarted. Without the setting
 * the same deploy fails requests (so the first half can fail; the benchmark runs all five cases
 * without it too, {@link #CONTROL_CASES}). The same on swarm: {@link ZeroDowntimeSwarmIT}, which
 * uses this class's helpers. The figures are printed at the end, and written to
 * $SEISEI_ZDT_FIGURES when set (bench/zero-downtime.sh).
 *
 * <p>It runs beside other classes (its namespace, engine, registry and directories have names of
 * its own; under the suite's load no request failed here in any run, the longest gap grew to about
 * 1 s), but never beside ZeroDowntimeSwarmIT, which uses the same namespace and runs alone. The
 * steps build on one another, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1) // long: started early (tests/run.java)
class ZeroDowntimeIT {
    static final String APP = NetnsEngine.REGISTRY + "/zdt/app";
    static final String PROXY = NetnsEngine.REGISTRY + "/zdt/proxy:1";
    static final String DB = NetnsEngine.REGISTRY + "/zdt/db:1";
    /** How long the app takes to start (its container sleeps first): a real application is not ready in milliseconds. */
    static final int START_DELAY = 2;
    static final int RATE = 60;
    static NetnsEngine ns;
    static World w;
    static String unmet;
    static int passed;
    /** variant (compose or swarm, with the rollout or not) / case to what the load generator saw. */
    static final Map<String, Load> FIGURES = new LinkedHashMap<>();
    static final List<String> CASES = List.of("deploy", "redeploy", "rollback", "deploy never healthy", "rollback to unhealthy");
    /**
     * The cases run without the setting: in the suite only the deploy, which shows that the load
     * generator sees the failures the setting prevents; all five for the benchmark
     * (bench/zero-downtime.sh sets SEISEI_ZDT_FIGURES).
     */
    static final List<String> CONTROL_CASES = System.getenv("SEISEI_ZDT_FIGURES") == null ? List.of("deploy") : CASES;

    @BeforeAll
    static void up() {
        passed = 0;
        unmet = NetnsEngine.unmet();
        if (unmet != null) return;
        // the scripts run in a namespace without a way out: through the suite's fast path, else JBang compiles them out here first
        for (String s : World.fastPrefix() != null ? List.<String>of() : List.of("deploy", "rollback", "status")) {
            World.Run b = World.sh(World.REPO.resolve("jbang").toString(), "build", World.REPO.resolve(s + ".java").toString());
            if (b.exit() != 0) throw new IllegalStateException("jbang build " + s + ".java: " + b);
        }
        long t = System.nanoTime();
        ns = NetnsEngine.start();
        images();
        System.out.printf("[zdt] engine, registry and images in %.1f s%n", (System.nanoTime() - t) / 1e9);
        w = new World();
    }

    @AfterAll
    static void down() {
        try {
            if (w != null) w.close();
        } finally {
            if (ns != null) ns.close();
        }
        if (ns == null) return;
        assertEquals(List.of(), NetnsEngine.leftovers(), "the namespace engine left things behind");
        String table = table();
        System.out.print(table);
        String out = System.getenv("SEISEI_ZDT_FIGURES");
        if (out != null && !out.isBlank()) World.write(Path.of(out), table);
    }

    /** The test images: the app (v1..v3 and broken: it serves, but its health endpoint is missing), the proxy, the db. */
    static void images() {
        Path busybox = Path.of("/bin/busybox");
        for (String tag : List.of("v1", "v2", "v3", "broken")) {
            Map<String, Object> files = new LinkedHashMap<>();
            files.put("busybox", busybox);
            files.put("www/version", tag + "\n");
            if (!tag.equals("broken")) files.put("www/health", "ok\n");
            files.put("Dockerfile", String.join("\n",
                    "FROM scratch",
                    "COPY busybox /bin/busybox",
                    "COPY www /www",
                    "ENV PORT=8080 START_DELAY=0",
                    "STOPSIGNAL SIGKILL",
                    "HEALTHCHECK --interval=300ms --timeout=2s --retries=2 --start-period=5s CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"/dev/null\","
                            + " \"http://127.0.0.1:8080/health\"]",
                    "ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox sleep $START_DELAY; exec /bin/busybox httpd -f -p 0.0.0.0:$PORT -h /www\"]",
                    ""));
            NetnsEngine.buildAndPush(APP + ":" + tag, files);
        }
        Map<String, Object> proxy = NetnsEngine.withLibraries(Path.of("/usr/bin/caddy"));
        proxy.put("Caddyfile", World.read(World.REPO.resolve("examples/stacks/shop-staging/proxy/Caddyfile")));
        proxy.put("Dockerfile", World.read(World.REPO.resolve("examples/stacks/shop-staging/proxy/Dockerfile")));
        NetnsEngine.buildAndPush(PROXY, proxy);
        NetnsEngine.buildAndPush(DB, Map.of("busybox", busybox, "Dockerfile", String.join("\n", "FROM scratch", "COPY busybox /bin/busybox",
                "STOPSIGNAL SIGKILL", "ENTRYPOINT [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"5432\", \"-h\", \"/\"]", "")));
    }

    /**
     * A stack of proxy (publishing PORT in the namespace), web and db; with the rollout setting for web
     * when {@code rollout}; on swarm when {@code swarm} (overlay networks, web found by its tasks'
     * addresses: endpoint_mode dnsrr, since the namespace's kernel has no IPVS for a virtual IP).
     */
    static String stack(String prefix, int port, boolean rollout, boolean swarm) {
        String name = w.name(prefix, "-staging");
        Path d = w.source.resolve(name);
        World.write(d.resolve("docker-compose.yml"), swarm ? String.join("\n",
                "version: \"3.8\"",
                "services:",
                "  proxy:",
                "    image: " + PROXY,
                "    ports: [{target: 80, published: " + port + ", mode: host}]",
                "    networks: [edge]",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    environment:",
                "      START_DELAY: \"" + START_DELAY + "\"",
                "    networks: [edge, backend]",
                "    deploy:",
                "      endpoint_mode: dnsrr",
                "      update_config:",
                "        monitor: 2s",
                "  db:",
                "    image: " + DB,
                "    networks: [backend]",
                "networks:",
                "  edge:",
                "    driver: overlay",
                "  backend:",
                "    driver: overlay",
                "") : String.join("\n",
                "version: \"2.4\"",
                "services:",
                "  proxy:",
                "    image: " + PROXY,
                "    ports: [\"127.0.0.1:${PROXY_PORT}:80\"]",
                "    networks: [edge]",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    environment:",
                "      START_DELAY: ${START_DELAY}",
                "    networks: [edge, backend]",
                "  db:",
                "    image: " + DB,
                "    networks: [backend]",
                "networks:",
                "  edge: {}",
                "  backend: {}",
                ""));
        World.write(d.resolve(".env"), "PROXY_PORT=" + port + "\nSTART_DELAY=" + START_DELAY + "\n");
        World.write(d.resolve("stack.json"), "{" + (swarm ? "\"engine\": \"swarm\", " : "") + "\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \""
                + APP + "\"}]" + (rollout ? ", \"rollout\": {\"services\": [\"web\"], \"network\": \"edge\", \"drain_seconds\": 2}" : "") + "}\n");
        return name;
    }

    @Test
    @Order(1)
    void withTheRolloutSettingNoRequestFails() {
        step(1);
        String stack = stack("zdt", 8081, true, false);
        run(stack, 8081, COMPOSE_ROLLOUT);
        assertNoFailures(COMPOSE_ROLLOUT);
        passed = 1;
    }

    @Test
    @Order(2)
    void withoutItADeployFailsRequests() {
        step(2);
        String stack = stack("plain", 8082, false, false);
        run(stack, 8082, COMPOSE);
        assertFailures(COMPOSE);
        passed = 2;
    }


    static final String COMPOSE_ROLLOUT = "compose, rollout";
    static final String COMPOSE = "compose";
    static final String SWARM_ROLLOUT = "swarm, rollout";
    static final String SWARM = "swarm";
    static final List<String> VARIANTS = List.of(COMPOSE_ROLLOUT, COMPOSE, SWARM_ROLLOUT, SWARM);

    static void assertNoFailures(String variant) {
        for (String c : CASES) {
            Load l = FIGURES.get(variant + "/" + c);
            assertEquals(0, l.failed, variant + ", " + c + ": " + l.raw);
            assertTrue(l.rate >= 50, c + ": at least 50 requests/s: " + l.raw);
            assertFalse(l.bodies.containsKey("broken"), c + ": the release that never got healthy never answered: " + l.raw);
        }
    }

    static void assertFailures(String variant) {
        for (String c : CONTROL_CASES) {
            // swarm leaves a service whose spec did not change alone: the same tag again updates nothing
            if (variant.equals(SWARM) && c.equals("redeploy")) continue;
            Load l = FIGURES.get(variant + "/" + c);
            assertTrue(l.failed > 0, variant + ", " + c + ": without the setting what serves stops before the new release is ready: " + l.raw);
        }
    }

    /**
     * The five cases on {@code stack} after a first deploy of v1, each under load; the figures go to
     * {@link #FIGURES} under {@code variant}. With the rollout: one web container afterwards, the db
     * and the proxy never restarted, and status during the first deploy shows both web containers.
     */
    static void run(String stack, int port, String variant) {
        boolean rollout = variant.endsWith("rollout");
        boolean swarm = variant.startsWith(SWARM);
        World.Run first = script("deploy", stack, "staging", "v1");
        assertEquals(0, first.exit(), first.toString());
        assertTrue(support.TwoNodeSwarm.await(Duration.ofSeconds(30), () -> "v1".equals(served(port))), "the proxy serves v1");
        String db = identity(stack, "db", swarm);
        String proxy = identity(stack, "proxy", swarm);
        for (String c : rollout ? CASES : CONTROL_CASES) {
            int expectExit = c.equals("deploy never healthy") || c.equals("rollback to unhealthy") ? 5 : 0;
            String expectBody = switch (c) {
                case "deploy", "redeploy" -> "v2";
                default -> "v1";
            };
            List<String> seen = new ArrayList<>();
            Supplier<World.Run> action = switch (c) {
                case "deploy" -> () -> rollout && !swarm ? deployWatchingStatus(stack, seen) : script("deploy", stack, "staging", "v2");
                case "redeploy" -> () -> script("deploy", stack, "staging", "v2");
                case "rollback" -> () -> script("rollback", stack, "staging", "--to", "v1");
                case "deploy never healthy" -> () -> script("deploy", stack, "staging", "broken");
                default -> () -> script("rollback", stack, "staging", "--to", brokenRelease(stack));
            };
            World.Run[] r = new World.Run[1];
            Load l = underLoad(port, () -> r[0] = action.get());
            FIGURES.put(variant + "/" + c, l);
            System.out.printf("[zdt] %s %s: exit %d, %s%n", variant, c, r[0].exit(), l.raw);
            assertEquals(expectExit, r[0].exit(), c + ": " + r[0]);
            // a swarm stack's old task may still be shutting down when the health wait ends
            assertTrue(support.TwoNodeSwarm.await(Duration.ofSeconds(swarm ? 30 : 0), () -> expectBody.equals(served(port))),
                    c + ": the proxy serves " + expectBody);
            if (!rollout) continue;
            assertTrue(support.TwoNodeSwarm.await(Duration.ofSeconds(swarm ? 30 : 0), () -> webContainers(stack, swarm) == 1),
                    c + ": exactly one web container afterwards: " + NetnsEngine.docker("ps", "-a"));
            assertEquals(db, identity(stack, "db", swarm), c + ": the db container was never restarted");
            assertEquals(proxy, identity(stack, "proxy", swarm), c + ": the proxy was never restarted");
            if (c.equals("deploy") && !swarm) {
                assertTrue(seen.contains("serving (old)") && seen.contains("starting (new)"),
                        "status showed both web containers and which one serves during the rollout: " + seen);
            }
        }
    }

    /** deploy v2 while status is read every 0.2 s: the roles it showed for web go into {@code seen}. */
    static World.Run deployWatchingStatus(String stack, List<String> seen) {
        CompletableFuture<World.Run> d = CompletableFuture.supplyAsync(() -> script("deploy", stack, "staging", "v2"));
        while (!d.isDone()) {
            World.Run st = script("status", stack);
            for (String role : List.of("serving (old)", "starting (new)", "serving")) {
                if (st.stdout().contains(role) && !seen.contains(role)) seen.add(role);
            }
            sleep(200);
        }
        return d.join();
    }

    /** A release of the stack that never ran healthy (the broken one). */
    static String brokenRelease(String stack) {
        try (var s = Files.list(new Layout(w.root).stackReleasesDir(stack))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("broken__")).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the load generator saw during one case. */
    record Load(int sent, int failed, double rate, long gapMs, Map<String, Integer> bodies, String raw) {}

    /** Runs {@code action} while the load generator sends {@link #RATE} requests/s to the proxy, from a second before to a second after. */
    static Load underLoad(int port, Runnable action) {
        Path err = w.dir.resolve("load.err");
        List<String> cmd = NetnsEngine.inNetns(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "support.LoadGen", "http://127.0.0.1:" + port + "/version", Integer.toString(RATE), "3000"));
        try {
            Files.deleteIfExists(err);
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            try {
                boolean started = support.TwoNodeSwarm.await(Duration.ofSeconds(30), () -> Files.exists(err) && World.read(err).contains("load: started"));
                if (!started) throw new IllegalStateException("the load generator did not start: " + (Files.exists(err) ? World.read(err) : ""));
                sleep(1000);
                action.run();
                sleep(1000);
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes()).strip();
                if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("the load generator did not stop");
                JsonNode j = Json.tree(out);
                Map<String, Integer> bodies = new LinkedHashMap<>();
                j.path("bodies").properties().forEach(e -> bodies.put(e.getKey(), e.getValue().asInt()));
                return new Load(j.path("sent").asInt(), j.path("failed").asInt(), j.path("rate").asDouble(), j.path("longest_gap_ms").asLong(), bodies, out);
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body the proxy answers /version with now (in the namespace), or null. */
    static String served(int port) {
        World.Run r = World.sh(NetnsEngine.inNetns(List.of("busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/version")).toArray(String[]::new));
        return r.exit() == 0 ? r.stdout().strip() : null;
    }

    /** The filters of the containers of one service of the stack (compose, or a swarm stack's tasks). */
    static List<String> filters(String stack, String service, boolean swarm) {
        return swarm ? List.of("--filter", "label=com.docker.swarm.service.name=" + stack + "_" + service)
                : List.of("--filter", "label=com.docker.compose.project=" + stack, "--filter", "label=com.docker.compose.service=" + service);
    }

    /** ID and start time of the stack's running container of {@code service}: equal only when it was neither recreated nor restarted. */
    static String identity(String stack, String service, boolean swarm) {
        List<String> a = new ArrayList<>(List.of("ps", "-q", "--no-trunc"));
        a.addAll(filters(stack, service, swarm));
        String id = NetnsEngine.dockerOk(a.toArray(String[]::new));
        assertEquals(1, id.lines().count(), service + " runs once: " + id);
        return id + " " + NetnsEngine.dockerOk("inspect", "--format", "{{.State.StartedAt}}", id);
    }

    /** The web containers afterwards: every one of a compose stack, the running ones of a swarm stack (swarm keeps a few stopped tasks). */
    static long webContainers(String stack, boolean swarm) {
        List<String> a = new ArrayList<>(swarm ? List.of("ps", "-q") : List.of("ps", "-a", "-q"));
        a.addAll(filters(stack, "web", swarm));
        return NetnsEngine.dockerOk(a.toArray(String[]::new)).lines().filter(l -> !l.isBlank()).count();
    }

    /** Runs a script in the namespace against its engine, with the world's root (and source for deploy). */
    static World.Run script(String script, String... args) {
        List<String> cmd = new ArrayList<>(World.launcher(script));
        cmd.addAll(Arrays.asList(args));
        cmd.addAll(List.of("--root", w.root.toString()));
        if (script.equals("deploy")) cmd.addAll(List.of("--source", w.source.toString()));
        return w.exec(NetnsEngine.inNetns(cmd), NetnsEngine.env());
    }

    /** Skips a step on a machine that cannot run it (fails it in CI); fails a step whose predecessor did not pass. */
    static void step(int n) {
        World.require(unmet == null, unmet);
        assertNotNull(ns, "the namespace engine did not start");
        assertEquals(n - 1, passed, "step " + (n - 1) + " did not pass; this step builds on it");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests sent and failed and the longest gap between two answers, per case, with and without the setting. */
    static String table() {
        StringBuilder b = new StringBuilder("zero-downtime figures: " + RATE + " requests/s through Caddy, app start-up " + START_DELAY
                + " s; requests sent / failed / longest gap between two answers (ms)\n");
        b.append(String.format("%-22s", "case"));
        for (String v : VARIANTS) b.append(String.format(" | %-20s", v));
        b.append("\n");
        for (String c : CASES) {
            b.append(String.format("%-22s", c));
            for (String v : VARIANTS) {
                Load l = FIGURES.get(v + "/" + c);
                b.append(String.format(" | %-20s", l == null ? "-" : l.sent + " / " + l.failed + " / " + l.gapMs));
            }
            b.append("\n");
        }
        return b.toString();
    }
}
