package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.core.Json;
import lib.model.Layout;
import lib.registry.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/** build-image in a temporary git checkout, pushing to the local registry under a repository of its own. */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class BuildImageIT {
    static final String DOCKERFILE = String.join("\n",
            "FROM scratch",
            "ARG NOTE=one",
            "LABEL note=$NOTE",
            "COPY busybox /bin/busybox",
            "COPY version /www/version",
            "ENV PORT=18080",
            "STOPSIGNAL SIGKILL",
            "ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \"exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h /www\"]",
            "");

    World w;
    Path repo;
    String prefix;
    String repository;

    @BeforeEach
    void setUp() {
        w = new World();
        repo = w.dir.resolve("checkout");
        prefix = World.REGISTRY + "/bi-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
        repository = prefix + "/app";
        World.write(repo.resolve("app/Dockerfile"), DOCKERFILE);
        World.write(repo.resolve("app/version"), "one\n");
        World.write(repo.resolve("seisei-services.json"), services("one"));
        try {
            Files.copy(Path.of("/bin/busybox"), repo.resolve("app/busybox"));
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
        git("init", "-q", "-b", "main");
        git("config", "user.name", "Build Test");
        git("config", "user.email", "build-test@example.invalid");
        git("remote", "add", "origin", "git@github.com:acme/addons.git");
        git("add", "-A");
        git("commit", "-q", "-m", "first");
    }

    @AfterEach
    void tearDown() {
        try {
            w.close();
        } finally {
            for (String r : new String[] {repository, prefix + "/web"}) {
                deleteFromRegistry(r);
                List<String> ids = World.sh("docker", "images", r, "--format", "{{.ID}}").stdout().lines()
                        .filter(s -> !s.isBlank()).distinct().toList();
                if (!ids.isEmpty()) {
                    List<String> cmd = new ArrayList<>(List.of("docker", "rmi", "-f"));
                    cmd.addAll(ids);
                    World.sh(cmd.toArray(String[]::new));
                }
            }
        }
    }

    static String services(String note) {
        return "{\"services\": {"
                + "\"app\": {\"image\": \"app\", \"context\": \"app\", \"dockerfile\": \"app/Dockerfile\", \"build_args\": {\"NOTE\": \"" + note + "\"}},"
                + "\"web\": {\"image\": \"web\", \"context\": \"app\"}}}";
    }

    @Test
    void pushWritesTheRegistryDigestAndSameContentIsANoOp() {
        String sha = git("rev-parse", "HEAD").stdout().strip();
        String sha7 = sha.substring(0, 7);
        World.Run r = build("app", "--push", "--yes", "--registry", prefix, "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonNode out = Json.tree(r.stdout());
        assertEquals(List.of("sha-" + sha7, "main-" + sha7, "latest"), texts(out.path("tags")));

        Path file = repo.resolve("image-digests.json");
        DigestManifest m = DigestManifest.load(file);
        String digest = new Registry().digestOf(repository, "sha-" + sha7);
        assertEquals(sha, m.git_sha);
        assertEquals(sha7, m.git_sha7);
        assertNotNull(m.built_at_utc);
        DigestManifest.Entry e = m.images.get("app");
        assertEquals("sha-" + sha7, e.tag);
        assertEquals(digest, e.digest);
        assertEquals(repository + "@" + digest, e.ref);
        assertEquals(digest, out.path("digest").asText());
        for (String t : List.of("main-" + sha7, "latest")) assertEquals(digest, new Registry().digestOf(repository, t), t);

        String labels = World.sh("docker", "image", "inspect", "--format", "{{json .Config.Labels}}", repository + ":sha-" + sha7).stdout();
        JsonNode l = Json.tree(labels);
        assertEquals(sha, l.path("org.opencontainers.image.revision").asText());
        assertEquals("https://github.com/acme/addons", l.path("org.opencontainers.image.source").asText());
        assertEquals("sha-" + sha7, l.path("org.opencontainers.image.version").asText());
        assertEquals("app", l.path("org.opencontainers.image.title").asText());
        assertTrue(l.path("org.opencontainers.image.created").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), labels);

        // The digest file left in the checkout does not make it dirty; the same content again changes nothing.
        World.Run again = build("app", "--push", "--yes", "--registry", prefix, "--json");
        assertEquals(0, again.exit(), again.toString());
        assertEquals(List.of("sha-" + sha7, "main-" + sha7), texts(Json.tree(again.stdout()).path("unchanged_tags")));
        assertEquals(digest, new Registry().digestOf(repository, "sha-" + sha7));
        assertEquals(digest, DigestManifest.load(file).images.get("app").digest);
    }

    @Test
    void otherContentUnderAnExistingShaTagIsRefusedAndNothingIsPushed() throws Exception {
        String sha7 = git("rev-parse", "--short=7", "HEAD").stdout().strip();
        assertEquals(0, build("app", "--push", "--yes", "--registry", prefix).exit());
        Path file = repo.resolve("image-digests.json");
        byte[] before = Files.readAllBytes(file);
        String digest = new Registry().digestOf(repository, "sha-" + sha7);
        List<String> tags = new Registry().tags(repository);

        Path other = w.dir.resolve("other-services.json");
        World.write(other, services("two"));
        World.Run r = build("app", "--push", "--yes", "--registry", prefix, "--services", other.toString());
        assertEquals(1, r.exit(), r.toString());
        assertOneLineError(r, "immutable tag " + repository + ":sha-" + sha7 + " already exists with other content");
        assertEquals(digest, new Registry().digestOf(repository, "sha-" + sha7));
        assertEquals(digest, new Registry().digestOf(repository, "latest"), "moving tags were not pushed either");
        assertEquals(tags, new Registry().tags(repository));
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void versionTagsMergeAndFreshDigestFiles() {
        git("tag", "v1.2.3");
        String sha = git("rev-parse", "HEAD").stdout().strip();
        String sha7 = sha.substring(0, 7);
        World.Run r = build("app", "--push", "--yes", "--registry", prefix, "--json");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("sha-" + sha7, "1.2.3", "1.2", "1", "main-" + sha7, "latest"), texts(Json.tree(r.stdout()).path("tags")));
        assertEquals(List.of("sha-" + sha7, "1.2.3", "main-" + sha7), texts(Json.tree(r.stdout()).path("immutable_tags")));
        String digest = new Registry().digestOf(repository, "sha-" + sha7);
        for (String t : List.of("1.2.3", "1.2", "1")) assertEquals(digest, new Registry().digestOf(repository, t), t);

        World.Run web = build("web", "--push", "--yes", "--registry", prefix);
        assertEquals(0, web.exit(), web.toString());
        Path file = repo.resolve("image-digests.json");
        DigestManifest m = DigestManifest.load(file);
        assertEquals(List.of("app", "web"), List.copyOf(m.images.keySet()));
        assertEquals(digest, m.images.get("app").digest);
        assertEquals(new Registry().digestOf(prefix + "/web", "sha-" + sha7), m.images.get("web").digest);

        World.write(repo.resolve("app/version"), "two\n");
        git("commit", "-q", "-am", "second");
        String sha2 = git("rev-parse", "HEAD").stdout().strip();
        byte[] before = World.read(file).getBytes();
        World.Run stale = build("app", "--push", "--yes", "--registry", prefix);
        assertEquals(2, stale.exit(), stale.toString());
        assertOneLineError(stale, "is for git sha " + sha);
        assertArrayEquals(before, World.read(file).getBytes());
        assertThrows(lib.core.Fail.class, () -> new Registry().digestOf(repository, "sha-" + sha2.substring(0, 7)));

        World.Run fresh = build("app", "--push", "--yes", "--registry", prefix, "--fresh");
        assertEquals(0, fresh.exit(), fresh.toString());
        DigestManifest m2 = DigestManifest.load(file);
        assertEquals(sha2, m2.git_sha);
        assertEquals(List.of("app"), List.copyOf(m2.images.keySet()));
        assertEquals(new Registry().digestOf(repository, "sha-" + sha2.substring(0, 7)), m2.images.get("app").digest);
        assertEquals(m2.images.get("app").digest, new Registry().digestOf(repository, "latest"), "latest moved");
        assertEquals(digest, new Registry().digestOf(repository, "1.2.3"), "the version stays where it was");
    }

    @Test
    void badInputIsRefusedWithOneLineAndNothingPushedOrWritten() throws Exception {
        Path file = repo.resolve("image-digests.json");
        Path plain = Files.createDirectories(w.dir.resolve("plain"));

        World.Run notGit = w.exec(command(plain, "app", "--push", "--yes", "--registry", prefix), Map.of());
        assertEquals(2, notGit.exit(), notGit.toString());
        assertOneLineError(notGit, "is not a git checkout");

        World.Run unknown = build("nope", "--push", "--yes", "--registry", prefix);
        assertEquals(2, unknown.exit(), unknown.toString());
        assertOneLineError(unknown, "unknown service 'nope'");

        World.Run version = build("app", "v1.2", "--push", "--yes", "--registry", prefix);
        assertEquals(2, version.exit(), version.toString());
        assertOneLineError(version, "invalid version 'v1.2'");

        Path missing = w.dir.resolve("missing-dockerfile.json");
        World.write(missing, "{\"services\": {\"app\": {\"image\": \"app\", \"context\": \"app\", \"dockerfile\": \"app/Dockerfile.nope\"}}}");
        World.Run noDockerfile = build("app", "--push", "--yes", "--registry", prefix, "--services", missing.toString());
        assertEquals(2, noDockerfile.exit(), noDockerfile.toString());
        assertOneLineError(noDockerfile, "Dockerfile app/Dockerfile.nope not found");

        World.Run noYes = w.exec(command(repo, "app", "--push", "--registry", prefix), Map.of("CI", ""));
        assertEquals(2, noYes.exit(), noYes.toString());
        assertOneLineError(noYes, "--push needs --yes");

        World.Run unreachable = build("app", "--push", "--yes", "--registry", "127.0.0.1:1/x");
        assertEquals(1, unreachable.exit(), unreachable.toString());
        assertOneLineError(unreachable, "registry 127.0.0.1:1 is unreachable");

        World.write(repo.resolve("app/version"), "changed\n");
        World.Run dirty = build("app", "--push", "--yes", "--registry", prefix);
        assertEquals(2, dirty.exit(), dirty.toString());
        assertOneLineError(dirty, "uncommitted change");

        assertEquals(List.of(), new Registry().tags(repository), "nothing was pushed");
        assertFalse(Files.exists(file), "no digest file was written");
        assertFalse(Files.exists(plain.resolve("image-digests.json")));

        // Asked for, a dirty build says so in every tag and never moves latest.
        World.Run allowed = build("app", "--allow-dirty", "--dry-run", "--json", "--registry", prefix);
        assertEquals(0, allowed.exit(), allowed.toString());
        String sha7 = git("rev-parse", "--short=7", "HEAD").stdout().strip();
        assertEquals(List.of("sha-" + sha7 + "-dirty", "main-" + sha7 + "-dirty"), texts(Json.tree(allowed.stdout()).path("tags")));
        assertEquals(List.of(), new Registry().tags(repository), "a dry run pushes nothing");
    }

    @Test
    void theDigestFileDeploys() {
        String sha7 = git("rev-parse", "--short=7", "HEAD").stdout().strip();
        World.Run r = build("app", "--push", "--yes", "--registry", prefix);
        assertEquals(0, r.exit(), r.toString());
        Path file = repo.resolve("image-digests.json");
        String digest = DigestManifest.load(file).images.get("app").digest;

        String stack = w.stack(w.name("bi", "-staging"), null);
        World.Run d = w.run("deploy", stack, "staging", "sha-" + sha7, "--digest-file", file.toString());
        assertEquals(0, d.exit(), d.toString());
        assertEquals("one", w.version(stack));
        CurrentManifest cm = CurrentManifest.read(new Layout(w.root), stack);
        assertEquals(digest, cm.image_digest);
        assertEquals(repository + "@" + digest, cm.image_ref);
    }

    private World.Run build(String... args) {
        return w.exec(command(repo, args), Map.of());
    }

    /** build-image run with {@code cwd} as the current directory. */
    private static List<String> command(Path cwd, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "-C", cwd.toString()));
        cmd.addAll(World.launcher("build-image"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private World.Run git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        World.Run r = World.sh(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "git " + String.join(" ", args) + ": " + r);
        return r;
    }

    private static void assertOneLineError(World.Run r, String expected) {
        List<String> errors = r.stderr().lines().filter(s -> s.startsWith("error:")).toList();
        assertEquals(1, errors.size(), r.toString());
        assertTrue(errors.get(0).contains(expected), r.toString());
        List<String> lines = r.stderr().lines().filter(s -> !s.isBlank()).toList();
        assertEquals(errors.get(0), lines.get(lines.size() - 1), "the error is the last line: " + r);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Deletes every manifest of a test repository from the local registry (it runs with deletes enabled). */
    private static void deleteFromRegistry(String repository) {
        Registry reg = new Registry();
        Registry.Location loc = Registry.locate(repository);
        HttpClient http = HttpClient.newHttpClient();
        for (String tag : reg.tags(repository)) {
            try {
                String d = reg.digestOf(repository, tag);
                http.send(HttpRequest.newBuilder(URI.create(loc.base() + "/manifests/" + d)).DELETE().build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (RuntimeException | java.io.IOException e) {
                // already gone with an earlier tag of the same digest
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
