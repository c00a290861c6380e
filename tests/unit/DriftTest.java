package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.engine.Container;
import lib.engine.Drift;
import lib.model.ImageRef;
import org.junit.jupiter.api.Test;

class DriftTest {
    static final String REPO = "127.0.0.1:5000/seisei/app";
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String PINNED = REPO + "@" + D1;

    static Container c(String name, String service, String image) {
        Container c = new Container();
        c.name = name;
        c.service = service;
        c.image_ref = image;
        c.state = "running";
        return c;
    }

    static Map<String, ImageRef> pins() {
        return Map.of("IMAGE_REF", new ImageRef(REPO, "v1", D1));
    }

    static Map<String, String> services(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void noDriftWhenEveryServiceRunsItsImage() {
        var s = services("web", PINNED, "db", "postgres:16");
        var d = Drift.compute(s, Set.of(), pins(), List.of(c("w1", "web", PINNED), c("w2", "web", PINNED), c("db1", "db", "postgres:16")));
        assertEquals(List.of(), d);
    }

    @Test
    void containerReplacedByHandWithAnotherImage() {
        var d = Drift.compute(services("web", PINNED), Set.of(), pins(), List.of(c("hand", "web", REPO + ":v2")));
        assertEquals(1, d.size());
        assertEquals(Drift.REPLACED, d.get(0).kind);
        assertEquals("web", d.get(0).service);
        assertEquals("hand", d.get(0).container);
        assertEquals(PINNED, d.get(0).expected);
        assertEquals(REPO + ":v2", d.get(0).actual);
        assertTrue(d.get(0).message.contains("hand"), d.get(0).message);
    }

    @Test
    void otherDigestOfTheSameRepositoryIsDrift() {
        var d = Drift.compute(services("web", PINNED), Set.of(), pins(), List.of(c("w", "web", REPO + "@" + D2)));
        assertEquals(List.of(Drift.REPLACED), d.stream().map(x -> x.kind).toList());
    }

    @Test
    void thirdPartyImageReplacedIsDriftToo() {
        var d = Drift.compute(services("web", PINNED, "db", "postgres:16"), Set.of(), pins(),
                List.of(c("w", "web", PINNED), c("db1", "db", "postgres:17")));
        assertEquals(1, d.size());
        assertEquals("db", d.get(0).service);
    }

    @Test
    void missingServiceAndExtraContainers() {
        var d = Drift.compute(services("web", PINNED, "worker", PINNED), Set.of(), pins(),
                List.of(c("w", "web", PINNED), c("x", "cron", "busybox"), c("y", null, "busybox")));
        assertEquals(List.of(Drift.EXTRA, Drift.EXTRA, Drift.MISSING), d.stream().map(x -> x.kind).toList());
        assertEquals("worker", d.get(2).service);
        assertEquals("x", d.get(0).container);
        assertEquals("y", d.get(1).container);
    }

    @Test
    void optionalServicesMayBeAbsent() {
        var d = Drift.compute(services("web", PINNED, "debug", "busybox"), Set.of("debug"), pins(), List.of(c("w", "web", PINNED)));
        assertEquals(List.of(), d);
    }

    @Test
    void releaseThatDoesNotRunThePinnedImage() {
        String other = REPO + "@" + D2;
        var d = Drift.compute(services("web", other), Set.of(), pins(), List.of(c("w", "web", other)));
        assertEquals(List.of(Drift.RELEASE, Drift.RELEASE), d.stream().map(x -> x.kind).toList());
        assertTrue(d.get(0).message.contains("IMAGE_REF"), d.get(0).message);
    }

    @Test
    void withoutTheReleaseContainersAreComparedWithThePins() {
        var ok = Drift.compute(null, null, pins(), List.of(c("w", "web", PINNED), c("db", "db", "postgres:16")));
        assertEquals(List.of(), ok);
        var replaced = Drift.compute(null, null, pins(), List.of(c("w", "web", REPO + ":v2")));
        assertEquals(List.of(Drift.REPLACED, Drift.MISSING), replaced.stream().map(x -> x.kind).toList());
        var none = Drift.compute(null, null, pins(), List.of());
        assertEquals(List.of(Drift.MISSING), none.stream().map(x -> x.kind).toList());
    }

    @Test
    void referencesAreComparedInCanonicalForm() {
        var s = services("web", PINNED, "db", "postgres:16", "cache", "library/redis", "proxy", "org/proxy:1");
        var running = List.of(c("w", "web", REPO + ":v1@" + D1), c("d", "db", "docker.io/library/postgres:16"),
                c("r", "cache", "index.docker.io/library/redis:latest"), c("p", "proxy", "docker.io/org/proxy:1"));
        assertEquals(List.of(), Drift.compute(s, Set.of(), pins(), running));
        var other = Drift.compute(services("db", "postgres:16"), Set.of(), Map.of(), List.of(c("d", "db", "postgres:17")));
        assertEquals(List.of(Drift.REPLACED), other.stream().map(x -> x.kind).toList());
        var byTag = Drift.compute(services("web", PINNED), Set.of(), pins(), List.of(c("w", "web", REPO + ":v1")));
        assertEquals(List.of(Drift.REPLACED), byTag.stream().map(x -> x.kind).toList(), "a tag is not the pinned digest");
    }
}
