package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lib.core.Json;
import lib.model.CurrentManifest;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/**
 * A root the source documents' shell scripts left, built here by hand (not by the tool) with its
 * containers running under the release dir's own compose project: plain-text history lines, release
 * dirs without release.json, a manifest with the documents' fields, an empty verification marker.
 * The tool reads it, takes it over at its first deploy or rollback, and never loses a rollback target.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, its own old project containers
class AdoptionIT {
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();
    /** The repositories each world's fixtures pushed, removed with its old projects. */
    private static final Map<World, List<String>> REPOS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The shell scripts' tree for {@code stack}: releases v1 (old) and v2 (live), its containers up from
     * v2's dir. Each fixture's release ids differ (by their minute and second), so the compose projects
     * their dir names make differ too.
     */
    static Fixture fixture(World w, String stack, String env) throws Exception {
        int n = SEQ.incrementAndGet() + (int) (ProcessHandle.current().pid() % 50) * 60;
        String ms = String.format("%02d%02d", (n / 60) % 60, n % 60);
        String T1 = "v1__20260104T12" + ms + "Z", T2 = "v2__20260105T12" + ms + "Z";
        // a repository of this fixture's own: a real clean may delete its unused images, never the shared test images
        String repo = World.REGISTRY + "/seisei-adopt-" + stack + "/app";
        REPOS.computeIfAbsent(w, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(repo);
        Map<String, String> digests = new java.util.HashMap<>();
        for (String tag : List.of("v1", "v2", "v3", "broken")) {
            assertEquals(0, World.sh("docker", "tag", World.APP + ":" + tag, repo + ":" + tag).exit());
            World.Run push = World.sh("docker", "push", repo + ":" + tag);
            assertEquals(0, push.exit(), push.toString());
            digests.put(tag, new lib.registry.Registry().digestOf(repo, tag));
        }
        w.stack(stack, null);
        Layout l = new Layout(w.root);
        Path src = w.source.resolve(stack);
        List<String> lines = new ArrayList<>();
        for (String id : List.of(T1, T2)) {
            String tag = id.substring(0, 2);
            Path d = Files.createDirectories(l.releaseDir(stack, id));
            Files.copy(src.resolve("docker-compose.yml"), d.resolve("docker-compose.yml"));
            Files.createDirectories(d.resolve("config"));
            Files.writeString(d.resolve("config/app.conf"), "setting=1\n");
            Files.writeString(d.resolve(".env"), Files.readString(src.resolve(".env")) + "IMAGE_REF=" + repo + "@" + digests.get(tag) + "\n");
            lines.add("2026-01-0" + (id.equals(T1) ? "4" : "5") + "T12:" + ms.substring(0, 2) + ":" + ms.substring(2) + "Z DEPLOY " + stack + " " + env + " " + tag + " " + id
                    + " SUCCESS by=github-actions run=4" + lines.size());
        }
        Files.createDirectories(l.stacksDir());
        Files.createSymbolicLink(l.stackLink(stack), l.releaseDir(stack, T2));
        Files.createDirectories(l.currentDir());
        String digest = digests.get("v2");
        Files.writeString(l.manifest(stack), "{\n  \"stack\": \"" + stack + "\",\n  \"env\": \"" + env + "\",\n  \"image_tag\": \"v2\",\n"
                + "  \"image_ref\": \"" + repo + "@" + digest + "\",\n  \"image_digest\": \"" + digest + "\",\n  \"release_id\": \"" + T2 + "\",\n"
                + "  \"release_dir\": \"" + l.releaseDir(stack, T2) + "\",\n  \"deployed_at_utc\": \"2026-01-05T12:00:00Z\",\n"
                + "  \"actor\": \"github-actions\",\n  \"run_id\": \"41\",\n  \"break_glass\": false,\n  \"break_glass_reason\": \"\"\n}\n");
        String history = String.join("\n", lines) + "\n";
        Files.writeString(l.historyLog(), history, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Files.createDirectories(l.verifiedDir());
        Files.createFile(l.verifiedRecord("v2"));
        // the shell scripts ran `docker-compose up -d` inside the release dir: the project is the dir's name
        Process p = new ProcessBuilder("docker-compose", "up", "-d").directory(l.releaseDir(stack, T2).toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        VerifyIT.awaitVersion(w, stack, "v2");
        return new Fixture(l, history, T1, T2, repo);
    }

    record Fixture(Layout layout, String history, String T1, String T2, String repo) {}

    /** A script with --root of this world (and --source where it takes one). */
    static World.Run run(World w, String script, String... args) {
        if (script.equals("deploy")) return w.run(script, args);
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script(script, a.toArray(String[]::new));
    }

    /** Removes the containers the fixture started under the release dirs' own projects, and the images of its repositories. */
    static void removeOldProjects(World w) {
        List<String> repos = REPOS.remove(w);
        if (repos != null)
            for (String ref : World.sh("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").stdout().lines().toList())
                if (repos.stream().anyMatch(r -> ref.startsWith(r + ":"))) World.sh("docker", "rmi", "-f", ref);
        for (String line : World.sh("docker", "ps", "-a", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project.working_dir").stdout().lines().toList()) {
            String dir = World.sh("docker", "inspect", "-f", "{{index .Config.Labels \"com.docker.compose.project.working_dir\"}}", line).stdout().strip();
            if (dir.startsWith(w.dir.toString())) World.sh("docker", "rm", "-f", line);
        }
    }

    static List<String> oldProjectContainers(World w, String stack) {
        List<String> out = new ArrayList<>();
        for (String id : World.sh("docker", "ps", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project.working_dir").stdout().lines().toList()) {
            String labels = World.sh("docker", "inspect", "-f", "{{index .Config.Labels \"com.docker.compose.project\"}} {{index .Config.Labels \"com.docker.compose.project.working_dir\"}}", id).stdout().strip();
            if (labels.contains(w.root.toString() + "/releases/stacks/" + stack + "/") && !labels.startsWith(stack + " ")) out.add(id);
        }
        return out;
    }

    @Test
    void theToolReadsTheRootAsItIsAndSaysWhatItWillMakeOfIt() throws Exception {
        try (World w = new World()) {
            try {
                String s = w.name("erp", "-prod");
                Fixture f = fixture(w, s, "production");
                String T1 = f.T1(), T2 = f.T2();
                var before = w.snapshot();

                World.Run look = run(w, "status", "--takeover");
                assertEquals(7, look.exit(), look.toString());
                assertTrue(look.stdout().contains("legacy markers v2"), look.stdout());
                assertTrue(look.stdout().contains("documents (rewritten"), look.stdout());
                assertTrue(look.stdout().contains("2 of another form"), look.stdout());
                assertTrue(look.stdout().contains("old compose project"), look.stdout());
                JsonNode lj = Json.tree(run(w, "status", "--takeover", "--json").stdout());
                assertEquals(2, lj.path("stacks").get(0).path("releases").size());
                for (JsonNode r : lj.path("stacks").get(0).path("releases")) {
                    assertEquals("legacy", r.path("made_by").asText());
                    assertEquals("ran", r.path("judged").asText());
                    assertTrue(r.path("rollback_candidate").asBoolean());
                }

                World.Run st = run(w, "status");
                assertFalse(st.all().contains("pins no images"), st.toString());
                assertFalse(st.all().contains("torn"), st.toString());
                assertFalse(st.all().contains("not a whole record"), st.toString());
                World.Run history = run(w, "status", s, "--history", "5");
                assertTrue(history.stdout().contains(T1) && history.stdout().contains(T2), history.stdout());

                World.Run list = run(w, "rollback", s, "production", "--list");
                assertEquals(0, list.exit(), list.toString());
                assertTrue(list.stdout().contains(T1) && list.stdout().contains(T2), list.stdout());

                World.Run keep2 = run(w, "clean-images", "--keep", "2", "--dry-run");
                assertEquals(0, keep2.exit(), keep2.toString());
                assertFalse(keep2.stdout().contains("incomplete"), keep2.stdout());
                World.Run keep1 = run(w, "clean-images", "--keep", "1", "--dry-run", "--json");
                JsonNode plan = Json.tree(keep1.stdout());
                assertTrue(plan.toString().contains(T1), "beyond the newest 1, the older release may go: " + plan);
                World.Run keep10 = run(w, "clean-images", "--keep", "10", "--dry-run", "--json");
                assertEquals(0, keep10.exit(), keep10.toString());
                for (JsonNode stack : Json.tree(keep10.stdout()).path("stacks"))
                    for (JsonNode r : stack.path("releases"))
                        assertEquals("keep", r.path("action").asText(), "keep 10 deletes no release dir: " + r);
                World.Run markers = run(w, "verify", "list");
                assertTrue(markers.stdout().contains("legacy marker"), markers.stdout());
                assertEquals(before, w.snapshot(), "read-only looks change nothing");
                assertEquals(f.history(), Files.readString(f.layout().historyLog()));
                World.Run realKeep2 = run(w, "clean-images", "--keep", "2", "--yes");
                assertEquals(0, realKeep2.exit(), realKeep2.toString());
                assertTrue(Files.isDirectory(f.layout().releaseDir(s, T1)) && Files.isDirectory(f.layout().releaseDir(s, T2)),
                        "keep 2 keeps both rollback targets");
                assertEquals("v2", w.version(s), "the old project still serves");
                assertTrue(Files.readString(f.layout().historyLog()).startsWith(f.history()), "the old history lines are kept byte for byte");
            } finally {
                removeOldProjects(w);
            }
        }
    }

    @Test
    void theFirstDeployTakesTheStackOverAndARollbackGoesBackToAnOldRelease() throws Exception {
        try (World w = new World()) {
            try {
                String s = w.name("erp", "-prod");
                Fixture f = fixture(w, s, "production");
                String T1 = f.T1(), T2 = f.T2();
                Layout l = f.layout();
                World.Run gate = w.run("deploy", s, "production", "v2");
                assertEquals(3, gate.exit(), gate.toString());
                assertTrue(gate.stderr().contains("verify upgrade v2"), gate.stderr());

                World.Run deploy = w.run("deploy", s, "production", "v3", "--break-glass", "--reason", "first deploy by the tool");
                assertEquals(0, deploy.exit(), deploy.toString());
                assertEquals("v3", w.version(s));
                assertEquals(List.of(), oldProjectContainers(w, s), "the old project's containers are gone");
                assertEquals(1, World.containers(s).size(), "exactly one set of containers serves");
                assertTrue(Files.readString(l.historyLog()).startsWith(f.history()), "the old history lines are kept byte for byte");
                CurrentManifest m = CurrentManifest.read(l, s);
                assertEquals("v3", m.image_tag);
                assertTrue(Files.exists(l.releaseManifest(s, T2)), "the documents' manifest moved into the release it describes");

                World.Run back = run(w, "rollback", s, "production", "--steps", "1");
                assertEquals(0, back.exit(), back.toString());
                assertEquals("v2", w.version(s));
                assertEquals(T2, l.currentReleaseId(s));
                World.Run to = run(w, "rollback", s, "production", "--to", T1);
                assertEquals(0, to.exit(), to.toString());
                assertEquals("v1", w.version(s));
                assertEquals(1, World.containers(s).size());
                assertTrue(Files.readString(l.historyLog()).startsWith(f.history()));
            } finally {
                removeOldProjects(w);
            }
        }
    }

    @Test
    void anUpgradedMarkerLetsProductionDeployTheTagTheStagingReleaseRan() throws Exception {
        try (World w = new World()) {
            try {
                String staging = w.name("erp", "-staging");
                Fixture f = fixture(w, staging, "staging");
                String prod = w.name("erp", "-prod");
                w.stack(prod, null);
                World.Run up = run(w, "verify", "upgrade", "v2", "--from", staging);
                assertEquals(0, up.exit(), up.toString());
                World.Run again = run(w, "verify", "upgrade", "v2", "--from", staging);
                assertEquals(2, again.exit(), again.toString());
                World.Run none = run(w, "verify", "upgrade", "v3", "--from", staging);
                assertEquals(2, none.exit(), none.toString());
                World.Run deploy = w.run("deploy", prod, "production", "v2", "--image", f.repo());
                assertEquals(0, deploy.exit(), deploy.toString());
                assertEquals("v2", w.version(prod));
            } finally {
                removeOldProjects(w);
            }
        }
    }

    @Test
    void aFailingFirstDeployLeavesTheOldReleaseServing() throws Exception {
        try (World w = new World()) {
            try {
                String s = w.name("erp", "-staging");
                Fixture f = fixture(w, s, "staging");
                String T2 = f.T2();
                Layout l = f.layout();
                World.Run r = w.run("deploy", s, "staging", "broken", "--health-timeout", "30");
                assertEquals(5, r.exit(), r.toString());
                assertEquals("v2", w.version(s), "the old project's containers serve again");
                assertEquals(T2, l.currentReleaseId(s));
                assertEquals(1, oldProjectContainers(w, s).size());
                assertEquals(List.of(), World.containers(s), "the failed release's containers are gone");
                assertTrue(Files.readString(l.historyLog()).startsWith(f.history()));
            } finally {
                removeOldProjects(w);
            }
        }
    }
}
