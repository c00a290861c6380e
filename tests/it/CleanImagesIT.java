package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.ImageRef;
import lib.core.Json;
import lib.model.Layout;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/**
 * clean-images on the real engine. The images are built for each test under a repository of its
 * own (the test app with a unique label), so what a clean removes never belongs to another test.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class CleanImagesIT {

    /** Test app images v0..v3 under a repository of their own, pushed to the local registry. */
    static final class Images implements AutoCloseable {
        final String repo = World.REGISTRY + "/seisei-test/clean" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        final Path ctx;

        Images(String... tags) throws IOException {
            ctx = Files.createTempDirectory("seisei-clean-images-");
            String dockerfile = Files.readString(World.REPO.resolve("tests/images/app/Dockerfile"));
            for (String tag : tags) {
                Path d = ctx.resolve(tag);
                Files.createDirectories(d);
                Files.copy(Path.of("/bin/busybox"), d.resolve("busybox"));
                Files.writeString(d.resolve("version"), tag + "\n");
                Files.writeString(d.resolve("Dockerfile"), dockerfile + "\nLABEL seisei.test.clean=\"" + repo + "\"\n");
                run(List.of("docker", "build", "-q", "-t", repo + ":" + tag, d.toString()));
                run(List.of("docker", "push", repo + ":" + tag));
            }
        }

        String ref(String tag) {
            return repo + "@" + new lib.registry.Registry().digestOf(repo, tag);
        }

        static void run(List<String> cmd) {
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().put("DOCKER_BUILDKIT", "0");
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(cmd + " failed:\n" + out);
            } catch (IOException e) {
                throw new RuntimeException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException(e);
            }
        }

        @Override
        public void close() {
            for (String line : World.sh("docker", "images", "--no-trunc", "--digests", "--format", "{{.Repository}} {{.ID}}").stdout().split("\n")) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && f[0].equals(repo)) World.sh("docker", "rmi", "-f", f[1]);
            }
            try (Stream<Path> s = Files.walk(ctx)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException ignored) {
            }
        }
    }

    static boolean imageExists(String ref) {
        return World.sh("docker", "image", "inspect", ref).exit() == 0;
    }

    static List<String> releaseDirs(Layout l, String stack) throws IOException {
        try (Stream<Path> s = Files.list(l.stackReleasesDir(stack))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static World.Run clean(World w, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script("clean-images", a.toArray(String[]::new));
    }

    @Test
    void keepsTheLiveAndNewestReleasesAndTheImagesTheyAndContainersNeed() throws Exception {
        try (Images img = new Images("v0", "v1", "v2", "v3"); World w = new World()) {
            String s = w.stack(w.name("clean", "-staging"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + img.repo + "\"}]}");
            Layout l = new Layout(w.root);
            List<String> ids = new ArrayList<>();
            for (String tag : List.of("v1", "v2", "v3", "v1", "v2", "v3")) {
                World.Run r = w.run("deploy", s, "staging", tag);
                assertEquals(0, r.exit(), r.toString());
                ids.add(l.currentReleaseId(s));
            }
            String live = ids.get(5);
            // an incomplete release dir and the leftover of a deploy killed an hour ago
            Path incomplete = l.stackReleasesDir(s).resolve("v9__20200101T000000Z");
            Path leftover = l.stackReleasesDir(s).resolve(".partial-v9__20200101T000001Z-4242");
            Files.createDirectories(incomplete);
            Files.createDirectories(leftover.resolve("config"));
            Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minusSeconds(3600)));
            // v1 is pinned only by releases that go, but a stopped container was made from it
            String v1 = img.ref("v1");
            String stopped = World.sh("docker", "create", v1).stdout().strip();
            assertFalse(stopped.isEmpty());
            // v0 is in the stack's repository and nothing needs it
            World.sh("docker", "pull", img.ref("v0"));
            World.sh("docker", "tag", img.repo + ":v0", img.repo + ":v0-again");
            String v0Id = World.sh("docker", "image", "inspect", "--format", "{{.Id}}", img.repo + ":v0").stdout().strip();
            try {
                Map<String, String> before = w.snapshot();

                World.Run dry = clean(w, "--keep", "2", "--dry-run", "--json");
                assertEquals(0, dry.exit(), dry.toString());
                assertEquals(before, w.snapshot(), "a dry run changes nothing");
                JsonNode plan = Json.tree(dry.stdout());
                assertEquals("dry-run", plan.path("outcome").asText());
                assertEquals(6, plan.path("would_free").path("release_dirs").asInt(), dry.stdout());
                List<String> goingImages = new ArrayList<>();
                for (JsonNode i : plan.path("images")) if (i.path("action").asText().equals("delete")) goingImages.add(i.path("id").asText());
                assertEquals(List.of(v0Id), goingImages, dry.stdout());
                assertTrue(plan.path("usage_before").path("docker").size() > 0, "docker system df figures");
                assertTrue(plan.path("usage_after").path("estimated").asBoolean());
                assertTrue(imageExists(img.repo + ":v0"));

                World.Run human = clean(w, "--keep", "2", "--dry-run");
                assertEquals(0, human.exit(), human.toString());
                assertTrue(human.stdout().contains("disk usage before") && human.stdout().contains("disk usage after"), human.stdout());
                assertTrue(human.stdout().contains("used by container"), human.stdout());

                World.Run noConsent = clean(w, "--keep", "2");
                assertEquals(2, noConsent.exit(), noConsent.toString());
                assertTrue(noConsent.stderr().contains("--yes"), noConsent.stderr());
                assertEquals(before, w.snapshot(), "without consent nothing is deleted");
                assertTrue(imageExists(img.repo + ":v0"));

                World.Run yes = clean(w, "--keep", "2", "--yes", "--json", "--actor", "janitor");
                assertEquals(0, yes.exit(), yes.toString());
                List<String> left = releaseDirs(l, s);
                assertTrue(left.contains(live), "the live release stays: " + left);
                assertEquals(live, l.currentReleaseId(s));
                assertTrue(left.size() <= 3, "the live release and at most two more: " + left);
                assertEquals(List.of(ids.get(4), ids.get(5)), left);
                for (String id : left) {
                    for (ImageRef i : Release.read(l.releaseDir(s, id)).images.values())
                        assertTrue(imageExists(i.ref), "the image of kept release " + id + " stays: " + i.ref);
                }
                assertTrue(imageExists(v1), "an image a stopped container uses survives");
                assertFalse(imageExists(v0Id), "an image nothing needs goes");

                HistoryRecord h = new HistoryLog(l.historyLog()).find(r -> true, 1).get(0);
                assertEquals("clean", h.action);
                assertEquals("success", h.outcome);
                assertEquals("janitor", h.actor);
                assertEquals(7, h.removed.size(), String.valueOf(h.removed));
                assertTrue(h.removed.stream().anyMatch(r -> r.contains(v0Id)), String.valueOf(h.removed));
                JsonNode result = Json.tree(yes.stdout());
                assertEquals("success", result.path("outcome").asText());
                assertEquals(6, result.path("freed").path("release_dirs").asInt());
                assertTrue(result.path("usage_after").path("docker").size() > 0);

                World.Run again = clean(w, "--keep", "2", "--yes");
                assertEquals(0, again.exit(), again.toString());
                assertTrue(again.stderr().contains("nothing to clean"), again.toString());

                World.Run back = w.run("rollback", s, "staging", "--to", ids.get(4));
                assertEquals(0, back.exit(), back.toString());
                assertFalse(back.all().contains("not in the local image store"), "a kept release rolls back without a pull: " + back);
                assertEquals("v2", w.version(s));
            } finally {
                World.sh("docker", "rm", "-f", stopped);
            }
        }
    }

    @Test
    void aStackBeingDeployedIsSkipped() throws Exception {
        try (Images img = new Images("v1", "v2"); World w = new World()) {
            String s = w.stack(w.name("clean", "-staging"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + img.repo + "\"}]}");
            Layout l = new Layout(w.root);
            for (String tag : List.of("v1", "v2", "v1")) assertEquals(0, w.run("deploy", s, "staging", tag).exit());
            List<String> dirs = releaseDirs(l, s);
            try (FileChannel ch = FileChannel.open(l.lockFile(s), StandardOpenOption.WRITE); FileLock held = ch.lock()) {
                World.Run r = clean(w, "--keep", "1", "--yes");
                assertEquals(0, r.exit(), r.toString());
                assertTrue(r.all().contains("being deployed"), r.toString());
                assertEquals(dirs, releaseDirs(l, s));
                assertTrue(imageExists(img.ref("v2")), "no image of a stack being deployed goes");
            }
            World.Run r = clean(w, s, "--keep", "1", "--yes");
            assertEquals(0, r.exit(), r.toString());
            assertEquals(List.of(l.currentReleaseId(s)), releaseDirs(l, s));
        }
    }

    @Test
    void badInputChangesNothing() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String s = "clean-bad-staging";
            String id = "v1__20260101T000000Z";
            Path rel = l.releaseDir(s, id);
            World.write(rel.resolve(Release.FILE), "{\"stack\": \"" + s + "\", \"release_id\": \"" + id + "\", \"images\": {}}");
            World.write(l.releaseDir(s, "v0__20250101T000000Z").resolve(Release.FILE), "{\"images\": {}}");
            Path elsewhere = w.dir.resolve("elsewhere").resolve(id);
            Files.createDirectories(elsewhere);
            Files.createDirectories(l.stacksDir());
            Files.createSymbolicLink(l.stackLink(s), elsewhere);
            Map<String, String> before = w.snapshot();

            for (String[] args : List.of(new String[] {"--keep", "0", "--yes"}, new String[] {"--keep", "-1", "--yes"},
                    new String[] {"no-such-stack", "--yes"}, new String[] {"../x", "--yes"}, new String[] {"--dangling", "--all", "--yes"})) {
                World.Run r = clean(w, args);
                assertEquals(2, r.exit(), List.of(args) + ": " + r);
                assertEquals(1, r.stderr().strip().lines().filter(x -> !x.startsWith("[jbang]")).count(), "one line: " + r.stderr());
                assertEquals(before, w.snapshot());
            }
            for (String[] args : List.of(new String[] {s, "--keep", "1", "--yes"}, new String[] {"--keep", "1", "--yes"})) {
                World.Run r = clean(w, args);
                assertEquals(1, r.exit(), List.of(args) + ": " + r);
                assertTrue(r.stderr().contains("points outside"), r.stderr());
                assertEquals(1, r.stderr().strip().lines().filter(x -> !x.startsWith("[jbang]")).count(), "one line: " + r.stderr());
                assertEquals(before, w.snapshot());
            }
            // with its link pointing at its own release the same root is cleaned: what was refused above was the input
            Files.delete(l.stackLink(s));
            Files.createSymbolicLink(l.stackLink(s), rel);
            World.Run fixed = clean(w, s, "--keep", "1", "--yes");
            assertEquals(0, fixed.exit(), fixed.toString());
            assertEquals(id, l.currentReleaseId(s));
            assertTrue(Files.isRegularFile(rel.resolve(Release.FILE)), "the live release stays");
        }
    }
}
