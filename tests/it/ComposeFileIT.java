package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lib.engine.Compose;
import lib.engine.ComposeFile;
import lib.engine.ServiceImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.World;

/**
 * The Java reader of compose files says what compose itself says: each fixture's services and
 * images, read in Java with the rules of the installed compose, equal those of its `config`.
 */
class ComposeFileIT {
    static final String DIGEST = "sha256:" + "a".repeat(64);

    @TempDir Path dir;

    static final List<String> FIXTURES = List.of(
            String.join("\n",
                    "version: \"2.4\"",
                    "x-common: &common",
                    "  image: ${IMAGE_REF}",
                    "  restart: always",
                    "services:",
                    "  web:",
                    "    <<: *common",
                    "    environment: {PORT: \"8080\"}",
                    "  worker: *common",
                    "  db:",
                    "    image: ${DB_IMAGE:-postgres:16}",
                    "  cache:",
                    "    image: \"redis:${REDIS-7}\"",
                    "  debug:",
                    "    image: busybox$$x",
                    "    profiles: [debug]",
                    "  base:",
                    "    image: base:${TAG:?need TAG}",
                    "  child:",
                    "    extends: {service: base}",
                    "  far:",
                    "    extends: {file: config/other.yml, service: o}",
                    "  built:",
                    "    build: .",
                    ""),
            String.join("\n",
                    "version: '3.8'",
                    "services:",
                    "  bare:",
                    "    image: $BARE_IMAGE",
                    "  nested:",
                    "    image: ${UNSET:-${TAG}}",
                    "  unset:",
                    "    image: app:${UNSET}",
                    "  empty-default:",
                    "    image: app:${EMPTY:-fallback}",
                    "  empty-dash:",
                    "    image: app:${EMPTY-fallback}x",
                    ""));

    @Test
    void theJavaReaderAgreesWithComposeConfig() throws Exception {
        Compose compose = Compose.detect();
        ComposeFile.Rules rules = compose.version == Compose.Version.V1 ? ComposeFile.Rules.V1 : ComposeFile.Rules.V2;
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/other.yml"), "version: \"2.4\"\nservices:\n  o:\n    image: other:${TAG}\n");
        Files.writeString(dir.resolve(".env"), "IMAGE_REF=app@" + DIGEST + "\nTAG=9\nREDIS=\nEMPTY=\nBARE_IMAGE=bare:1 # a comment\n");
        int n = 0;
        for (String yaml : FIXTURES) {
            Files.writeString(dir.resolve("docker-compose.yml"), yaml);
            List<String> cmd = new java.util.ArrayList<>(compose.base("fixture" + n++, dir));
            cmd.add("config");
            if (compose.version == Compose.Version.V2) cmd.addAll(List.of("--format", "json"));
            World.Run r = World.sh(cmd.toArray(String[]::new));
            assertEquals(0, r.exit(), r.toString());
            ServiceImages fromCompose = compose.version == Compose.Version.V2 ? ServiceImages.parseJson(r.stdout())
                    : ServiceImages.parseConfigYaml(r.stdout());
            ServiceImages inJava = ServiceImages.derive(dir, System.getenv(), rules);
            assertEquals(new java.util.TreeMap<>(fromCompose.images()), new java.util.TreeMap<>(inJava.images()), yaml);
            assertEquals(fromCompose.optional(), inJava.optional(), yaml);
        }
    }
}
