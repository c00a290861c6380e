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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
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
}
