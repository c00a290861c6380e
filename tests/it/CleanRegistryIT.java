package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.core.Json;
import lib.model.Layout;
import lib.registry.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/**
 * clean-images --registry against real registries: the local one (deletes enabled) and one started
 * here with deletes disabled. Each test pushes images of its own into a repository of its own,
 * straight through the registry API: one tiny layer, and a config per image with its own created time.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class CleanRegistryIT {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

    /** A repository name no other test or run uses. */
    static String uniqueRepo(String registry) {
        return registry + "/seisei-test/regclean-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
    }

    /** Pushes an image made on 2024-01-(10+day) under {@code tags}; returns its manifest digest. */
    static String push(String repo, int day, String... tags) throws Exception {
        String host = repo.substring(0, repo.indexOf('/'));
        String name = repo.substring(repo.indexOf('/') + 1);
        String base = "http://" + host + "/v2/" + name;
        byte[] tar = new byte[1024];
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar);
        }
        byte[] layer = gz.toByteArray();
        String created = String.format("2024-01-%02dT00:00:00Z", 10 + day);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"" + created + "\","
                + "\"config\":{\"Labels\":{\"seisei.test.day\":\"" + day + "\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Registry.sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        upload(base, layer);
        upload(base, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + Registry.sha256(config) + "\"},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":" + layer.length
                + ",\"digest\":\"" + Registry.sha256(layer) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        for (String tag : tags) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/manifests/" + tag))
                    .header("Content-Type", MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), "push " + tag + ": " + r.body());
        }
        return Registry.sha256(manifest);
    }

    static void upload(String base, byte[] blob) throws Exception {
        HttpResponse<String> start = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, start.statusCode(), start.body());
        URI location = start.uri().resolve(start.headers().firstValue("Location").orElseThrow());
        String put = location + (location.getQuery() == null ? "?" : "&") + "digest=" + Registry.sha256(blob);
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(put)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, done.statusCode(), done.body());
    }

    static List<String> tags(String repo) {
        return new TreeSet<>(new Registry().tags(repo)).stream().toList();
    }

    static World.Run clean(World w, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script("clean-images", a.toArray(String[]::new));
    }

    static void release(Layout l, String stack, String id, String repo, String tag, String digest) {
        Path d = l.releaseDir(stack, id);
        World.write(d.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
        World.write(d.resolve(".env"), "IMAGE_REF=" + repo + "@" + digest + "\n");
        World.write(d.resolve("release.json"), "{\"stack\": \"" + stack + "\", \"tag\": \"" + tag + "\", \"release_id\": \"" + id
                + "\", \"images\": {\"IMAGE_REF\": {\"repository\": \"" + repo + "\", \"tag\": \"" + tag + "\", \"digest\": \"" + digest
                + "\", \"ref\": \"" + repo + "@" + digest + "\"}}}");
    }

    static String sha(int i) {
        return "sha-aaaa00" + i;
    }

    static Map<String, String> reasons(JsonNode report) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (JsonNode t : report.path("tags")) m.put(t.path("tag").asText(), t.path("action").asText() + ": " + t.path("reason").asText());
        return m;
    }

    @Test
    void keepsTheNewestImmutableTagsAndEverythingTheRootNamesAndDeletesTheRest() throws Exception {
        String repo = uniqueRepo(World.REGISTRY);
        List<String> digests = new ArrayList<>();
        for (int i = 0; i < 10; i++) digests.add(push(repo, i, sha(i)));
        push(repo, 5, "1.0.5");
        push(repo, 2, "main");
        push(repo, 8, "1.0");
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String stack = w.name("regclean", "-staging");
            // a kept release of sha-aaaa004, the tag verified from it, and a manifest naming image 0
            release(l, stack, sha(4) + "__20260101T000000Z", repo, sha(4), digests.get(4));
            World.write(l.verifiedRecord(sha(1)), "{\"tag\": \"" + sha(1) + "\", \"image_ref\": \"" + repo + "@" + digests.get(1)
                    + "\", \"image_digest\": \"" + digests.get(1) + "\", \"images\": {\"IMAGE_REF\": {\"repository\": \"" + repo
                    + "\", \"tag\": \"" + sha(1) + "\", \"digest\": \"" + digests.get(1) + "\"}}}");
            World.write(l.manifest("regclean-api-prod"), "{\"stack\": \"regclean-api-prod\", \"image_tag\": \"release-x\", \"image_ref\": \""
                    + repo + "@" + digests.get(0) + "\", \"image_digest\": \"" + digests.get(0) + "\"}");
            List<String> all = tags(repo);
            assertEquals(13, all.size(), all.toString());
            Map<String, String> before = w.snapshot();

            World.Run dry = clean(w, "--registry", repo, "--keep", "3", "--dry-run", "--json");
            assertEquals(0, dry.exit(), dry.toString());
            JsonNode plan = Json.tree(dry.stdout());
            assertEquals("dry-run", plan.path("outcome").asText());
            assertEquals(4, plan.path("would_delete").path("tags").asInt(), dry.stdout());
            assertEquals(3, plan.path("would_delete").path("digests").asInt(), dry.stdout());
            Map<String, String> why = reasons(plan);
            assertTrue(why.get(sha(9)).startsWith("keep: one of the newest 3"), why.toString());
            assertTrue(why.get(sha(7)).startsWith("keep: one of the newest 3"), why.toString());
            assertTrue(why.get(sha(4)).contains("release " + stack + "/"), why.toString());
            assertTrue(why.get(sha(1)).contains("verification record"), why.toString());
            assertTrue(why.get(sha(0)).contains("current manifest of regclean-api-prod"), why.toString());
            assertEquals("keep: moving tag", why.get("main"));
            assertEquals("keep: shares digest with kept tag main", why.get(sha(2)));
            for (String gone : List.of(sha(3), sha(5), "1.0.5", sha(6))) assertTrue(why.get(gone).startsWith("delete"), gone + ": " + why);
            assertEquals(all, tags(repo), "a dry run deletes nothing");
            assertEquals(before, w.snapshot(), "a dry run changes nothing on disk");

            World.Run human = clean(w, "--registry", repo, "--keep", "3", "--dry-run");
            assertEquals(0, human.exit(), human.toString());
            assertTrue(human.stdout().contains("would delete 4 tags (3 digests)"), human.stdout());

            World.Run noConsent = clean(w, "--registry", repo, "--keep", "3");
            assertEquals(2, noConsent.exit(), noConsent.toString());
            assertTrue(noConsent.stderr().contains("--yes"), noConsent.stderr());
            assertEquals(all, tags(repo), "without consent nothing is deleted");
            assertEquals(before, w.snapshot());

            // while the stack that runs this repository is being deployed, nothing goes
            Files.createDirectories(l.locksDir());
            try (FileChannel ch = FileChannel.open(l.lockFile(stack), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = ch.lock()) {
                World.Run locked = clean(w, "--registry", repo, "--keep", "3", "--yes");
                assertEquals(0, locked.exit(), locked.toString());
                assertTrue(locked.all().contains("being deployed"), locked.toString());
                assertEquals(all, tags(repo));
            }

            World.Run yes = clean(w, "--registry", repo, "--keep", "3", "--yes", "--json", "--actor", "janitor");
            assertEquals(0, yes.exit(), yes.toString());
            assertEquals(List.of("1.0", "main", sha(0), sha(1), sha(2), sha(4), sha(7), sha(8), sha(9)), tags(repo));
            assertTrue(yes.stderr().contains("garbage-collect"), "the garbage collection hint: " + yes.stderr());
            JsonNode result = Json.tree(yes.stdout());
            assertEquals("success", result.path("outcome").asText());
            assertEquals(3, result.path("deleted").path("digests").asInt());
            assertEquals(4, result.path("deleted").path("tags").asInt());
            for (int i : List.of(3, 5, 6)) assertNull(new Registry().manifest(repo, digests.get(i)), "digest " + i + " is gone");
            assertNotNull(new Registry().manifest(repo, digests.get(2)), "the digest a moving tag points at stays");

            HistoryRecord h = new HistoryLog(l.historyLog()).find(r -> true, 1).get(0);
            assertEquals("clean-registry", h.action);
            assertEquals("success", h.outcome);
            assertEquals("janitor", h.actor);
            assertEquals(3, h.removed.size(), String.valueOf(h.removed));

            World.Run again = clean(w, "--registry", repo, "--keep", "3", "--yes");
            assertEquals(0, again.exit(), again.toString());
            assertTrue(again.stderr().contains("nothing to clean"), again.toString());
        }
    }

    @Test
    void aRegistryThatDoesNotAllowDeletesIsReportedClearly() throws Exception {
        Path dir = Files.createTempDirectory("seisei-regclean-nodelete-");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, String.join("\n", "version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"), "  delete:", "    enabled: false", "http:", "  addr: 127.0.0.1:" + port, ""));
        Process registry = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        try (World w = new World()) {
            waitForPort(port);
            String repo = uniqueRepo("127.0.0.1:" + port);
            for (int i = 0; i < 3; i++) push(repo, i, sha(i));
            Files.createDirectories(w.root.resolve("releases"));
            List<String> all = tags(repo);

            World.Run r = clean(w, "--registry", repo, "--keep", "1", "--yes");
            assertEquals(1, r.exit(), r.toString());
            List<String> errors = r.stderr().lines().filter(x -> x.startsWith("error:")).toList();
            assertEquals(1, errors.size(), r.stderr());
            assertTrue(errors.get(0).contains("does not allow deletes"), errors.get(0));
            assertTrue(errors.get(0).contains("nothing was deleted"), errors.get(0));
            assertTrue(errors.get(0).contains("registry garbage-collect"), errors.get(0));
            assertEquals(all, tags(repo));
        } finally {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) registry.destroyForcibly();
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    static void waitForPort(int port) throws InterruptedException {
        for (int i = 0; i < 120; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        fail("the registry on port " + port + " did not start");
    }

    @Test
    void badInputChangesNothing() throws Exception {
        String repo = uniqueRepo(World.REGISTRY);
        push(repo, 0, sha(0));
        push(repo, 1, sha(1));
        try (World w = new World()) {
            Files.createDirectories(w.root.resolve("releases"));
            Map<String, String> before = w.snapshot();
            List<String> all = tags(repo);
            for (String[] args : List.of(new String[] {"--registry", "Not A Repo", "--yes"}, new String[] {"--registry", repo + ":sha-aaaa000", "--yes"},
                    new String[] {"--registry", repo + "@sha256:" + "0".repeat(64), "--yes"},
                    new String[] {"--registry", repo, "--keep", "0", "--yes"}, new String[] {"--registry", repo, "--keep", "-3", "--yes"},
                    new String[] {"--registry", repo, "--dangling", "--yes"}, new String[] {"--registry", repo, "--all", "--yes"},
                    new String[] {"web-staging", "--registry", repo, "--yes"})) {
                World.Run r = clean(w, args);
                assertEquals(2, r.exit(), List.of(args) + ": " + r);
                assertEquals(1, r.stderr().strip().lines().filter(x -> !x.startsWith("[jbang]")).count(), "one line: " + r.stderr());
                assertEquals(before, w.snapshot());
                assertEquals(all, tags(repo));
            }
            World.Run noRoot = w.script("clean-images", "--registry", repo, "--keep", "1", "--yes", "--root", w.dir.resolve("nowhere").toString());
            assertEquals(2, noRoot.exit(), noRoot.toString());
            assertTrue(noRoot.stderr().contains("nothing deployed"), noRoot.stderr());
            assertEquals(all, tags(repo));
        }
    }
}
