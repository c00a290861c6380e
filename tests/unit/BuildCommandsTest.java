package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lib.build.BuildCommands;
import lib.core.Fail;
import lib.build.Git;
import org.junit.jupiter.api.Test;

class BuildCommandsTest {
    static final String REPO = "127.0.0.1:5000/acme/odoo18";

    @Test
    void buildHasEveryTagLabelAndBuildArgInOrder() {
        Map<String, String> labels = BuildCommands.labels("https://github.com/acme/addons", "abc1234def", "2026-01-31T10:00:00Z",
                "1.2.3", "seisei-odoo18");
        Map<String, String> args = new LinkedHashMap<>();
        args.put("ODOO_VERSION", "18.0");
        args.put("NOTE", "two words; $(not a shell)");
        List<String> cmd = BuildCommands.build(Path.of("/repo/infra/odoo18/Dockerfile"), Path.of("/repo"), REPO,
                List.of("sha-abc1234", "1.2.3", "latest"), labels, args);
        assertEquals(List.of("docker", "build", "--file", "/repo/infra/odoo18/Dockerfile",
                "--tag", REPO + ":sha-abc1234", "--tag", REPO + ":1.2.3", "--tag", REPO + ":latest",
                "--label", "org.opencontainers.image.source=https://github.com/acme/addons",
                "--label", "org.opencontainers.image.revision=abc1234def",
                "--label", "org.opencontainers.image.created=2026-01-31T10:00:00Z",
                "--label", "org.opencontainers.image.version=1.2.3",
                "--label", "org.opencontainers.image.title=seisei-odoo18",
                "--build-arg", "ODOO_VERSION=18.0",
                "--build-arg", "NOTE=two words; $(not a shell)",
                "/repo"), cmd);
    }

    @Test
    void buildWithoutSourceOrArgs() {
        Map<String, String> labels = BuildCommands.labels(null, "abc", "2026-01-31T10:00:00Z", "sha-abc1234", "app");
        assertEquals(List.of("org.opencontainers.image.revision", "org.opencontainers.image.created",
                "org.opencontainers.image.version", "org.opencontainers.image.title"), List.copyOf(labels.keySet()));
        assertEquals(List.of("docker", "build", "--file", "/r/Dockerfile", "--tag", "app:sha-abc1234",
                "--label", "org.opencontainers.image.revision=abc",
                "--label", "org.opencontainers.image.created=2026-01-31T10:00:00Z",
                "--label", "org.opencontainers.image.version=sha-abc1234",
                "--label", "org.opencontainers.image.title=app", "/r"),
                BuildCommands.build(Path.of("/r/Dockerfile"), Path.of("/r"), "app", List.of("sha-abc1234"), labels, Map.of()));
    }

    @Test
    void pushAndEnvironment() {
        assertEquals(List.of("docker", "push", REPO + ":sha-abc1234"), BuildCommands.push(REPO, "sha-abc1234"));
        assertEquals(List.of("docker", "image", "inspect", REPO + ":sha-abc1234"), BuildCommands.inspect(REPO + ":sha-abc1234"));
        assertEquals(Map.of("DOCKER_BUILDKIT", "0"), BuildCommands.BUILD_ENV);
    }

    @Test
    void repositoryIsPrefixAndImage() {
        assertEquals("ghcr.io/acme/seisei-odoo18", BuildCommands.repository("ghcr.io/acme", "seisei-odoo18"));
        assertEquals("seisei-odoo18", BuildCommands.repository(null, "seisei-odoo18"));
        assertThrows(Fail.class, () -> BuildCommands.repository("ghcr.io/acme", "Bad Image"));
        assertThrows(Fail.class, () -> BuildCommands.repository("ghcr.io/acme", "app:tag"));
    }

    @Test
    void displayQuotesForAShell() {
        assertEquals("docker build --label 'a=b c' --build-arg 'X=it'\\''s' /r",
                BuildCommands.display(List.of("docker", "build", "--label", "a=b c", "--build-arg", "X=it's", "/r")));
    }

    @Test
    void sourceUrlFromRemotes() {
        assertEquals("https://github.com/acme/addons", Git.sourceUrl("git@github.com:acme/addons.git"));
        assertEquals("https://github.com/acme/addons", Git.sourceUrl("https://github.com/acme/addons.git"));
        assertEquals("https://github.com/acme/addons", Git.sourceUrl("https://user:s3cret@github.com/acme/addons"));
        assertEquals("https://gitlab.example.com/g/sub/p", Git.sourceUrl("ssh://git@gitlab.example.com:2222/g/sub/p.git"));
        assertNull(Git.sourceUrl("/srv/git/addons.git"));
        assertNull(Git.sourceUrl("file:///srv/git/addons.git"));
        assertNull(Git.sourceUrl("../addons"));
        assertNull(Git.sourceUrl(null));
    }

    @Test
    void statusPaths() {
        assertEquals(List.of(), Git.parseStatus(""));
        assertEquals(List.of("a.txt", "dir/b c.txt", "new.txt", "moved.txt"),
                Git.parseStatus(" M a.txt\0?? dir/b c.txt\0A  new.txt\0R  moved.txt\0old.txt\0"));
    }
}
