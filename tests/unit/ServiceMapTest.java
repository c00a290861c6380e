package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lib.core.Exit;
import lib.core.Fail;
import lib.build.ServiceMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceMapTest {
    @TempDir Path top;

    private ServiceMap map(String json) {
        Path f = top.resolve(ServiceMap.DEFAULT_FILE);
        try {
            Files.writeString(f, json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return ServiceMap.load(f);
    }

    private Fail refused(Runnable r) {
        Fail f = assertThrows(Fail.class, r::run);
        assertEquals(Exit.USAGE, f.code, f.getMessage());
        assertFalse(f.oneLine().contains("\n"));
        return f;
    }

    @Test
    void resolvesPathsAndDefaults() throws Exception {
        Files.createDirectories(top.resolve("odoo18"));
        Files.writeString(top.resolve("odoo18/Dockerfile"), "FROM scratch\n");
        Files.createDirectories(top.resolve("infra/web"));
        Files.writeString(top.resolve("infra/web/Dockerfile.prod"), "FROM scratch\n");
        ServiceMap m = map("{\"registry\": \"ghcr.io/acme/\", \"services\": {"
                + "\"odoo18\": {\"image\": \"seisei-odoo18\", \"context\": \"odoo18\", \"build_args\": {\"B\": \"2\", \"A\": \"1\"}},"
                + "\"web\": {\"image\": \"www\", \"dockerfile\": \"infra/web/Dockerfile.prod\"}}}");
        assertEquals("ghcr.io/acme", m.registry);
        assertEquals(java.util.List.of("odoo18", "web"), m.names());
        Path real = top.toRealPath();
        var o = m.service("odoo18", top);
        assertEquals("seisei-odoo18", o.image());
        assertEquals(real.resolve("odoo18"), o.context());
        assertEquals(real.resolve("odoo18/Dockerfile"), o.dockerfile());
        assertEquals(java.util.List.of("B", "A"), java.util.List.copyOf(o.buildArgs().keySet()));
        var w = m.service("web", top);
        assertEquals(real, w.context());
        assertEquals(real.resolve("infra/web/Dockerfile.prod"), w.dockerfile());
        assertEquals(Map.of(), w.buildArgs());
    }

    @Test
    void refusesBadMaps() throws Exception {
        Files.writeString(top.resolve("Dockerfile"), "FROM scratch\n");
        Path outside = Files.createTempDirectory("outside");
        Files.writeString(outside.resolve("Dockerfile"), "FROM scratch\n");
        Files.createSymbolicLink(top.resolve("link"), outside);
        assertTrue(refused(() -> ServiceMap.load(top.resolve("missing.json"))).getMessage().contains("not found"));
        refused(() -> map("{not json"));
        String[] bad = {
                "[]",
                "{\"services\": {}}",
                "{\"services\": {\"Bad Name\": {\"image\": \"x\"}}}",
                "{\"services\": {\"a\": {\"image\": \"x\"}}, \"extra\": 1}",
                "{\"registry\": \"not a registry\", \"services\": {\"a\": {\"image\": \"x\"}}}",
        };
        for (String json : bad) refused(() -> map(json));
        ServiceMap m = map("{\"services\": {"
                + "\"ok\": {\"image\": \"app\"},"
                + "\"noimage\": {\"context\": \".\"},"
                + "\"badimage\": {\"image\": \"App:1\"},"
                + "\"typo\": {\"image\": \"app\", \"dockerFile\": \"Dockerfile\"},"
                + "\"escape\": {\"image\": \"app\", \"context\": \"../\"},"
                + "\"absolute\": {\"image\": \"app\", \"dockerfile\": \"/etc/passwd\"},"
                + "\"via-link\": {\"image\": \"app\", \"context\": \"link\"},"
                + "\"nodockerfile\": {\"image\": \"app\", \"dockerfile\": \"nope/Dockerfile\"},"
                + "\"badarg\": {\"image\": \"app\", \"build_args\": {\"1X\": \"v\"}},"
                + "\"objarg\": {\"image\": \"app\", \"build_args\": {\"X\": {\"a\": 1}}}}}");
        assertEquals("app", m.service("ok", top).image());
        assertTrue(refused(() -> m.service("nope", top)).getMessage().contains("unknown service 'nope'"));
        for (String s : new String[] {"noimage", "badimage", "typo", "escape", "absolute", "via-link", "nodockerfile", "badarg", "objarg"})
            refused(() -> m.service(s, top));
        assertTrue(refused(() -> m.service("nodockerfile", top)).getMessage().contains("Dockerfile nope/Dockerfile not found"));
        assertTrue(refused(() -> m.service("escape", top)).getMessage().contains("leaves the checkout"));
        assertTrue(refused(() -> m.service("via-link", top)).getMessage().contains("through a link"));
        Files.delete(top.resolve("link"));
        Files.delete(outside.resolve("Dockerfile"));
        Files.delete(outside);
    }

    @Test
    void theDefaultMapMustBePartOfTheCheckoutAndADeviceIsNeverRead() throws Exception {
        Path outside = Files.createTempDirectory("outside");
        try {
            Files.writeString(outside.resolve("map.json"), "{\"services\": {\"a\": {\"image\": \"x\"}}}");
            Path file = top.resolve(ServiceMap.DEFAULT_FILE);
            assertEquals(file, ServiceMap.defaultFile(top), "absent: loading it says it is missing");
            Files.createDirectories(top.resolve("config"));
            Files.copy(outside.resolve("map.json"), top.resolve("config/map.json"));
            Files.createSymbolicLink(file, Path.of("config/map.json"));
            assertEquals(file, ServiceMap.defaultFile(top), "a link inside the checkout is part of it");
            Files.delete(file);
            Files.createSymbolicLink(file, outside.resolve("map.json"));
            assertTrue(refused(() -> ServiceMap.defaultFile(top)).getMessage().contains("outside the checkout"));
            assertTrue(refused(() -> ServiceMap.load(Path.of("/dev/zero"))).getMessage().contains("not a regular file"));
            assertTrue(refused(() -> ServiceMap.load(outside)).getMessage().contains("not a regular file"));
        } finally {
            Files.deleteIfExists(top.resolve(ServiceMap.DEFAULT_FILE));
            Files.deleteIfExists(outside.resolve("map.json"));
            Files.delete(outside);
        }
    }
}
