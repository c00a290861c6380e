package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lib.core.Fail;
import lib.model.ImageRef;
import lib.registry.ImageResolver;
import lib.registry.Registry;
import lib.model.StackSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTest {
    @TempDir Path tmp;
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);

    @Test
    void locatesRegistriesAndPlainHttpOnlyOnLoopback() {
        assertEquals(new Registry.Location("ghcr.io", "org/app", "https"), Registry.locate("ghcr.io/org/app"));
        assertEquals(new Registry.Location("127.0.0.1:5000", "t/app", "http"), Registry.locate("127.0.0.1:5000/t/app"));
        assertEquals(new Registry.Location("localhost:5000", "app", "http"), Registry.locate("localhost:5000/app"));
        assertEquals(new Registry.Location("registry-1.docker.io", "library/redis", "https"), Registry.locate("redis"));
        assertEquals(new Registry.Location("registry-1.docker.io", "org/app", "https"), Registry.locate("org/app"));
        assertEquals("https", Registry.locate("10.0.0.1:5000/app").scheme());
        assertEquals("https", Registry.locate("127.example.com/app").scheme());
        assertTrue(Registry.isLoopback("127.1.2.3:80"));
        assertFalse(Registry.isLoopback("128.0.0.1"));
    }

    @Test
    void tagPagesFollowTheLinkHeaderOnTheSameRegistryOnly() {
        Registry.Location loc = Registry.locate("127.0.0.1:5000/t/app");
        assertEquals("http://127.0.0.1:5000/v2/t/app/tags/list?last=v9&n=100",
                Registry.nextPage(loc, "</v2/t/app/tags/list?last=v9&n=100>; rel=\"next\""));
        assertEquals("http://127.0.0.1:5000/v2/t/app/tags/list?n=1", Registry.nextPage(loc, "<http://127.0.0.1:5000/v2/t/app/tags/list?n=1>; rel=next"));
        assertNull(Registry.nextPage(loc, "<https://elsewhere.example.com/v2/t/app/tags/list>; rel=\"next\""));
        assertNull(Registry.nextPage(loc, null));
        assertNull(Registry.nextPage(loc, "</v2/t/app/tags/list?n=1>; rel=\"prev\""));
    }

    @Test
    void sha256OfExactBody() {
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Registry.sha256(new byte[0]));
    }

    static StackSettings settings(String json) throws Exception {
        Path d = Files.createTempDirectory("st");
        if (json != null) Files.writeString(d.resolve("stack.json"), json);
        return StackSettings.load(d);
    }

    @Test
    void digestFileChoosesEntriesByNameOrRepository() throws Exception {
        Path f = tmp.resolve("d.json");
        Files.writeString(f, "{\"git_sha\":\"x\",\"images\":{"
                + "\"seisei-odoo18\":{\"tag\":\"sha-abc\",\"ref\":\"ghcr.io/o/odoo@" + D1 + "\",\"digest\":\"" + D1 + "\"},"
                + "\"seisei-ocr\":{\"tag\":\"sha-abc\",\"ref\":\"ghcr.io/o/ocr@" + D2 + "\",\"digest\":\"" + D2 + "\"}}}");
        StackSettings two = settings("{\"images\":[{\"name\":\"seisei-odoo18\",\"var\":\"IMAGE_REF\"},"
                + "{\"var\":\"OCR_IMAGE_REF\",\"repository\":\"ghcr.io/o/ocr\"}]}");
        Map<String, ImageRef> m = ImageResolver.resolve(two, "sha-abc", f, null, () -> { throw new AssertionError("no registry"); });
        assertEquals("ghcr.io/o/odoo@" + D1, m.get("IMAGE_REF").ref);
        assertEquals(D2, m.get("OCR_IMAGE_REF").digest);
        assertThrows(Fail.class, () -> ImageResolver.resolve(two, "sha-other", f, null, () -> null));
        StackSettings bare = settings(null);
        assertThrows(Fail.class, () -> ImageResolver.resolve(bare, "sha-abc", f, null, () -> null), "ambiguous");
        assertEquals(D2, ImageResolver.resolve(bare, "sha-abc", f, "ghcr.io/o/ocr", () -> null).get("IMAGE_REF").digest);
    }

    @Test
    void withoutDigestFileTheRegistryIsAskedForTheRepository() throws Exception {
        StackSettings bare = settings(null);
        Fail f = assertThrows(Fail.class, () -> ImageResolver.resolve(bare, "v1", null, null, () -> null));
        assertTrue(f.getMessage().contains("--image"));
        StackSettings named = settings("{\"images\":[{\"repository\":\"ghcr.io/o/app\"}]}");
        assertThrows(Fail.class, () -> ImageResolver.resolve(named, "v1", null, "ghcr.io/o/other", () -> null));
    }
}
