package it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import lib.model.CurrentManifest;
import lib.core.Json;
import lib.model.Layout;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
@Order(7) // long: started early (tests/run.java)
class StatusIT {

    /** Runs status.java with this world's --root (status has no --source). */
    static World.Run status(World w, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script("status", a.toArray(String[]::new));
    }

    static JsonNode stackIn(JsonNode overview, String stack) {
        for (JsonNode s : overview.path("stacks")) if (stack.equals(s.path("stack").asText())) return s;
        return fail("no " + stack + " in " + overview);
    }

    @Test
    void jsonAndTableForTwoStacks() {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            assertEquals(0, w.run("deploy", p, "production", "v3", "--break-glass", "--reason", "INC-1").exit());
            var before = w.snapshot();

            World.Run r = status(w, "--json");
            assertEquals(0, r.exit(), r.toString());
            JsonNode all = Json.tree(r.stdout());
            assertEquals(2, all.path("stacks").size());
            JsonNode st = stackIn(all, s);
            assertEquals("staging", st.path("env").asText());
            assertEquals("v2", st.path("image_tag").asText());
            assertEquals(World.registryDigest("v2"), st.path("image_digest").asText());
            assertEquals(l.currentReleaseId(s), st.path("release_id").asText());
            assertEquals("tester", st.path("actor").asText());
            assertFalse(st.path("break_glass").asBoolean());
            assertEquals("healthy", st.path("health").asText());
            assertTrue(st.path("consistent").asBoolean(), st.toString());
            assertEquals(1, st.path("containers").size());
            JsonNode pr = stackIn(all, p);
            assertEquals("production", pr.path("env").asText());
            assertEquals("v3", pr.path("image_tag").asText());
            assertTrue(pr.path("break_glass").asBoolean());
            assertEquals("INC-1", pr.path("break_glass_reason").asText());
            assertTrue(pr.path("consistent").asBoolean(), pr.toString());
            assertEquals(3, all.path("history").size());
            assertEquals(p, all.path("history").get(0).path("stack").asText());

            World.Run table = w.jbang("status", "--root", w.root.toString()); // through JBang, as `jbang status.java` runs it
            assertEquals(0, table.exit(), table.toString());
            String out = table.stdout();
            assertTrue(out.contains(s) && out.contains(p), out);
            assertTrue(out.contains("BREAK-GLASS"), out);
            assertTrue(out.contains("healthy"), out);
            assertTrue(out.contains(World.registryDigest("v2").substring(7, 19)), out);
            assertTrue(out.contains("ago"), out);
            assertFalse(out.contains("\u001b["), "no colour when piped");

            World.Run one = status(w, s, "--history", "1", "--json");
            assertEquals(0, one.exit(), one.toString());
            JsonNode detail = Json.tree(one.stdout());
            assertEquals(1, detail.path("history").size());
            assertEquals("v2", detail.path("manifest").path("image_tag").asText());
            assertEquals(l.releaseDir(s, l.currentReleaseId(s)).toString(), detail.path("link_target").asText());
            assertEquals(World.APP + "@" + World.registryDigest("v2"), detail.path("containers").get(0).path("image").asText());
            assertEquals("healthy", detail.path("containers").get(0).path("health").asText());

            World.Run text = status(w, s);
            assertEquals(0, text.exit(), text.toString());
            assertTrue(text.stdout().contains("image_digest") && text.stdout().contains("history (last 2"), text.stdout());
            assertEquals(before, w.snapshot());
        }
    }

    @Test
    void emptyRootSaysSoAndUnknownStacksAreErrors() {
        try (World w = new World()) {
            World.Run empty = status(w);
            assertEquals(0, empty.exit(), empty.toString());
            assertTrue(empty.stdout().contains("no stacks"), empty.toString());
            World.Run json = status(w, "--json");
            assertEquals(0, json.exit(), json.toString());
            assertEquals(0, Json.tree(json.stdout()).path("stacks").size());
            assertFalse(Files.exists(w.root), "status creates nothing");

            World.Run unknown = status(w, "ghost-staging");
            assertEquals(2, unknown.exit(), unknown.toString());
            assertTrue(unknown.stderr().contains("unknown stack"), unknown.stderr());
            assertEquals(2, status(w, "../x").exit());
            assertEquals(2, status(w, "--history", "-1").exit());
            assertEquals(2, status(w, "--history", "many").exit());
            assertFalse(Files.exists(w.root));
        }
    }

    @Test
    void anInconsistentRootIsReportedNotACrash() throws Exception {
        try (World w = new World()) {
            String a = w.stagingStack();
            String b = w.stagingStack();
            String c = w.stagingStack();
            String d = w.stagingStack();
            Layout l = new Layout(w.root);
            for (String s : List.of(a, b, c, d)) assertEquals(0, w.run("deploy", s, "staging", "v1").exit());

            // a: a link without a manifest
            Files.delete(l.manifest(a));
            // b: a manifest naming a release dir that does not exist
            CurrentManifest mb = CurrentManifest.read(l, b);
            mb.release_id = "v1__20000101T000000Z";
            Files.delete(l.manifest(b));
            Files.writeString(l.manifest(b), lib.core.Json.pretty(mb));
            // c: a link pointing outside the root
            Files.delete(l.stackLink(c));
            Files.createSymbolicLink(l.stackLink(c), w.dir);
            // the history: a torn last line
            Files.writeString(l.historyLog(), "{\"at_utc\":\"2026-01-0", StandardOpenOption.APPEND);
            var before = w.snapshot();

            World.Run r = status(w);
            assertEquals(7, r.exit(), r.toString());
            String out = r.stdout();
            assertTrue(out.contains("no manifest"), out);
            assertTrue(out.contains("v1__20000101T000000Z") && out.contains("missing"), out);
            assertTrue(out.contains("points outside"), out);
            assertTrue(r.stderr().contains("the last line is not a whole record"), r.stderr());
            assertFalse(r.all().contains("Exception"), r.toString());

            World.Run json = status(w, "--json");
            assertEquals(7, json.exit(), json.toString());
            JsonNode all = Json.tree(json.stdout());
            assertEquals(4, all.path("stacks").size());
            for (String s : List.of(a, b, c)) {
                JsonNode st = stackIn(all, s);
                assertFalse(st.path("consistent").asBoolean(true), st.toString());
                assertTrue(st.path("problems").size() > 0, st.toString());
            }
            assertTrue(stackIn(all, d).path("consistent").asBoolean(), all.toString());
            assertEquals(1, all.path("warnings").size(), all.toString());
            assertEquals(4, all.path("history").size());

            for (String s : List.of(a, b, c)) {
                World.Run one = status(w, s);
                assertEquals(7, one.exit(), one.toString());
                assertTrue(one.stdout().contains("inconsistencies:"), one.toString());
                assertFalse(one.all().contains("Exception"), one.toString());
                World.Run check = VerifyIT.verify(w, "check", s);
                assertEquals(7, check.exit(), check.toString());
            }
            World.Run fine = status(w, d);
            assertEquals(0, fine.exit(), fine.toString());
            assertEquals(before, w.snapshot());
        }
    }

    @Test
    void driftShowsInTheTable() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String hand = VerifyIT.replaceByHand(w, s, "v3");
            World.Run r = status(w);
            assertEquals(7, r.exit(), r.toString());
            assertTrue(r.stdout().contains("no (drift)") && r.stdout().contains(hand), r.stdout());
            World.Run one = status(w, s, "--json");
            assertEquals(7, one.exit(), one.toString());
            JsonNode c = Json.tree(one.stdout()).path("containers").get(0);
            assertEquals(hand, c.path("name").asText());
            assertFalse(c.path("matches").asBoolean(true));
        }
    }

    /** The commit before status read the engine once for all stacks: what its output is compared with. */
    static final String BEFORE = "95372c0";

    /**
     * A root of several stacks (healthy, drifted, a link without a manifest, a manifest naming a
     * missing release, a shell-script release dir without release.json, a stack without containers):
     * the table, the detail lines and the exit code are the same as the status of {@link #BEFORE},
     * which asked compose and docker about each stack in turn.
     */
    @Test
    void theTableOfManyStacksIsTheSameAsBefore() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String healthy = w.stagingStack();
            String drifted = w.stagingStack();
            String noManifest = w.stagingStack();
            String missing = w.stagingStack();
            String legacy = w.stagingStack();
            String stopped = w.stagingStack();
            for (String s : List.of(healthy, drifted, noManifest, missing, legacy, stopped))
                assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", healthy, "staging", "v2").exit());
            VerifyIT.replaceByHand(w, drifted, "v3");
            Files.delete(l.manifest(noManifest));
            CurrentManifest mm = CurrentManifest.read(l, missing);
            mm.release_id = "v1__20000101T000000Z";
            Files.delete(l.manifest(missing));
            Files.writeString(l.manifest(missing), Json.pretty(mm));
            // a release dir as the shell scripts leave it: compose file, config/, .env; no facts, no manifest
            java.nio.file.Path rel = l.releaseDir(legacy, l.currentReleaseId(legacy));
            for (String f : List.of("release.json", ".manifest.json", ".succeeded")) Files.deleteIfExists(rel.resolve(f));
            Files.createDirectories(rel.resolve("config"));
            Files.delete(l.manifest(legacy));
            for (String id : World.containers(stopped)) World.sh("docker", "stop", "-t", "0", id);

            java.nio.file.Path old = w.dir.resolve("before");
            Files.createDirectories(old);
            World.Run archive = World.sh("sh", "-c", "git -C '" + World.REPO + "' archive " + BEFORE + " status.java lib | tar -x -C '" + old + "'");
            assertEquals(0, archive.exit(), "the status of " + BEFORE + " is needed from the repository's history: " + archive);
            List<String> cmd = List.of(World.REPO.resolve("jbang").toString(), old.resolve("status.java").toString(), "--root", w.root.toString());
            World.Run before = w.exec(cmd, java.util.Map.of());
            World.Run after = status(w);
            assertEquals(before.exit(), after.exit(), before + "\n" + after);
            assertEquals(7, after.exit(), after.toString());
            // the one intended difference: a release dir of the shell scripts is a release now (its tag and
            // digest come from its .env), where the status before the adoption work said it had no release.json
            assertEquals(without(withoutAgo(before.stdout()), legacy), without(withoutAgo(after.stdout()), legacy));
            String legacyRow = after.stdout().lines().filter(x -> x.startsWith(legacy)).findFirst().orElse("");
            assertTrue(legacyRow.contains(" v1 ") && legacyRow.contains("sha256:"), legacyRow);
            assertFalse(after.stdout().contains("has no release.json"), after.stdout());
            assertTrue(before.stdout().contains("has no release.json"), before.stdout());
            for (String s : List.of(healthy, drifted, noManifest, missing, legacy, stopped)) assertTrue(after.stdout().contains(s), after.stdout());
            assertTrue(after.stdout().contains("no (drift)") && after.stdout().contains("exited"), after.stdout());
        }
    }

    /** {@code out} without the lines that name {@code stack}. */
    static String without(String out, String stack) {
        return String.join("\n", out.lines().filter(x -> !x.contains(stack)).toList());
    }

    /** "(3s ago)" becomes "(1m ago)" between two runs: the rest of a line must not change. */
    static String withoutAgo(String out) {
        return out.replaceAll("\\(\\d+[smhd]( \\d+[smhd])? ago\\)", "(ago)").replaceAll(" +\n", "\n").replaceAll("  +", " ");
    }

    /**
     * The shell scripts ran `docker-compose up -d` inside the release dir: the stack's container then
     * belongs to the compose project named after the release dir. status counts it as the stack's,
     * healthy and agreeing, and says it belongs to an old project.
     */
    @Test
    void aContainerOfAnOldComposeProjectIsTheStacks() {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            java.nio.file.Path rel = l.releaseDir(s, l.currentReleaseId(s));
            for (String id : World.containers(s)) World.sh("docker", "rm", "-f", id);
            World.Run inRelease = World.sh("sh", "-c", "cd '" + rel + "' && docker-compose --ansi never up -d");
            assertEquals(0, inRelease.exit(), inRelease.toString());
            String project = rel.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            try {
                assertEquals(List.of(), World.containers(s));
                World.Run table = status(w);
                assertEquals(0, table.exit(), table.toString());
                assertTrue(table.stdout().contains("belongs to an old compose project '" + project + "'"), table.stdout());
                World.Run one = status(w, s, "--json");
                assertEquals(0, one.exit(), one.toString());
                JsonNode j = Json.tree(one.stdout());
                assertEquals("healthy", j.path("health").asText(), j.toString());
                assertTrue(j.path("consistent").asBoolean(), j.toString());
                assertEquals(project, j.path("containers").get(0).path("foreign_project").asText(), j.toString());
                assertEquals(0, VerifyIT.verify(w, "check", s).exit());
                World.Run metrics = status(w, "--format", "prometheus");
                assertTrue(metrics.stdout().contains("seisei_stack_healthy{stack=\"" + s + "\"} 1"), metrics.toString());
            } finally {
                World.sh("sh", "-c", "cd '" + rel + "' && docker-compose --ansi never down -t 0");
            }
        }
    }

    /** status --format prometheus passes promtool, Prometheus' own checker of the text format. */
    @Test
    void prometheusMetricsPassPromtool() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", p, "production", "v1", "--break-glass", "--reason", "INC-\"7\"").exit());
            VerifyIT.replaceByHand(w, s, "v3");
            var before = w.snapshot();
            World.Run r = status(w, "--format", "prometheus");
            assertEquals(0, r.exit(), "drift is in the metrics, not in the exit code: " + r);
            String text = r.stdout();
            assertTrue(text.contains("seisei_stack_agree{stack=\"" + s + "\"} 0"), text);
            assertTrue(text.contains("seisei_stack_agree{stack=\"" + p + "\"} 1"), text);
            assertTrue(text.contains("seisei_stack_healthy{stack=\"" + p + "\"} 1"), text);
            assertTrue(text.contains("stack=\"" + p + "\",env=\"production\",tag=\"v1\",digest=\"" + World.registryDigest("v1") + "\""), text);
            assertTrue(text.contains("break_glass=\"true\""), text);
            assertTrue(text.contains("seisei_stack_release_dirs{stack=\"" + s + "\"} 1"), text);
            assertTrue(text.contains("seisei_status_engine_up 1"), text);
            java.nio.file.Path file = w.dir.resolve("seisei.prom");
            Files.writeString(file, text);
            World.Run promtool = World.sh("sh", "-c", "promtool check metrics < '" + file + "'");
            assertEquals(0, promtool.exit(), "promtool (apt-get install prometheus; dev/local-engine.sh installs it): " + promtool);
            World.Run broken = World.sh("sh", "-c", "printf 'seisei_x{stack=\"a} 1\\n' | promtool check metrics");
            assertNotEquals(0, broken.exit(), "promtool must refuse a malformed line: " + broken);
            assertEquals(2, status(w, "--format", "prometheus", "--json").exit());
            assertEquals(2, status(w, "--format", "yaml").exit());
            assertEquals(before, w.snapshot());
        }
    }
}
