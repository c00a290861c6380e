package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import lib.engine.ServiceImages;
import org.junit.jupiter.api.Test;

class ServiceImagesTest {

    @Test
    void readsTheYamlOfComposeV1() {
        String yaml = String.join("\n",
                "networks:",
                "  default:",
                "    image: not-a-service",
                "services:",
                "  db:",
                "    environment:",
                "      POSTGRES_PASSWORD: x",
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
                "    image: 127.0.0.1:5000/seisei-test/app@sha256:" + "a".repeat(64),
                "    network_mode: host",
                "  'quoted''name':",
                "    image: \"x/y:1\"",
                "version: '2.4'",
                "volumes:",
                "  data: {}",
                "");
        ServiceImages s = ServiceImages.parseYaml(yaml);
        assertEquals(java.util.List.of("db", "debug", "local", "web", "quoted'name"), java.util.List.copyOf(s.images().keySet()));
        assertEquals("postgres:16", s.images().get("db"));
        assertEquals("busybox", s.images().get("debug"));
        assertNull(s.images().get("local"));
        assertEquals("127.0.0.1:5000/seisei-test/app@sha256:" + "a".repeat(64), s.images().get("web"));
        assertEquals("x/y:1", s.images().get("quoted'name"));
        assertEquals(Set.of("debug"), s.optional());
    }

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
        assertTrue(ServiceImages.parseYaml("services: {}\nversion: '3'\n").images().isEmpty());
        assertTrue(ServiceImages.parseJson("{}").images().isEmpty());
    }
}
