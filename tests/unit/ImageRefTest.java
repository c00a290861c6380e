package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.clean.CleanPlan;
import lib.core.Fail;
import lib.core.Json;
import lib.engine.Container;
import lib.engine.Drift;
import lib.engine.Inventory;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.StackSettings;
import lib.registry.ImageResolver;
import lib.registry.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageRefTest {
    @TempDir Path tmp;
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

    /** repository, tag, digest as written; host, path, canonical. */
    static void parses(String text, String repository, String tag, String digest, String host, String path, String canonical) {
        ImageRef r = ImageRef.parse(text);
        assertEquals(List.of(repository, String.valueOf(tag), String.valueOf(digest)), List.of(r.repository, String.valueOf(r.tag), String.valueOf(r.digest)), text);
        assertEquals(List.of(host, path, canonical), List.of(r.host(), r.path(), r.canonical()), text);
        assertEquals(text.strip(), r.ref);
    }

    @Test
    void parsesEveryFormAndSpellsItOutAsDockerDoes() {
        parses("busybox", "busybox", null, null, "docker.io", "library/busybox", "docker.io/library/busybox:latest");
        parses("busybox:1.36", "busybox", "1.36", null, "docker.io", "library/busybox", "docker.io/library/busybox:1.36");
        parses("docker.io/library/busybox", "docker.io/library/busybox", null, null, "docker.io", "library/busybox", "docker.io/library/busybox:latest");
        parses("docker.io/busybox", "docker.io/busybox", null, null, "docker.io", "library/busybox", "docker.io/library/busybox:latest");
        parses("index.docker.io/library/busybox:latest", "index.docker.io/library/busybox", "latest", null, "docker.io", "library/busybox",
                "docker.io/library/busybox:latest");
        parses("registry-1.docker.io/library/busybox", "registry-1.docker.io/library/busybox", null, null, "docker.io", "library/busybox",
                "docker.io/library/busybox:latest");
        parses("user/app", "user/app", null, null, "docker.io", "user/app", "docker.io/user/app:latest");
        parses("library/nginx:1.25", "library/nginx", "1.25", null, "docker.io", "library/nginx", "docker.io/library/nginx:1.25");
        parses("localhost/app", "localhost/app", null, null, "localhost", "app", "localhost/app:latest");
        parses("localhost:5000/app:v1", "localhost:5000/app", "v1", null, "localhost:5000", "app", "localhost:5000/app:v1");
        parses("127.0.0.1:5000/seisei/app", "127.0.0.1:5000/seisei/app", null, null, "127.0.0.1:5000", "seisei/app",
                "127.0.0.1:5000/seisei/app:latest");
        parses("ghcr.io/org/app:1.2@" + D1, "ghcr.io/org/app", "1.2", D1, "ghcr.io", "org/app", "ghcr.io/org/app@" + D1);
        parses(" [::1]:5000/app@" + D2 + " ", "[::1]:5000/app", null, D2, "[::1]:5000", "app", "[::1]:5000/app@" + D2);
        parses("Registry/app", "Registry/app", null, null, "Registry", "app", "Registry/app:latest");
        assertNull(ImageRef.parse(null));
        assertNull(ImageRef.parse("  "));
    }

    @Test
    void sameImageAndSameRepositoryUnderEverySpelling() {
        List<String> busybox = List.of("busybox", "busybox:latest", "docker.io/busybox", "docker.io/library/busybox:latest",
                "index.docker.io/library/busybox", "registry-1.docker.io/library/busybox:latest", "library/busybox");
        for (String a : busybox) for (String b : busybox) {
            assertTrue(ImageRef.sameImage(a, b), a + " / " + b);
            assertTrue(ImageRef.sameRepository(a, b), a + " / " + b);
        }
        assertTrue(ImageRef.sameImage("user/app:1", "docker.io/user/app:1"));
        assertTrue(ImageRef.sameImage("r.example.com/app:v1@" + D1, "r.example.com/app@" + D1), "a tag beside a digest changes nothing");
        assertFalse(ImageRef.sameImage("r.example.com/app:v1", "r.example.com/app@" + D1));
        assertFalse(ImageRef.sameImage("nginx:1.25", "nginx:1.26"));
        assertFalse(ImageRef.sameRepository("user/app", "library/app"));
        assertFalse(ImageRef.sameRepository("localhost/app", "app"));
        assertFalse(ImageRef.sameRepository("r.example.com/app", "r.example.com:443/app"));
        assertFalse(ImageRef.sameRepository("r.example.com/app", "${IMAGE_REF}"));
        assertFalse(ImageRef.sameRepository("r.example.com/app", null));
        assertFalse(ImageRef.sameImage(null, null));
    }

    /** Before: Registry.locate("docker.io/busybox") asked for path "busybox" while Drift said docker.io/library/busybox. */
    @Test
    void theRegistryClientAndTheComparisonsAgreeOnEveryPair() {
        List<String> repos = List.of("busybox", "docker.io/busybox", "docker.io/library/busybox", "index.docker.io/busybox",
                "user/app", "docker.io/user/app", "index.docker.io/user/app", "localhost/app", "localhost:5000/app",
                "127.0.0.1:5000/app", "ghcr.io/org/app", "ghcr.io/org/app/sub");
        for (String a : repos) {
            for (String b : repos) {
                boolean located = Registry.locate(a).equals(Registry.locate(b));
                assertEquals(located, ImageRef.sameRepository(a, b), a + " / " + b);
                assertEquals(located, Drift.compute(null, null, Map.of("IMAGE_REF", new ImageRef(a, "t", D1)),
                        List.of(container(b + "@" + D1))).isEmpty(), "drift of " + a + " / " + b);
            }
        }
        assertEquals(new Registry.Location("registry-1.docker.io", "library/busybox", "https"), Registry.locate("docker.io/busybox"));
        assertEquals(new Registry.Location("registry-1.docker.io", "library/busybox", "https"), Registry.locate("index.docker.io/busybox"));
        assertEquals(new Registry.Location("localhost", "app", "http"), Registry.locate("localhost/app"));
    }

    static Container container(String image) {
        Container c = new Container();
        c.name = "c";
        c.service = "web";
        c.image_ref = image;
        c.state = "running";
        return c;
    }

    /**
     * Before: clean-images compared docker's own spelling (redis:7) with the spelling of release.json
     * as written, so a release of docker.io/library/redis left its old images out of the clean, and a
     * container created from registry-1.docker.io/library/redis did not protect its image.
     */
    @Test
    void cleanImagesSeesEverySpellingOfAHubRepository() {
        String id = "web__20260101T000000Z";
        CleanPlan.Dir dir = CleanPlan.Dir.release(id, Map.of("IMAGE_REF", new ImageRef("docker.io/library/redis", "7", D1)), 1);
        CleanPlan.StackInput web = new CleanPlan.StackInput("web", id, null, 10, List.of(dir), Set.of());
        Inventory.Image pinned = new Inventory.Image("sha256:p", List.of("redis:7"), List.of("redis@" + D1), 10, null);
        Inventory.Image old = new Inventory.Image("sha256:o", List.of("redis:6"), List.of("redis@" + D2), 10, null);
        Inventory.Image used = new Inventory.Image("sha256:u", List.of("redis:5"), List.of(), 10, null);
        List<CleanPlan.Use> uses = List.of(new CleanPlan.Use("c1", "cache", "sha256:other", "registry-1.docker.io/library/redis:5"));
        CleanPlan p = CleanPlan.plan(List.of(web), Set.of(CleanPlan.key("web", id)), List.of(pinned, old, used), uses, null,
                CleanPlan.Mode.RELEASES_AND_IMAGES, java.time.Instant.EPOCH);
        Map<String, String> actions = new LinkedHashMap<>();
        for (CleanPlan.ImageItem i : p.images) actions.put(i.id, i.action + ": " + i.reason);
        assertEquals(Map.of("sha256:o", "delete: no kept release or container uses it", "sha256:p", "keep: pinned by kept release web/" + id,
                "sha256:u", "keep: used by container cache"), actions);
    }

    /** Before: the repository of "repo:tag@digest" in a digest file was "repo:tag", and stack.json's "busybox" did not match "docker.io/library/busybox". */
    @Test
    void digestFilesReadTheirReferencesWithTheSameRules() throws Exception {
        DigestManifest.Entry e = new DigestManifest.Entry();
        e.ref = "127.0.0.1:5000/app:sha-abc@" + D1;
        assertEquals("127.0.0.1:5000/app", e.repository());
        e.ref = "127.0.0.1:5000/app:sha-abc";
        assertNull(e.repository(), "not pinned");
        Path f = tmp.resolve("d.json");
        Files.writeString(f, "{\"git_sha\":\"x\",\"images\":{\"b\":{\"tag\":\"sha-abc\",\"ref\":\"docker.io/library/busybox@" + D1
                + "\",\"digest\":\"" + D1 + "\"}}}");
        Path stack = Files.createDirectories(tmp.resolve("stack"));
        Files.writeString(stack.resolve("stack.json"), "{\"images\":[{\"var\":\"IMAGE_REF\",\"repository\":\"busybox\"}]}");
        Map<String, ImageRef> got = ImageResolver.resolve(StackSettings.load(stack), "sha-abc", f, null, () -> null);
        assertEquals("docker.io/library/busybox@" + D1, got.get("IMAGE_REF").ref, "the digest file's spelling goes into .env");
        Files.writeString(f, "{\"git_sha\":\"x\",\"images\":{\"b\":{\"tag\":\"sha-abc\",\"ref\":\"r.example.com/app:v1@" + D1
                + "\",\"digest\":\"" + D1 + "\"}}}");
        Fail bad = assertThrows(Fail.class, () -> DigestManifest.load(f));
        assertTrue(bad.getMessage().contains("is not <repository>@" + D1), bad.getMessage());
    }

    @Test
    void pinnedReferencesAndContainers() {
        ImageRef p = ImageRef.parsePinned("r.example.com/app:v1@" + D1, null);
        assertEquals(List.of("r.example.com/app", "v1", D1, "r.example.com/app@" + D1), List.of(p.repository, p.tag, p.digest, p.ref));
        assertEquals("sha-1", ImageRef.parsePinned("r.example.com/app@" + D1, "sha-1").tag);
        assertNull(ImageRef.parsePinned("r.example.com/app:v1", null));
        assertNull(ImageRef.parsePinned("r.example.com/app@sha256:short", null));
        assertNull(ImageRef.parsePinned("@" + D1, null));
        assertThrows(Fail.class, () -> ImageRef.parsePinned("Bad Repo@" + D1, null));
        Container c = container("r.example.com/app:v1@" + D1);
        assertEquals(D1, c.pinnedDigest());
        assertNull(container("r.example.com/app:v1").pinnedDigest());
        assertNull(container(null).pinnedDigest());
    }

    @Test
    void theJsonShapeOfAPinnedImageIsUnchanged() {
        ImageRef r = new ImageRef("127.0.0.1:5000/app", "v1", D1);
        String json = Json.line(r);
        assertEquals("{\"repository\":\"127.0.0.1:5000/app\",\"tag\":\"v1\",\"digest\":\"" + D1 + "\",\"ref\":\"127.0.0.1:5000/app@" + D1 + "\"}", json);
        ImageRef back = Json.MAPPER.convertValue(Json.tree(json), ImageRef.class);
        assertEquals(json, Json.line(back));
    }

    @Test
    void thePrimaryImageIsImageRefElseTheFirst() {
        Map<String, String> m = new LinkedHashMap<>();
        assertNull(ImageRef.primary(m));
        assertNull(ImageRef.primary(null));
        m.put("DB_IMAGE", "db");
        m.put("WEB_IMAGE", "web");
        assertEquals("db", ImageRef.primary(m));
        m.put("IMAGE_REF", "app");
        assertEquals("app", ImageRef.primary(m));
    }

    @Test
    void shortDigestsKeepTheAlgorithmAndTwelveHexDigits() {
        assertEquals("sha256:111111111111", ImageRef.shortDigest(D1));
        assertEquals("sha256:abc", ImageRef.shortDigest("sha256:abc"));
        assertNull(ImageRef.shortDigest(null));
        List<String> all = new ArrayList<>();
        for (String d : List.of(D1, D2)) all.add(ImageRef.shortDigest(d));
        assertTrue(D2.startsWith(all.get(1)), "a prefix of the digest");
    }
}
