package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lib.core.Json;
import lib.model.Layout;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import support.DeployServer;
import support.GitHubRunner;
import support.GitLabRunner;
import support.World;

/**
 * The CI examples, run: this machine is prepared as the README's "Preparing a server" says (a deploy
 * user whose key may only run the forced-command wrapper through sudo, an sshd on 127.0.0.1), and
 * the workflows' and pipeline's own lines run against it as GitHub and GitLab would run them: two
 * builds of a two-image app into one digest file each, staging deploys, a verification with a note,
 * a gated production deploy, one refused by the gate and one through break-glass, a rollback by
 * steps and one to a tag. Reasons and notes carry spaces, quotes, `$(...)`, backquotes, `;`, `|`,
 * `&`, a backslash, `$HOME` and non-ASCII text: each must be recorded exactly as typed, and nothing
 * in them may run on the runner or the server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Order(2) // long: started early (tests/run.java)
class CiPipelinesIT {
    World w;
    DeployServer server;
    Layout layout;
    final String unique = Long.toString(System.currentTimeMillis(), 36) + ProcessHandle.current().pid() % 1000;
    final Path pwned = Path.of("/tmp/seisei-pwned-" + unique);
    /** What a person might type as a reason. */
    final String hostile = "it's \"urgent\": $(touch " + pwned + ") `touch " + pwned + "` ; touch " + pwned + " | cat & \\ $HOME 確認済み";
    final Map<String, Integer> webPorts = new HashMap<>(), apiPorts = new HashMap<>();
    final List<String> registryPrefixes = new ArrayList<>();

    @BeforeAll
    void up() {
        w = new World();
        layout = new Layout(w.root);
        server = new DeployServer(w);
    }

    @AfterAll
    void down() {
        try {
            if (server != null) server.close();
            if (w != null) w.close();
            for (String prefix : registryPrefixes) {
                World.Run images = World.sh("docker", "images", "--format", "{{.Repository}}:{{.Tag}}");
                List<String> ours = images.stdout().lines().filter(l -> l.startsWith(prefix + "/")).toList();
                if (!ours.isEmpty()) {
                    List<String> rmi = new ArrayList<>(List.of("docker", "rmi", "-f"));
                    rmi.addAll(ours);
                    World.sh(rmi.toArray(String[]::new));
                }
            }
        } finally {
            assertFalse(Files.exists(pwned), "something in a reason or note ran as a command");
        }
    }

    @Test
    void githubWorkflowsBuildDeployVerifyPromoteAndRollBack() {
        String staging = stack("gh", "-staging"), prod = stack("gh", "-prod");
        Path origin = app(w.dir.resolve("gh-app"));
        String owner = "seisei-ci-gh-" + unique;
        registryPrefixes.add(World.REGISTRY + "/" + owner);
        try (GitHubRunner gh = new GitHubRunner(w.dir.resolve("gh"), origin, owner)) {
            gh.workflowEnv.put("REGISTRY", World.REGISTRY);
            gh.vars.putAll(Map.of("SEISEI_SCRIPTS", gh.scripts, "STAGING_STACK", staging, "DEPLOY_HOST", "127.0.0.1",
                    "DEPLOY_PORT", String.valueOf(server.port), "DEPLOY_USER", server.user, "DEPLOY_KNOWN_HOSTS", server.knownHosts));
            gh.secrets.putAll(Map.of("DEPLOY_SSH_KEY", server.privateKey, "GITHUB_TOKEN", "ghs_test-token"));

            String a = commit(origin, "gh-A");
            GitHubRunner.Result buildA = gh.push("build.yml", a, "alice");
            assertTrue(buildA.ok(), buildA + server.log());
            String tagA = buildA.outputs().get("build").get("tag");
            assertEquals("sha-" + a.substring(0, 7), tagA, "the tag build-image gave every image");
            assertServes(staging, "gh-A");
            assertPinned(staging, tagA, World.REGISTRY + "/" + owner);

            String note = "checked the \"invoices\" page; $(touch " + pwned + ") ok 確認";
            GitHubRunner.Result verify = gh.dispatch("verify.yml", Map.of("stack", staging, "image_tag", tagA, "note", note), a, "bob");
            assertTrue(verify.ok(), verify.toString());
            JsonNode record = Json.tree(World.read(layout.verifiedRecord(tagA)));
            assertEquals(note, record.path("note").asText(), "the note exactly as typed");
            assertEquals("bob", record.path("verified_by").asText());

            GitHubRunner.Result promote = gh.dispatch("deploy.yml",
                    Map.of("environment", "production", "stack", prod, "image_tag", tagA, "build_run_id", buildA.runId()), a, "carol");
            assertTrue(promote.ok(), promote.toString());
            assertServes(prod, "gh-A");
            assertEquals("carol", manifest(prod).path("actor").asText());

            String b = commit(origin, "gh-B");
            GitHubRunner.Result buildB = gh.push("build.yml", b, "alice");
            assertTrue(buildB.ok(), buildB.toString());
            String tagB = buildB.outputs().get("build").get("tag");
            assertServes(staging, "gh-B");

            Map<String, String> promoteB = new HashMap<>(Map.of("environment", "production", "stack", prod, "image_tag", tagB, "build_run_id", buildB.runId()));
            GitHubRunner.Result refused = gh.dispatch("deploy.yml", promoteB, b, "carol");
            assertFalse(refused.ok(), refused.toString());
            assertEquals(3, refused.exit(), "the gate's exit code comes back through ssh: " + refused);
            assertServes(prod, "gh-A");

            promoteB.putAll(Map.of("break_glass", "true", "reason", hostile));
            GitHubRunner.Result breakGlass = gh.dispatch("deploy.yml", promoteB, b, "carol");
            assertTrue(breakGlass.ok(), breakGlass.toString());
            assertServes(prod, "gh-B");
            assertTrue(manifest(prod).path("break_glass").asBoolean());
            assertEquals(hostile, manifest(prod).path("break_glass_reason").asText(), "the reason exactly as typed");

            GitHubRunner.Result back = gh.dispatch("rollback.yml", Map.of("environment", "production", "stack", prod, "reason", hostile), b, "dave");
            assertTrue(back.ok(), back.toString());
            assertServes(prod, "gh-A");
            assertEquals(hostile, lastRollback(prod).path("reason").asText(), "the reason exactly as typed");

            GitHubRunner.Result forward = gh.dispatch("rollback.yml",
                    Map.of("environment", "production", "stack", prod, "to", tagB, "reason", "back to B, it was fine"), b, "dave");
            assertTrue(forward.ok(), forward.toString());
            assertServes(prod, "gh-B");
            assertEquals("back to B, it was fine", lastRollback(prod).path("reason").asText());
            assertEquals("dave", lastRollback(prod).path("actor").asText());

            assertTrue(gh.jobsRun.contains("verify.yml/mark @signoff"), gh.jobsRun.toString());
            assertTrue(gh.jobsRun.contains("deploy.yml/deploy @production"), gh.jobsRun.toString());
            assertTrue(gh.jobsRun.contains("deploy.yml/deploy @staging"), "build.yml deploys to staging through deploy.yml: " + gh.jobsRun);
            assertFalse(Files.exists(pwned));
        }
    }

    @Test
    void gitlabPipelineBuildsDeploysVerifiesPromotesAndRollsBack() {
        String staging = stack("gl", "-staging"), prod = stack("gl", "-prod");
        Path origin = app(w.dir.resolve("gl-app"));
        String image = World.REGISTRY + "/seisei-ci-gl-" + unique + "/app";
        registryPrefixes.add(image);
        try (GitLabRunner gl = new GitLabRunner(w.dir.resolve("gl"), origin, image)) {
            gl.project.putAll(Map.of("SEISEI_SCRIPTS", gl.scripts, "STAGING_STACK", staging, "PRODUCTION_STACK", prod,
                    "DEPLOY_HOST", "127.0.0.1", "DEPLOY_PORT", String.valueOf(server.port), "DEPLOY_USER", server.user));
            gl.projectFiles.putAll(Map.of("DEPLOY_SSH_KEY", server.privateKey, "DEPLOY_KNOWN_HOSTS", server.knownHosts + "\n"));

            String a = commit(origin, "gl-A");
            List<GitLabRunner.Result> first = gl.push(a, "alice");
            assertEquals(List.of("build", "deploy-staging"), first.stream().map(GitLabRunner.Result::job).toList(), first.toString());
            assertTrue(first.stream().allMatch(GitLabRunner.Result::ok), first.toString() + server.log());
            GitLabRunner.Pipeline p1 = gl.last;
            String tagA = "sha-" + a.substring(0, 7);
            assertServes(staging, "gl-A");
            assertPinned(staging, tagA, image);

            GitLabRunner.Result verify = gl.manual(p1, "verify-staging", Map.of("VERIFY_NOTE", hostile), "bob");
            assertTrue(verify.ok(), verify.toString());
            assertEquals(hostile, Json.tree(World.read(layout.verifiedRecord(tagA))).path("note").asText());

            GitLabRunner.Result promote = gl.manual(p1, "deploy-production", Map.of(), "carol");
            assertTrue(promote.ok(), promote.toString());
            assertServes(prod, "gl-A");

            String b = commit(origin, "gl-B");
            List<GitLabRunner.Result> second = gl.push(b, "alice");
            assertTrue(second.stream().allMatch(GitLabRunner.Result::ok), second.toString());
            GitLabRunner.Pipeline p2 = gl.last;
            assertServes(staging, "gl-B");

            GitLabRunner.Result refused = gl.manual(p2, "deploy-production", Map.of(), "carol");
            assertEquals(3, refused.exit(), "the gate refuses an unverified tag: " + refused);
            GitLabRunner.Result breakGlass = gl.manual(p2, "deploy-production", Map.of("BREAK_GLASS", "true", "BREAK_GLASS_REASON", hostile), "carol");
            assertTrue(breakGlass.ok(), breakGlass.toString());
            assertServes(prod, "gl-B");
            assertEquals(hostile, manifest(prod).path("break_glass_reason").asText());

            GitLabRunner.Result back = gl.manual(p2, "rollback-production", Map.of("ROLLBACK_REASON", hostile), "dave");
            assertTrue(back.ok(), back.toString());
            assertServes(prod, "gl-A");
            assertEquals(hostile, lastRollback(prod).path("reason").asText());

            String idB = null;
            for (JsonNode h : history(prod))
                if (h.path("action").asText().equals("deploy") && h.path("outcome").asText().equals("success") && h.path("image_tag").asText().equals("sha-" + b.substring(0, 7))) idB = h.path("release_id").asText();
            assertNotNull(idB, "the break-glass deploy's release");
            GitLabRunner.Result forward = gl.manual(p2, "rollback-production", Map.of("ROLLBACK_TO", idB, "ROLLBACK_REASON", "back to B"), "dave");
            assertTrue(forward.ok(), forward.toString());
            assertServes(prod, "gl-B");
            assertEquals(idB, manifest(prod).path("release_id").asText());
            assertFalse(Files.exists(pwned));
        }
    }

    @Test
    void theWrapperRunsOnlyARequestAndRefusesTheRestBeforeAnyScriptRuns() throws Exception {
        Path secret = w.dir.resolve("secret-" + unique);
        World.write(secret, "SECRET-" + unique + "\n");
        Map<String, String> before = w.snapshot();
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("{\"script\": \"build-image\", \"args\": []}", "script must be one of");
        refused.put("{\"script\": \"deploy\", \"args\": [\"web-staging\", \"staging\", \"v1\", \"--root=/tmp\"]}", "--root is decided on the server");
        refused.put("{\"script\": \"deploy\", \"args\": [\"web-staging\", \"--digest-file\", \"/etc/shadow\"]}", "--digest-file is decided");
        refused.put("{\"script\": \"deploy\", \"args\": [\"--source\", \"/\"]}", "--source is decided");
        refused.put("{\"script\": \"status\", \"args\": []} {\"script\": \"status\", \"args\": []}", "exactly one JSON object");
        refused.put("status --json", "not valid JSON");
        refused.put("", "exactly one JSON object");
        refused.put("{\"script\": \"status\", \"args\": [\"a\\u0000b\"]}", "NUL");
        refused.put("{\"script\": \"status\", \"args\": [1]}", "array of strings");
        refused.put("{\"script\": \"status\", \"args\": \"--json\"}", "array of strings");
        refused.put("{\"script\": \"status\", \"args\": [], \"run\": \"id\"}", "unknown key run");
        refused.put("{\"script\": \"rollback\", \"args\": [], \"digest_file\": {}}", "digest_file is for deploy only");
        for (var r : refused.entrySet()) {
            World.Run run = ssh(r.getKey());
            assertEquals(2, run.exit(), r.getKey() + "\n" + run);
            assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
            assertTrue(run.stderr().startsWith("error: seisei-ssh-command: ") && run.stderr().contains(r.getValue()), r.getKey() + "\n" + run);
        }
        // a command on the ssh line is not run: the key runs the wrapper, which reads its request from stdin
        World.Run status = ssh("{\"script\": \"status\", \"args\": [\"--json\"]}", "touch " + pwned + "; echo ran");
        assertEquals(0, status.exit(), status.toString());
        assertFalse(status.stdout().contains("ran"), status.toString());
        Json.tree(status.stdout());
        // JBang would read an argument @FILE as a file of arguments: refused; as an option's value it is text
        World.Run at = ssh("{\"script\": \"status\", \"args\": [\"@" + secret + "\"]}");
        assertEquals(2, at.exit(), at.toString());
        assertTrue(at.stderr().contains("an argument starts with @"), at.toString());
        assertFalse(at.all().contains("SECRET-" + unique), at.toString());
        World.Run value = ssh("{\"script\": \"rollback\", \"args\": [\"no-such-staging\", \"staging\", \"--reason=@" + secret + "\"]}");
        assertEquals(2, value.exit(), value.toString());
        assertFalse(value.all().contains("SECRET-" + unique), value.toString());
        assertEquals(before, w.snapshot(), "nothing under the root changed");
        assertFalse(Files.exists(pwned));
    }

    /** The request on stdin of an ssh to the deploy user with the CI key, as the pipelines send it (plus a command on the ssh line, if any). */
    World.Run ssh(String request, String... command) throws Exception {
        Path key = w.dir.resolve("ci-key"), known = w.dir.resolve("ci-known-hosts"), in = Files.createTempFile(w.dir, "request", ".json");
        if (!Files.exists(key)) {
            World.write(key, server.privateKey);
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            World.write(known, server.knownHosts + "\n");
        }
        World.write(in, request);
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "none", "-T", "-p", String.valueOf(server.port), "-i", key.toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + known,
                server.user + "@127.0.0.1"));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile());
        Path out = Files.createTempFile(w.dir, "o", ".txt"), err = Files.createTempFile(w.dir, "e", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "ssh timed out");
        return new World.Run(p.exitValue(), World.read(out), World.read(err));
    }

    // ---- the app CI builds and the stacks it deploys to

    /**
     * A git repository with examples/app twice in its service map, as the services the examples build
     * (odoo18 and ocr, images of the same names), busybox committed for the FROM-scratch build.
     */
    Path app(Path dir) {
        try {
            Files.createDirectories(dir.resolve("www"));
            Files.copy(World.REPO.resolve("examples/app/Dockerfile"), dir.resolve("Dockerfile"));
            for (String f : List.of("health", "index.html")) Files.copy(World.REPO.resolve("examples/app/www").resolve(f), dir.resolve("www").resolve(f));
            Files.copy(Path.of("/bin/busybox"), dir.resolve("busybox"));
            World.write(dir.resolve("seisei-services.json"), "{\"services\": {"
                    + "\"odoo18\": {\"image\": \"odoo18\", \"context\": \".\", \"dockerfile\": \"Dockerfile\"},"
                    + "\"ocr\": {\"image\": \"ocr\", \"context\": \".\", \"dockerfile\": \"Dockerfile\"}}}\n");
            World.write(dir.resolve(".gitignore"), "image-digests*.json\n");
            git(dir, "init", "-q", "-b", "main");
            git(dir, "config", "user.email", "ci@example.invalid");
            git(dir, "config", "user.name", "ci");
            return dir;
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A commit whose app answers {@code version} on /version; its sha. */
    static String commit(Path app, String version) {
        World.write(app.resolve("www/version"), version + "\n");
        git(app, "add", "-A");
        git(app, "commit", "-q", "-m", version);
        return git(app, "rev-parse", "HEAD").strip();
    }

    static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        World.Run r = World.sh(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return r.stdout();
    }

    /** A stack running both images: odoo18 as service web on APP_PORT, ocr on API_PORT, each pinned through its own .env variable. */
    String stack(String prefix, String suffix) {
        String name = w.stack(w.name(prefix, suffix), "{\"images\": [{\"name\": \"odoo18\", \"var\": \"IMAGE_REF\"}, {\"name\": \"ocr\", \"var\": \"OCR_IMAGE_REF\"}],"
                + " \"health\": {\"timeout_seconds\": 60}}");
        // ports the kernel picks, not World's sequence from a base other test JVMs may share
        int web = DeployServer.freePort(), api = DeployServer.freePort();
        webPorts.put(name, web);
        apiPorts.put(name, api);
        Path d = w.source.resolve(name);
        World.write(d.resolve("docker-compose.yml"), String.join("\n", "version: \"2.4\"", "services:",
                "  web:", "    image: ${IMAGE_REF}", "    network_mode: host", "    environment:", "      PORT: ${APP_PORT}",
                "  ocr:", "    image: ${OCR_IMAGE_REF}", "    network_mode: host", "    environment:", "      PORT: ${API_PORT}", ""));
        World.write(d.resolve(".env"), "APP_PORT=" + web + "\nAPI_PORT=" + api + "\n");
        return name;
    }

    void assertServes(String stack, String version) {
        assertEquals(version, get(webPorts.get(stack)), stack + " web");
        assertEquals(version, get(apiPorts.get(stack)), stack + " ocr");
    }

    /** Both images of the stack's release are pinned by digest, from the build's one digest file. */
    void assertPinned(String stack, String tag, String repositoryPrefix) {
        JsonNode m = manifest(stack);
        assertEquals(tag, m.path("image_tag").asText());
        String env = World.read(Path.of(m.path("release_dir").asText()).resolve(".env"));
        assertTrue(env.contains("\nIMAGE_REF=" + repositoryPrefix + "/odoo18@sha256:") || env.startsWith("IMAGE_REF=" + repositoryPrefix + "/odoo18@sha256:"), env);
        assertTrue(env.contains("OCR_IMAGE_REF=" + repositoryPrefix + "/ocr@sha256:"), env);
    }

    JsonNode manifest(String stack) {
        return Json.tree(World.read(layout.manifest(stack)));
    }

    List<JsonNode> history(String stack) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : World.read(layout.historyLog()).split("\n")) {
            if (line.isBlank()) continue;
            JsonNode h = Json.tree(line);
            if (h.path("stack").asText().equals(stack)) out.add(h);
        }
        return out;
    }

    JsonNode lastRollback(String stack) {
        JsonNode last = null;
        for (JsonNode h : history(stack)) if (h.path("action").asText().equals("rollback")) last = h;
        assertNotNull(last, "a rollback record of " + stack);
        return last;
    }

    static String get(int port) {
        try {
            var c = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build();
            var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/version"))
                    .timeout(java.time.Duration.ofSeconds(3)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body().strip() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
