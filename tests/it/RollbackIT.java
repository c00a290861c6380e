package it;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, nothing shared
class RollbackIT {

    @Test
    void stepsAndToServeTheEarlierReleases() {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String v1 = l.currentReleaseId(s);
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            String v2 = l.currentReleaseId(s);
            assertEquals(0, w.run("deploy", s, "staging", "v3").exit());
            String v3 = l.currentReleaseId(s);

            World.Run list = w.run("rollback", s, "staging", "--list", "--json");
            assertEquals(0, list.exit(), list.toString());
            var rows = lib.core.Json.tree(list.stdout());
            assertEquals(3, rows.size());
            assertEquals(v3, rows.get(0).path("release_id").asText());
            assertTrue(rows.get(0).path("current").asBoolean());

            // through JBang, as `jbang rollback.java` runs it (the other tests may use the fast path)
            World.Run r = w.jbang("rollback", s, "staging", "--steps", "1", "--run-id", "77", "--root", w.root.toString());
            assertEquals(0, r.exit(), r.toString());
            assertEquals("v2", w.version(s));
            assertEquals(v2, l.currentReleaseId(s));
            CurrentManifest m = CurrentManifest.read(l, s);
            assertEquals(v2, m.release_id);
            assertEquals("v2", m.image_tag);
            assertEquals(World.registryDigest("v2"), m.image_digest);
            assertEquals("rollback", m.action);
            assertEquals(v3, m.previous_release_id);
            HistoryRecord h = new HistoryLog(l.historyLog()).find(x -> true, 1).get(0);
            assertEquals("rollback", h.action);
            assertEquals("success", h.outcome);
            assertEquals(v3, h.from_release_id);
            assertEquals(v2, h.release_id);
            assertEquals("77", h.run_id);
            assertEquals(1, World.containers(s).size());

            World.Run to = w.run("rollback", s, "staging", "--to", v1);
            assertEquals(0, to.exit(), to.toString());
            assertEquals("v1", w.version(s));
            assertEquals(v1, CurrentManifest.read(l, s).release_id);

            World.Run byTag = w.run("rollback", s, "staging", "--to", "v3");
            assertEquals(0, byTag.exit(), byTag.toString());
            assertEquals("v3", w.version(s));
        }
    }

    @Test
    void unhealthyTargetCascadesToTheNextEarlierRelease() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            String v1 = l.currentReleaseId(s);
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            String v2 = l.currentReleaseId(s);
            assertEquals(0, w.run("deploy", s, "staging", "v3").exit());
            // v2's release now runs an image whose healthcheck fails
            var rel = l.releaseDir(s, v2);
            String broken = World.APP + "@" + World.registryDigest("broken");
            String env = World.read(rel.resolve(".env")).replaceAll("IMAGE_REF=.*", "IMAGE_REF=" + broken);
            java.nio.file.Files.writeString(rel.resolve(".env"), env);
            World.sh("docker", "pull", broken);
            World.Run r = w.run("rollback", s, "staging", "--health-timeout", "30", "--json");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("v1", w.version(s));
            assertEquals(v1, CurrentManifest.read(l, s).release_id);
            var json = lib.core.Json.tree(r.stdout());
            assertEquals(2, json.path("attempts").size());
            assertEquals("failed", json.path("attempts").get(0).path("outcome").asText());
            List<HistoryRecord> h = new HistoryLog(l.historyLog()).find(x -> "rollback".equals(x.action), 5);
            assertEquals(2, h.size());
            assertEquals(v1, h.get(0).release_id);
            assertEquals("success", h.get(0).outcome);
            assertEquals(v2, h.get(1).release_id);
            assertEquals("failed", h.get(1).outcome);
        }
    }

    @Test
    void badInputChangesNothing() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            String other = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            assertEquals(0, w.run("deploy", other, "staging", "v1").exit());
            String foreign = l.currentReleaseId(other);
            var before = w.snapshot();
            for (String[] args : new String[][] {
                    {s, "staging", "--steps", "0"}, {s, "staging", "--steps", "-1"}, {s, "staging", "--steps", "5"},
                    {s, "staging", "--to", foreign}, {s, "staging", "--to", "no-such-tag"}, {s, "staging", "--to", "../x"},
                    {s, "production"}, {"../x", "staging"}, {w.name("web", "-staging"), "staging"}}) {
                World.Run r = w.run("rollback", args);
                assertEquals(2, r.exit(), String.join(" ", args) + "\n" + r);
                assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
            }
            assertEquals(before, w.snapshot());
            // a link pointing outside the stack's releases
            java.nio.file.Files.delete(l.stackLink(s));
            java.nio.file.Files.createSymbolicLink(l.stackLink(s), w.dir);
            var tampered = w.snapshot();
            World.Run r = w.run("rollback", s, "staging");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.stderr().contains("outside"), r.stderr());
            assertEquals(tampered, w.snapshot());
        }
    }
}
