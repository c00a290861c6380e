package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lib.core.Exit;
import lib.core.Fail;
import lib.engine.Compose;
import lib.engine.ComposeEngine;
import lib.engine.ComposeFile;
import lib.engine.Container;
import lib.engine.Engine;
import lib.engine.Rollout;
import lib.engine.Running;
import lib.engine.Swarm;
import lib.model.StackSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-first rollouts: the settings, the refusals, the plan of an `up`, the roles and the health judgement. */
class RolloutTest {
    @TempDir Path tmp;

    static final String ROLLOUT = "{\"rollout\": {\"services\": [\"web\"], \"network\": \"edge\", \"drain_seconds\": 3}}";

    /** A stack dir with this compose file and stack.json. */
    private Path dir(String name, String compose, String stackJson) throws IOException {
        Path d = tmp.resolve(name);
        Files.createDirectories(d);
        Files.writeString(d.resolve("docker-compose.yml"), compose);
        if (stackJson != null) Files.writeString(d.resolve("stack.json"), stackJson);
        Files.writeString(d.resolve(".env"), "IMAGE_REF=r/app@sha256:" + "a".repeat(64) + "\nWEB_PORT=8080\n");
        return d;
    }

    private static String compose(String webOptions) {
        return compose(webOptions, "[edge, backend]");
    }

    private static String compose(String webOptions, String webNetworks) {
        return String.join("\n",
                "services:",
                "  proxy:",
                "    image: caddy",
                "    ports: [\"80:80\"]",
                "    networks: [edge]",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    networks: " + webNetworks,
                webOptions,
                "  db:",
                "    image: postgres:16",
                "    networks: [backend]",
                "networks:",
                "  edge: {}",
                "  backend: {}",
                "");
    }

    private List<Rollout.Service> services(Path d) {
        return Rollout.services("shop-prod", d, Rollout.vars(d), ComposeFile.Rules.V2, StackSettings.load(d).rollout);
    }

    private String refusal(String webOptions) throws IOException {
        return refusalOf(compose(webOptions));
    }

    private String refusalOf(String composeFile) throws IOException {
        Path d = dir("s" + System.nanoTime(), composeFile, ROLLOUT);
        Fail f = assertThrows(Fail.class, () -> services(d));
        assertEquals(Exit.USAGE, f.code);
        assertFalse(f.getMessage().contains("\n"), "one line: " + f.getMessage());
        return f.getMessage();
    }

    @Test
    void settingsHaveDefaultsAndBadOnesAreRefusedWithOneLine() throws IOException {
        Path d = dir("a", compose(""), "{\"rollout\": {\"services\": [\"web\"]}}");
        StackSettings s = StackSettings.load(d);
        assertEquals("default", s.rollout.network);
        assertEquals(5, s.rollout.drain_seconds);
        assertNull(StackSettings.load(dir("b", compose(""), "{}")).rollout, "no setting: no rollout");
        for (String bad : List.of("{\"rollout\": {}}", "{\"rollout\": {\"services\": []}}", "{\"rollout\": {\"services\": [\"web\", \"web\"]}}",
                "{\"rollout\": {\"services\": [\"we b\"]}}", "{\"rollout\": {\"services\": [\"web\"], \"network\": \"a/b\"}}",
                "{\"rollout\": {\"services\": [\"web\"], \"drain_seconds\": -1}}")) {
            Path x = dir("bad" + System.nanoTime(), compose(""), bad);
            Fail f = assertThrows(Fail.class, () -> StackSettings.load(x), bad);
            assertEquals(Exit.USAGE, f.code);
            assertTrue(f.getMessage().contains("rollout"), f.getMessage());
        }
    }

    @Test
    void aListedServiceThatCannotRunTwiceIsRefused() throws IOException {
        assertTrue(refusal("    ports: [\"8080:8080\"]").contains("publishes the fixed host port 8080"));
        assertTrue(refusal("    ports: [\"127.0.0.1:${WEB_PORT}:8080/tcp\"]").contains("fixed host port 8080"), "interpolated");
        assertTrue(refusal("    ports:\n      - target: 8080\n        published: 9000").contains("fixed host port 9000"));
        assertTrue(refusal("    container_name: shop-web").contains("fixed container_name (shop-web)"));
        assertTrue(refusal("    network_mode: host").contains("network_mode: host"));
        assertTrue(refusalOf(compose("", "[backend]")).contains("is not on the network edge"));
        assertTrue(refusalOf(compose("", "[edge]\n  bad: [")).startsWith("stack.json rollout: cannot read"), "a file compose cannot read");
        Path d = dir("missing", compose(""), "{\"rollout\": {\"services\": [\"api\"], \"network\": \"edge\"}}");
        assertTrue(assertThrows(Fail.class, () -> services(d)).getMessage().contains("names api, which is not a service"));
    }

    @Test
    void aContainerPortAloneAndAnExtendedServiceAreFine() throws IOException {
        Path d = dir("fine", compose("    ports: [\"8080\", \"127.0.0.1::9090\"]\n    stop_grace_period: 1m30s\n    scale: 2"), ROLLOUT);
        assertEquals(List.of(new Rollout.Service("web", "shop-prod_edge", 2, 90)), services(d));
        Path e = dir("ext", String.join("\n", "services:", "  base:", "    image: x", "    ports: [\"8080:80\"]", "  web:",
                "    extends: base", "    image: ${IMAGE_REF}", ""), "{\"rollout\": {\"services\": [\"web\"]}}");
        assertTrue(assertThrows(Fail.class, () -> services(e)).getMessage().contains("fixed host port 8080"),
                "a port inherited through extends counts");
        Path n = dir("named", String.join("\n", "services:", "  web:", "    image: x", "networks:", "  default:", "    name: front", ""),
                "{\"rollout\": {\"services\": [\"web\"], \"drain_seconds\": 0}}");
        assertEquals(List.of(new Rollout.Service("web", "front", 1, 10)), services(n));
    }

    @Test
    void deployRefusesTheSettingBeforeAnythingChanges() throws IOException {
        Path d = dir("src", compose("    ports: [\"8080:8080\"]"), ROLLOUT);
        ComposeEngine engine = new ComposeEngine(new Compose(Compose.Version.V1), null);
        Fail f = assertThrows(Fail.class, () -> engine.validate("shop-prod", d));
        assertEquals(Exit.USAGE, f.code);
        assertTrue(f.getMessage().startsWith("stack.json rollout: service web publishes the fixed host port 8080"), f.getMessage());
    }

    static final Path A = Path.of("/srv/releases/stacks/shop-prod/v1__20260101T000000Z");
    static final Path B = Path.of("/srv/releases/stacks/shop-prod/v2__20260102T000000Z");
    static final Path C = Path.of("/srv/releases/stacks/shop-prod/v3__20260103T000000Z");
    static final Rollout.Service WEB = new Rollout.Service("web", "shop-prod_edge", 1, 10);

    private static Container c(String id, String service, Path dir, String state, String health, String... networks) {
        return Container.listed(new Running.Listed(id, "shop-prod", dir.toString(), service, "shop-prod_" + service + "_" + id, "img", state,
                state.equals("running") ? "Up 1 minute" + (health == null ? "" : health.equals("starting") ? " (health: starting)" : " (" + health + ")") : "Exited (0) 1 second ago",
                String.join(",", networks)));
    }

    @Test
    void theFirstUpStartsOneContainer() {
        assertEquals(new Rollout.Plan("web", List.of(), true, 1), Rollout.plan(WEB, List.of(), A));
    }

    @Test
    void aNewReleaseStartsBesideTheServingOneAndStoppedOnesGo() {
        List<Container> own = List.of(c("old", "web", A, "running", "healthy", "shop-prod_edge", "shop-prod_backend"),
                c("dead", "web", A, "exited", null, "shop-prod_edge"), c("db1", "db", A, "running", null, "shop-prod_backend"));
        assertEquals(new Rollout.Plan("web", List.of("dead"), true, 2), Rollout.plan(WEB, own, B));
        assertEquals(List.of("old"), Rollout.old(WEB, own, B).stream().map(x -> x.id).toList());
    }

    @Test
    void aFailedAttemptIsRemovedByTheNextTargetAndByTheRestore() {
        List<Container> own = List.of(c("old", "web", A, "running", "healthy", "shop-prod_edge"),
                c("failed", "web", B, "running", "unhealthy", "shop-prod_backend"));
        // the cascade's next target: the failed one goes, a new one starts beside the one that serves
        assertEquals(new Rollout.Plan("web", List.of("failed"), true, 2), Rollout.plan(WEB, own, C));
        // the restore of the release that served: it keeps its container, everything else of web goes
        assertEquals(new Rollout.Plan("web", List.of("failed"), false, 1), Rollout.plan(WEB, own, A));
        assertEquals(List.of("failed"), Rollout.fresh(WEB, own, B).stream().map(x -> x.id).toList(), "never joined the network");
    }

    @Test
    void rolesSayWhichContainerServes() {
        assertEquals(Rollout.OLD, Rollout.role(c("o", "web", A, "running", "healthy", "shop-prod_edge"), WEB.network(), B));
        assertEquals(Rollout.NEW, Rollout.role(c("n", "web", B, "running", "starting", "shop-prod_backend"), WEB.network(), B));
        assertEquals(Rollout.SERVING, Rollout.role(c("n", "web", B, "running", "healthy", "shop-prod_edge"), WEB.network(), B));
        assertEquals(Rollout.LEFT_OVER, Rollout.role(c("f", "web", A, "running", "unhealthy", "shop-prod_backend"), WEB.network(), B));
    }

    /** The health judgement of release dir {@code d} with the containers {@code cs}. */
    private Engine.Observation observe(Path d, List<Container> cs) {
        ComposeEngine engine = new ComposeEngine(new Compose(Compose.Version.V1), null);
        return engine.observe(Running.ofContainers(Map.of("shop-prod", new ArrayList<>(cs))), "shop-prod", d, StackSettings.load(d), Map.of());
    }

    @Test
    void theHealthWaitJudgesTheNewContainersAndKeepsUnchangedOthers() throws IOException {
        Path rel = tmp.resolve("releases");
        Path a = dir("releases/v1__20260101T000000Z", compose(""), ROLLOUT);
        Path b = dir("releases/v2__20260102T000000Z", compose(""), ROLLOUT);
        assertTrue(Files.isDirectory(rel));
        Container old = c("o", "web", a, "running", "healthy", "shop-prod_edge");
        Container db = c("d", "db", a, "running", null, "shop-prod_backend");
        Container starting = c("n", "web", b, "running", "starting", "shop-prod_backend");
        Engine.Observation o = observe(b, List.of(old, db, starting));
        assertEquals(List.of("web is starting"), o.problems(), "the old web beside it and the unchanged db are no problem");
        assertEquals(Rollout.OLD, old.role);
        assertEquals(Rollout.NEW, starting.role);
        assertNull(db.role);
        Container healthy = c("n", "web", b, "running", "healthy", "shop-prod_backend");
        assertEquals(List.of(), observe(b, List.of(old, db, healthy)).problems());
        Container unhealthy = c("n", "web", b, "running", "unhealthy", "shop-prod_backend");
        Engine.Observation bad = observe(b, List.of(old, db, unhealthy));
        assertTrue(bad.settled() && bad.problems().equals(List.of("web is unhealthy")), bad.problems().toString());
        // without a container of the release, the old one belongs to another release: not this release's health
        assertTrue(observe(b, List.of(old, db)).problems().get(0).startsWith("web belongs to another release"));
    }

    @Test
    void withoutTheSettingEveryContainerMustBelongToTheRelease() throws IOException {
        Path a = dir("plain/v1__20260101T000000Z", compose(""), "{}");
        Path b = dir("plain/v2__20260102T000000Z", compose(""), "{}");
        Engine.Observation o = observe(b, List.of(c("d", "db", a, "running", null, "shop-prod_backend"),
                c("n", "web", b, "running", "healthy", "shop-prod_edge")));
        assertEquals(1, o.problems().size());
        assertTrue(o.problems().get(0).startsWith("db belongs to another release"), o.problems().toString());
    }

    @Test
    void swarmStacksGetStartFirstUpdatesFromASecondFile() {
        assertEquals("# written by seisei-deploy for stack.json \"rollout\": start-first updates\nversion: \"3.8\"\nservices:\n"
                + "  web:\n    deploy:\n      update_config:\n        order: start-first\n", Swarm.rolloutFile("3.8", List.of("web")));
        Path d = Path.of("/srv/releases/stacks/sw-prod/v1__20260101T000000Z");
        assertEquals(List.of("docker", "stack", "deploy", "-c", d + "/docker-compose.yml", "-c", d + "/" + Swarm.ROLLOUT_FILE,
                "--with-registry-auth", "--prune", "sw-prod"), Swarm.stackDeploy("sw-prod", d, d.resolve(Swarm.ROLLOUT_FILE)));
        assertEquals(List.of("docker", "stack", "deploy", "-c", d + "/docker-compose.yml", "--with-registry-auth", "--prune", "sw-prod"),
                Swarm.stackDeploy("sw-prod", d));
    }
}
