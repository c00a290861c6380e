package unit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import lib.engine.Compose;
import lib.engine.ComposeEngine;
import lib.engine.Docker;
import lib.engine.Health;
import lib.engine.SwarmEngine;
import org.junit.jupiter.api.Test;

class ComposeTest {
    static final Path DIR = Path.of("/srv/releases/stacks/web-prod/v1__20260131T120000Z");
    static final List<String> V1 = List.of("docker-compose", "--ansi", "never", "-p", "web-prod", "--project-directory",
            DIR.toString(), "-f", DIR + "/docker-compose.yml");
    static final List<String> V2 = List.of("docker", "compose", "--ansi", "never", "-p", "web-prod", "--project-directory",
            DIR.toString(), "-f", DIR + "/docker-compose.yml");
    final Compose v1 = new Compose(Compose.Version.V1);
    final Compose v2 = new Compose(Compose.Version.V2);

    static List<String> plus(List<String> base, String... more) {
        var l = new java.util.ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    @Test
    void pull() {
        assertEquals(plus(V1, "pull"), v1.pull("web-prod", DIR));
        assertEquals(plus(V2, "pull"), v2.pull("web-prod", DIR));
    }

    @Test
    void up() {
        assertEquals(plus(V1, "up", "-d", "--force-recreate", "--remove-orphans"), v1.up("web-prod", DIR));
        assertEquals(plus(V2, "up", "-d", "--force-recreate", "--remove-orphans"), v2.up("web-prod", DIR));
    }

    @Test
    void startFirstRolloutBuilders() {
        assertEquals(plus(V1, "up", "-d", "--no-deps", "--remove-orphans", "proxy", "db"), v1.upServices("web-prod", DIR, List.of("proxy", "db")));
        assertEquals(plus(V2, "up", "-d", "--no-deps", "--remove-orphans", "proxy", "db"), v2.upServices("web-prod", DIR, List.of("proxy", "db")));
        var scale = new java.util.LinkedHashMap<String, Integer>();
        scale.put("web", 2);
        scale.put("api", 4);
        List<String> tail = List.of("up", "--no-start", "--no-deps", "--no-recreate", "--remove-orphans", "--scale", "web=2", "--scale", "api=4",
                "web", "api");
        assertEquals(plus(V1, tail.toArray(String[]::new)), v1.createBeside("web-prod", DIR, scale));
        assertEquals(plus(V2, tail.toArray(String[]::new)), v2.createBeside("web-prod", DIR, scale));
        assertEquals(List.of("docker", "network", "connect", "--alias", "web", "web-prod_edge", "c1"), Docker.networkConnect("web-prod_edge", "web", "c1"));
        assertEquals(List.of("docker", "network", "disconnect", "web-prod_edge", "c1"), Docker.networkDisconnect("web-prod_edge", "c1"));
    }

    @Test
    void down() {
        assertEquals(plus(V1, "down", "--remove-orphans"), v1.down("web-prod", DIR));
        assertEquals(plus(V2, "down", "--remove-orphans"), v2.down("web-prod", DIR));
    }

    @Test
    void dockerBuilders() {
        assertEquals(List.of("docker", "ps", "-a", "--no-trunc", "--filter", "label=com.docker.compose.project", "--format",
                "{{.ID}}\t{{.Label \"com.docker.compose.project\"}}\t{{.Label \"com.docker.compose.project.working_dir\"}}"
                        + "\t{{.Label \"com.docker.compose.service\"}}\t{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Status}}\t{{.Networks}}"),
                Docker.composeContainers());
        assertEquals(List.of("docker", "image", "inspect", "--format", "{{.Id}}", "a@sha256:1", "postgres:16"),
                Docker.imageInspectIds(List.of("a@sha256:1", "postgres:16")));
        assertEquals(List.of("docker", "inspect", "--type", "container", "a", "b"), Docker.inspect(List.of("a", "b")));
        assertEquals(List.of("docker", "logs", "--tail", "50", "c1"), Docker.logs("c1", 50));
        assertEquals(List.of("docker", "pull", "r@sha256:x"), Docker.pull("r@sha256:x"));
    }

    @Test
    void healthWaitFollowsTheStacksContainerEventsWithoutHealthcheckExecs() {
        List<String> compose = new ComposeEngine(v1, null).events("web-prod", "1700000000.005", "1700000125.005");
        assertEquals(List.of("docker", "events", "--since", "1700000000.005", "--until", "1700000125.005", "--filter", "type=container",
                "--filter", "label=com.docker.compose.project=web-prod", "--filter", "event=start", "--filter", "event=die",
                "--filter", "event=destroy", "--filter", "event=health_status", "--format", "{{.Action}} {{.Actor.ID}}"), compose);
        assertEquals(compose, new ComposeEngine(v2, null).events("web-prod", "1700000000.005", "1700000125.005"));
        List<String> swarm = new SwarmEngine(null).events("web-prod", "1700000000.005", "1700000125.005");
        assertEquals(compose.stream().map(a -> a.replace("com.docker.compose.project", "com.docker.stack.namespace")).toList(), swarm);
        assertEquals("1700000000.005", Health.since(1_700_000_000_005L));
        assertEquals("1700000001.250", Health.since(1_700_000_001_250L));
    }
}
