package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.List;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.core.Json;
import lib.model.Layout;
import lib.model.VerificationRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class VerifyIT {

    /** Runs verify.java with this world's --root (verify has no --source). */
    static World.Run verify(World w, String... args) {
        java.util.List<String> a = new java.util.ArrayList<>(List.of(args));
        a.addAll(List.of("--root", w.root.toString()));
        return w.script("verify", a.toArray(String[]::new));
    }

    /** A tag name no other test or run uses: the registry is shared. */
    static String uniqueTag(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
    }

    /** Points APP:newTag at the content of APP:fromTag in the registry. */
    static void pushAs(String fromTag, String newTag) {
        World.Run t = World.sh("docker", "tag", World.APP + ":" + fromTag, World.APP + ":" + newTag);
        assertEquals(0, t.exit(), t.toString());
        World.Run p = World.sh("docker", "push", World.APP + ":" + newTag);
        assertEquals(0, p.exit(), p.toString());
        World.sh("docker", "rmi", World.APP + ":" + newTag);
    }

    /** Replaces the stack's web container by one started by hand from APP:tag, with compose's labels. */
    static String replaceByHand(World w, String stack, String tag) {
        for (String id : World.containers(stack)) World.sh("docker", "rm", "-f", id);
        String name = stack + "-by-hand";
        World.Run r = World.sh("docker", "run", "-d", "--name", name, "--label", "com.docker.compose.project=" + stack,
                "--label", "com.docker.compose.service=web", "--network", "host", "-e", "PORT=" + w.port(stack), World.APP + ":" + tag);
        assertEquals(0, r.exit(), r.toString());
        return name;
    }

    @Test
    void markFromAHealthyStagingStackLetsProductionDeployThatTag() {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String release = l.currentReleaseId(s);

            // through JBang, as `jbang verify.java` runs it (the other tests may use the fast path)
            World.Run mark = w.jbang("verify", "mark", "v1", "--from", s, "--note", "invoices checked", "--run-id", "9", "--json", "--root", w.root.toString());
            assertEquals(0, mark.exit(), mark.toString());
            var json = Json.tree(mark.stdout());
            assertEquals(World.registryDigest("v1"), json.path("image_digest").asText());

            VerificationRecord r = VerificationRecord.read(l, "v1");
            assertEquals("v1", r.tag);
            assertEquals(World.registryDigest("v1"), r.image_digest);
            assertEquals(World.APP + "@" + World.registryDigest("v1"), r.image_ref);
            assertEquals(World.registryDigest("v1"), r.images.get("IMAGE_REF").digest);
            assertEquals(s, r.from_stack);
            assertEquals(release, r.from_release_id);
            assertEquals("tester", r.verified_by);
            assertEquals("invoices checked", r.note);
            assertNotNull(r.verified_at_utc);
            HistoryRecord h = new HistoryLog(l.historyLog()).find(x -> true, 1).get(0);
            assertEquals("verify", h.action);
            assertEquals(s, h.stack);
            assertEquals("v1", h.image_tag);
            assertEquals("9", h.run_id);

            World.Run list = verify(w, "list", "--json");
            assertEquals(0, list.exit(), list.toString());
            var records = Json.tree(list.stdout()).path("records");
            assertEquals(1, records.size());
            assertEquals("v1", records.get(0).path("tag").asText());
            World.Run table = verify(w, "list");
            assertTrue(table.stdout().contains("v1") && table.stdout().contains(s), table.toString());

            World.Run deploy = w.run("deploy", p, "production", "v1");
            assertEquals(0, deploy.exit(), deploy.toString());
            assertEquals("v1", w.version(p));
        }
    }

    @Test
    void aTagMovedAfterItWasVerifiedIsRefused() {
        try (World w = new World()) {
            String tag = uniqueTag("moving");
            pushAs("v2", tag);
            String s = w.stagingStack();
            String p = w.productionStack();
            assertEquals(0, w.run("deploy", s, "staging", tag).exit());
            assertEquals("v2", w.version(s));
            World.Run mark = verify(w, "mark", tag, "--from", s);
            assertEquals(0, mark.exit(), mark.toString());

            pushAs("v3", tag);
            assertEquals(World.registryDigest("v3"), World.registryDigest(tag));
            var before = w.snapshot();
            World.Run refused = w.run("deploy", p, "production", tag);
            assertEquals(3, refused.exit(), refused.toString());
            assertTrue(refused.stderr().contains("tag moved"), refused.stderr());
            assertEquals(before, w.snapshot());
            assertTrue(World.containers(p).isEmpty());
        }
    }

    @Test
    void revokeMakesTheGateRefuseAgain() {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            assertEquals(0, verify(w, "mark", "v2", "--from", s).exit());
            assertEquals(0, w.run("deploy", p, "production", "v2").exit());

            World.Run revoke = verify(w, "revoke", "v2", "--reason", "data bug found", "--json");
            assertEquals(0, revoke.exit(), revoke.toString());
            assertTrue(Json.tree(revoke.stdout()).path("revoked").asBoolean());
            assertFalse(Files.exists(l.verifiedRecord("v2")));
            HistoryRecord h = new HistoryLog(l.historyLog()).find(x -> true, 1).get(0);
            assertEquals("revoke", h.action);
            assertEquals("data bug found", h.reason);

            var before = w.snapshot();
            World.Run again = w.run("deploy", p, "production", "v2");
            assertEquals(3, again.exit(), again.toString());
            assertTrue(again.stderr().contains("no verification record"), again.stderr());
            World.Run twice = verify(w, "revoke", "v2");
            assertEquals(2, twice.exit(), twice.toString());
            assertEquals(before, w.snapshot());
            World.Run list = verify(w, "list");
            assertEquals(0, list.exit(), list.toString());
            assertTrue(list.stdout().contains("no verification records"), list.toString());
        }
    }

    @Test
    void markRefusesWithoutWritingAnything() {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            Layout l = new Layout(w.root);
            World.Run never = verify(w, "mark", "v1", "--from", s);
            assertEquals(2, never.exit(), never.toString());
            assertTrue(never.stderr().contains("never been deployed"), never.stderr());

            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", p, "production", "v1", "--break-glass", "--reason", "first install").exit());
            var before = w.snapshot();
            World.Run otherTag = verify(w, "mark", "v2", "--from", s);
            assertEquals(2, otherTag.exit(), otherTag.toString());
            assertTrue(otherTag.stderr().contains("runs v1"), otherTag.stderr());
            World.Run fromProd = verify(w, "mark", "v1", "--from", p);
            assertEquals(2, fromProd.exit(), fromProd.toString());
            assertTrue(fromProd.stderr().contains("production stack"), fromProd.stderr());
            assertEquals(2, verify(w, "mark", "../v1", "--from", s).exit());
            assertEquals(2, verify(w, "mark", "v1", "--from", "../etc").exit());
            assertEquals(2, verify(w, "mark", "v1", "--from", s, "--note", "two\nlines").exit());
            assertEquals(2, verify(w, "mark", "v1").exit());
            assertEquals(2, verify(w, "mark", "v1", "--from", s, "--health-timeout", "0").exit());
            assertEquals(2, w.script("verify").exit());
            assertEquals(before, w.snapshot());

            String hand = replaceByHand(w, s, "v2");
            World.Run drift = verify(w, "mark", "v1", "--from", s);
            assertEquals(7, drift.exit(), drift.toString());
            assertTrue(drift.stderr().contains(hand), drift.stderr());
            assertEquals(1, drift.stderr().lines().filter(x -> x.startsWith("error:")).count(), drift.stderr());
            assertEquals(before, w.snapshot());
            assertNull(VerificationRecord.read(l, "v1"));
        }
    }

    @Test
    void markRefusesAnUnhealthyStagingStack() {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            World.Run stop = World.sh("docker", "stop", "-t", "0", World.containers(s).get(0));
            assertEquals(0, stop.exit(), stop.toString());
            var before = w.snapshot();
            World.Run r = verify(w, "mark", "v1", "--from", s, "--health-timeout", "5");
            assertEquals(6, r.exit(), r.toString());
            assertTrue(r.stderr().contains("not healthy"), r.stderr());
            assertEquals(before, w.snapshot());
            World.Run check = verify(w, "check", s);
            assertEquals(7, check.exit(), check.toString());
            assertTrue(check.stdout().contains("exited"), check.toString());
        }
    }

    @Test
    void checkFindsAContainerReplacedByHandAMissingServiceAndAnExtraContainer() {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            World.Run clean = verify(w, "check", s, "--json");
            assertEquals(0, clean.exit(), clean.toString());
            var ok = Json.tree(clean.stdout());
            assertEquals("ok", ok.path("outcome").asText());
            assertEquals(0, ok.path("drift").size());
            assertEquals("healthy", ok.path("health").asText());
            var before = w.snapshot();

            String hand = replaceByHand(w, s, "v2");
            awaitVersion(w, s, "v2");
            World.Run replaced = verify(w, "check", s);
            assertEquals(7, replaced.exit(), replaced.toString());
            assertTrue(replaced.stdout().contains(hand) && replaced.stdout().contains(World.APP + ":v2"), replaced.toString());
            World.Run json = verify(w, "check", s, "--json");
            assertEquals(7, json.exit(), json.toString());
            var drift = Json.tree(json.stdout()).path("drift");
            assertEquals(1, drift.size(), json.stdout());
            assertEquals("replaced", drift.get(0).path("kind").asText());
            assertEquals("web", drift.get(0).path("service").asText());
            assertEquals(World.APP + ":v2", drift.get(0).path("actual").asText());
            assertEquals(CurrentManifest.read(l, s).image_ref, drift.get(0).path("expected").asText());
            assertEquals("drift", Json.tree(json.stdout()).path("outcome").asText());

            World.Run extra = World.sh("docker", "run", "-d", "--name", s + "-extra", "--label", "com.docker.compose.project=" + s,
                    "--label", "com.docker.compose.service=sidecar", "--network", "host", "-e", "PORT=" + (w.port(s) + 1),
                    World.APP + ":v1");
            assertEquals(0, extra.exit(), extra.toString());
            World.sh("docker", "rm", "-f", hand);
            World.Run both = verify(w, "check", s, "--json");
            assertEquals(7, both.exit(), both.toString());
            List<String> kinds = java.util.stream.StreamSupport.stream(Json.tree(both.stdout()).path("drift").spliterator(), false)
                    .map(d -> d.path("kind").asText()).sorted().toList();
            assertEquals(List.of("extra", "missing"), kinds, both.stdout());
            assertEquals(before, w.snapshot());
        }
    }

    @Test
    void checkOfAnUnknownStackIsBadInput() {
        try (World w = new World()) {
            World.Run r = verify(w, "check", "nothing-here-staging");
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.stderr().contains("unknown stack"), r.stderr());
            assertEquals(2, verify(w, "check", "Bad/Name").exit());
            assertFalse(Files.exists(w.root));
        }
    }

    static void awaitVersion(World w, String stack, String version) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (version.equals(w.version(stack))) return;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        fail(stack + " does not answer " + version);
    }
}
