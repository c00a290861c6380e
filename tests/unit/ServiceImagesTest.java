package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.core.Fail;
import lib.engine.ComposeFile;
import lib.engine.ComposeFile.Rules;
import lib.engine.ServiceImages;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceImagesTest {
    static final String DIGEST = "sha256:" + "a".repeat(64);

    @TempDir Path tmp;

    /** Output of `docker-compose config` (v1.29) for a file with a profile, a build and a literal $. */
    @Test
    void readsTheOutputOfComposeV1Config() {
        String yaml = String.join("\n",
                "networks:",
                "  default:",
                "    image: not-a-service",
                "services:",
                "  db:",
                "    environment:",
                "      POSTGRES_PASSWORD: x$$y",
                "    image: 'postgres:16'",
                "  debug:",
                "    image: busybox",
                "    profiles:",
                "    - debug",
                "  local:",
                "    build:",
                "      context: /src",
                "  web:",
                "    environment:",
                "      PORT: '18080'",
                "      image: nested-not-the-image",
                "    image: 127.0.0.1:5000/seisei-test/app@" + DIGEST,
                "    network_mode: host",
                "  'quoted''name':",
                "    image: \"x/y:1\"",
                "version: '2.4'",
                "volumes:",
                "  data: {}",
                "");
        ServiceImages s = ServiceImages.parseConfigYaml(yaml);
        assertEquals(List.of("db", "debug", "local", "web", "quoted'name"), List.copyOf(s.images().keySet()));
        assertEquals("postgres:16", s.images().get("db"));
        assertEquals("busybox", s.images().get("debug"));
        assertNull(s.images().get("local"));
        assertEquals("127.0.0.1:5000/seisei-test/app@" + DIGEST, s.images().get("web"));
        assertEquals("x/y:1", s.images().get("quoted'name"));
        assertEquals(Set.of("debug"), s.optional());
    }

    /** Output of `docker compose config --format json` (v2), captured. */
    @Test
    void readsTheJsonOfComposeV2() {
        ServiceImages s = ServiceImages.parseJson("{\"name\":\"p\",\"services\":{\"web\":{\"image\":\"a/b@sha256:" + "b".repeat(64)
                + "\"},\"dbg\":{\"image\":\"busybox\",\"profiles\":[\"debug\"]},\"built\":{\"build\":{\"context\":\".\"}}}}");
        assertEquals(3, s.images().size());
        assertEquals("a/b@sha256:" + "b".repeat(64), s.images().get("web"));
        assertNull(s.images().get("built"));
        assertEquals(Set.of("dbg"), s.optional());
    }

    @Test
    void noServices() {
        assertTrue(ServiceImages.parseConfigYaml("services: {}\nversion: '3'\n").images().isEmpty());
        assertTrue(ServiceImages.parseJson("{}").images().isEmpty());
    }

    static String i(String s, Map<String, String> vars, Rules r) {
        return ComposeFile.interpolate(s, vars, r);
    }

    @Test
    void interpolatesAsComposeDoes() {
        Map<String, String> v = new HashMap<>(Map.of("A", "a", "E", "", "IMAGE_REF", "r@" + DIGEST));
        for (Rules r : Rules.values()) {
            assertEquals("r@" + DIGEST, i("${IMAGE_REF}", v, r));
            assertEquals("a-a", i("$A-$A", v, r));
            assertEquals("x$y", i("x$$y", v, r));
            assertEquals("$A", i("$$A", v, r));
            assertEquals("", i("${UNSET}", v, r));
            assertEquals("", i("$UNSET", v, r));
            assertEquals("d", i("${UNSET:-d}", v, r));
            assertEquals("d", i("${E:-d}", v, r));
            assertEquals("", i("${E-d}", v, r));
            assertEquals("d", i("${UNSET-d}", v, r));
            assertEquals("a", i("${A:-d}", v, r));
            assertEquals("postgres:16", i("${DB:-postgres:16}", v, r));
            assertEquals("a", i("${A:?set it}", v, r));
            assertEquals("", i("${E?set it}", v, r));
            Fail missing = assertThrows(Fail.class, () -> i("${UNSET:?set IMAGE}", v, r));
            assertTrue(missing.getMessage().contains("UNSET") && missing.getMessage().contains("set IMAGE"), missing.getMessage());
            assertThrows(Fail.class, () -> i("${E:?}", v, r));
            for (String bad : List.of("$", "a$", "${", "${A", "${}", "${1A}", "$-x", "${A:}", "${A*b}"))
                assertThrows(Fail.class, () -> i(bad, v, r), bad);
            assertEquals("a_b", i("${A}_b", v, r));
            assertEquals("a1", i("$A1x", Map.of("A1x", "a1"), r));
        }
        // v2: nested expressions and +; v1: the default ends at the first } and is taken as written
        assertEquals("a", i("${UNSET:-${A}}", v, Rules.V2));
        assertEquals("${A}", i("${UNSET:-${A}}", v, Rules.V1));
        assertEquals("alt", i("${A:+alt}", v, Rules.V2));
        assertEquals("", i("${E:+alt}", v, Rules.V2));
        assertEquals("alt", i("${E+alt}", v, Rules.V2));
        assertThrows(Fail.class, () -> i("${A:+alt}", v, Rules.V1));
    }

    ServiceImages read(String yaml, String env) throws Exception {
        Files.writeString(tmp.resolve("docker-compose.yml"), yaml);
        Files.writeString(tmp.resolve(".env"), env);
        return ServiceImages.of(tmp, null);
    }

    @Test
    void readsAnchorsAliasesMergeKeysProfilesAndBuilds() throws Exception {
        ServiceImages s = read(String.join("\n",
                "version: '2.4'",
                "x-db: &db postgres:${PG:-16}",
                "x-common: &common",
                "  image: ${IMAGE_REF}",
                "  restart: always",
                "services:",
                "  web:",
                "    <<: *common",
                "    ports: ['80']",
                "  worker: *common",
                "  db:",
                "    image: *db",
                "  debug:",
                "    image: busybox",
                "    profiles: [debug]",
                "  local:",
                "    build: .",
                "  empty:",
                ""), "IMAGE_REF=app@" + DIGEST + "\n# PG=15\n");
        assertEquals(List.of("web", "worker", "db", "debug", "local", "empty"), List.copyOf(s.images().keySet()));
        assertEquals("app@" + DIGEST, s.images().get("web"));
        assertEquals("app@" + DIGEST, s.images().get("worker"));
        assertEquals("postgres:16", s.images().get("db"));
        assertNull(s.images().get("local"));
        assertNull(s.images().get("empty"));
        assertEquals(Set.of("debug"), s.optional());
        assertEquals(List.of("app@" + DIGEST, "postgres:16", "busybox"), s.named());
    }

    @Test
    void followsExtendsInTheFileAndInOtherFiles() throws Exception {
        Files.createDirectories(tmp.resolve("config"));
        Files.writeString(tmp.resolve("config/base.yml"), "services:\n  app:\n    image: ${BASE_IMAGE:-base:1}\n  deeper:\n    extends: app\n");
        ServiceImages s = read(String.join("\n",
                "services:",
                "  base:",
                "    image: ${IMAGE_REF}",
                "  web:",
                "    extends: base",
                "  api:",
                "    extends: {service: base}",
                "  other:",
                "    extends: {file: config/base.yml, service: deeper}",
                "  own:",
                "    extends: base",
                "    image: own:2",
                ""), "IMAGE_REF=app@" + DIGEST + "\nBASE_IMAGE=base:9\n");
        assertEquals("app@" + DIGEST, s.images().get("web"));
        assertEquals("app@" + DIGEST, s.images().get("api"));
        assertEquals("base:9", s.images().get("other"));
        assertEquals("own:2", s.images().get("own"));

        Fail cycle = assertThrows(Fail.class, () -> read("services:\n  a:\n    extends: b\n  b:\n    extends: a\n", ""));
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
        assertThrows(Fail.class, () -> read("services:\n  a:\n    extends: nothing\n", ""));
    }

    @Test
    void refusesWhatComposeRefusesAndSaysWhatItDoesNotFollow() throws Exception {
        assertThrows(Fail.class, () -> read("services:\n  web:\n    image: [\n", ""));
        assertThrows(Fail.class, () -> read("services:\n  web:\n    image: ${IMAGE_REF:?pin it}\n", ""));
        assertThrows(Fail.class, () -> read("services:\n  web:\n    image: a\n  web:\n    image: b\n", ""));
        assertThrows(Fail.class, () -> read("- a list\n", ""));
        assertThrows(ComposeFile.Unsupported.class, () -> read("include:\n  - other.yml\nservices:\n  web:\n    image: a\n", ""));
        assertTrue(read("", "").images().isEmpty());
    }

    @Test
    void aRecordInReleaseJsonIsWhatTheReleaseRuns() throws Exception {
        Files.writeString(tmp.resolve("docker-compose.yml"), "services:\n  web:\n    image: from-the-file:1\n");
        Release r = new Release();
        r.services = new ServiceImages(Map.of("web", "recorded:1"), Set.of()).record();
        assertEquals("recorded:1", ServiceImages.of(tmp, r).images().get("web"));
        r.services = null;
        assertEquals("from-the-file:1", ServiceImages.of(tmp, r).images().get("web"));

        Files.writeString(tmp.resolve("release.json"), "{\"stack\": \"web-staging\", \"future_field\": 1}");
        java.util.LinkedHashMap<String, String> images = new java.util.LinkedHashMap<>();
        images.put("web", "recorded:2");
        images.put("built", null);
        Release.recordServices(tmp, new ServiceImages(images, Set.of("built")).record(), ServiceImages.FROM_FILE);
        String json = Files.readString(tmp.resolve("release.json"));
        assertTrue(json.contains("future_field") && json.contains("\"services_from\" : \"compose file\""), json);
        ServiceImages back = ServiceImages.of(tmp, null);
        assertEquals(images, back.images());
        assertEquals(Set.of("built"), back.optional());
    }

    @Test
    void atADeployTheEnvironmentOverridesTheEnvFile() throws Exception {
        Files.writeString(tmp.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n  db:\n    image: ${DB:-pg:1}\n");
        Files.writeString(tmp.resolve(".env"), "IMAGE_REF=app@" + DIGEST + "\nDB=pg:2\n");
        ServiceImages s = ServiceImages.derive(tmp, Map.of("DB", "pg:3"), Rules.V1);
        assertEquals("app@" + DIGEST, s.images().get("web"));
        assertEquals("pg:3", s.images().get("db"));
    }
}
