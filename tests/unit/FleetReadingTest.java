package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.engine.Images;
import lib.engine.Running;
import lib.engine.SwarmServices;
import org.junit.jupiter.api.Test;

/** The pure parts of reading many stacks at once: which container belongs to which stack, which images are missing. */
class FleetReadingTest {
    static final Path ROOT = Path.of("/srv");

    static Map<String, Path> homes(String... stacks) {
        Map<String, Path> m = new HashMap<>();
        for (String s : stacks) m.put(s, ROOT.resolve("releases/stacks").resolve(s));
        return m;
    }

    @Test
    void containersBelongToTheirProjectOrToTheStackWhoseReleasesHoldTheirWorkingDir() {
        String listing = String.join("\n",
                "id1\tweb-staging\t/srv/releases/stacks/web-staging/v2__20260101T000000Z\tweb\tn\ti\trunning\tUp",
                "id2\tsha-abc1234__20250101t000000z\t/srv/releases/stacks/odoo-prod/sha-abc1234__20250101T000000Z",
                "id3\tsomeone-else\t/home/me/project",
                "id4\tv1__20250101t000000z\t/srv/releases/stacks/unknown-staging/v1__20250101T000000Z",
                "id5\tweird\t/srv/releases/stacks/web-staging",
                "id6\tdeep\t/srv/releases/stacks/web-staging/v1__20250101T000000Z/config/../sub",
                "id7\tnolabel\t",
                "");
        List<Running.Listed> l = Running.parseListing(listing);
        assertEquals(7, l.size());
        assertEquals(new Running.Listed("id7", "nolabel", "", "", "", "", "", "", ""), l.get(6));
        Map<String, String> owners = Running.owners(l, homes("web-staging", "odoo-prod"));
        assertEquals(Map.of("id1", "web-staging", "id2", "odoo-prod", "id6", "web-staging"), owners);
        assertEquals(List.of("id1", "id2", "id6"), List.copyOf(owners.keySet()));
        // a stack asked about without a home has only its own project
        Map<String, Path> noHome = new HashMap<>();
        noHome.put("odoo-prod", null);
        assertEquals(Map.of(), Running.owners(l, noHome));
    }

    /** Lines of `docker ps --format` with Docker.composeContainers()'s template, captured from engine 20.10. */
    @Test
    void readsStateHealthAndExitCodeFromTheListing() {
        String D = "sha256:" + "e".repeat(64);
        String out = String.join("\n",
                "c1\tweb-staging\t/srv/releases/stacks/web-staging/v1__20260101T000000Z\tweb\tweb-staging_web_1\tapp@" + D
                        + "\trunning\tUp 10 minutes (healthy)",
                "c2\tweb-staging\t\tworker\tweb-staging_worker_1,other/alias\tapp:1\trunning\tUp Less than a second (health: starting)",
                "c3\tweb-staging\t\tdb\tweb-staging_db_1\tpostgres:16\texited\tExited (137) 3 seconds ago",
                "c4\tweb-staging\t\t\tby-hand\t" + D + "\trunning\tUp 2 hours (unhealthy)",
                "c5\tweb-staging\t\tx\tx\tx:1\tcreated\tCreated",
                "c6\tweb-staging\t\tx\ty\tx:1\trestarting\tRestarting (1) 2 seconds ago",
                "");
        List<lib.engine.Container> cs = Running.parseListing(out).stream().map(lib.engine.Container::listed).toList();
        assertEquals("healthy", cs.get(0).health);
        assertEquals("/srv/releases/stacks/web-staging/v1__20260101T000000Z", cs.get(0).working_dir);
        assertEquals("web", cs.get(0).service);
        assertEquals("app@" + D, cs.get(0).image_ref);
        assertFalse(cs.get(0).imageShownById());
        assertEquals("starting", cs.get(1).health);
        assertEquals("web-staging_worker_1", cs.get(1).name);
        assertNull(cs.get(1).working_dir);
        assertEquals("exited", cs.get(2).state);
        assertEquals(137, cs.get(2).exit_code);
        assertNull(cs.get(2).health);
        assertEquals("unhealthy", cs.get(3).health);
        assertNull(cs.get(3).service);
        assertTrue(cs.get(3).imageShownById());
        assertEquals("created", cs.get(4).state);
        assertEquals(0, cs.get(4).exit_code);
        assertEquals(1, cs.get(5).exit_code);
    }

    /** Two lines of `docker inspect --format` with Docker.inspectCompose's template, captured from engine 20.10. */
    @Test
    void readsTheCompactInspectOfComposeContainers() {
        String out = "[\"ac79\",\"/sm1-staging_web_1\",\"127.0.0.1:5000/seisei-test/app@sha256:1f4e\",\"sha256:e4b7\","
                + "{\"Dead\":false,\"Error\":\"\",\"ExitCode\":0,\"Health\":{\"FailingStreak\":0,\"Log\":[{\"End\":\"2026-12-01T12:03:22Z\","
                + "\"ExitCode\":1,\"Output\":\"wget: can't connect\\n\",\"Start\":\"2026-12-01T12:03:22Z\"}],\"Status\":\"starting\"},"
                + "\"Running\":true,\"Status\":\"running\"},\"sm1-staging\",\"web\",\"/srv/releases/stacks/sm1-staging/v1__20261201T115638Z\"]\n"
                + "[\"704d\",\"/by-hand\",\"busybox\",\"sha256:aa\",{\"ExitCode\":137,\"Status\":\"exited\"},\"sm1-staging\",null,null]\n";
        List<lib.engine.Container> cs = lib.engine.Container.parseCompose(out);
        assertEquals(2, cs.size());
        lib.engine.Container a = cs.get(0);
        assertEquals("sm1-staging_web_1", a.name);
        assertEquals("web", a.service);
        assertEquals("starting", a.health);
        assertEquals(List.of("exit 1: wget: can't connect"), a.health_log);
        assertEquals("/srv/releases/stacks/sm1-staging/v1__20261201T115638Z", a.working_dir);
        assertEquals("sha256:e4b7", a.image_id);
        lib.engine.Container b = cs.get(1);
        assertEquals("exited", b.state);
        assertEquals(137, b.exit_code);
        assertNull(b.service);
        assertNull(b.health);
        assertNull(b.working_dir);
    }

    @Test
    void missingImagesAreTheOnesTheEngineSaysItDoesNotHave() {
        String stderr = "Error response from daemon: no such image: busybox:1: No such image: busybox:1\n"
                + "Error: No such image: r@sha256:" + "0".repeat(64) + "\n";
        List<String> refs = List.of("busybox:1", "busybox:10", "r@sha256:" + "0".repeat(64), "postgres:16");
        assertEquals(List.of("busybox:1", "r@sha256:" + "0".repeat(64)), Images.missingFrom(refs, stderr));
        assertEquals(List.of(), Images.missingFrom(refs, "Cannot connect to the Docker daemon"));
    }

    @Test
    void swarmServicesOfManyStacksAreToldApartByTheirNamespace() {
        String json = "[" + service("s1", "a-staging", "web") + "," + service("s2", "b-staging", "web") + ","
                + service("s3", "a-staging", "db") + ",{\"ID\":\"s4\",\"Spec\":{\"Name\":\"loose\"}}]";
        Map<String, List<SwarmServices.Service>> by = SwarmServices.parseServicesByStack(json);
        assertEquals(List.of("a-staging", "b-staging"), List.copyOf(by.keySet()));
        assertEquals(List.of("db", "web"), by.get("a-staging").stream().map(s -> s.name).toList());
        assertEquals("b-staging_web", by.get("b-staging").get(0).full_name);
    }

    static String service(String id, String stack, String name) {
        return "{\"ID\":\"" + id + "\",\"Spec\":{\"Name\":\"" + stack + "_" + name + "\",\"Labels\":{\"com.docker.stack.namespace\":\""
                + stack + "\"},\"Mode\":{\"Replicated\":{\"Replicas\":1}},\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x:1\"}}}}";
    }
}
