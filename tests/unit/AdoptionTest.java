package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.clean.CleanPlan;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A root the source documents' shell scripts left: their history lines, release dirs and manifests, read as the tool reads its own. */
class AdoptionTest {
    @TempDir Path tmp;

    static final String D1 = "sha256:" + "1".repeat(64);
    static final String REPO = "ghcr.io/acme/seisei-odoo18";

    @Test
    void plainTextHistoryLinesAreReadBestEffortAndKeptAsTheyAre() {
        HistoryRecord r = HistoryLog.parse("2026-01-04T12:00:00Z DEPLOY odoo18-prod production sha-abc1234 sha-abc1234__20260104T120000Z SUCCESS by=github-actions run=44");
        assertNotNull(r);
        assertEquals("2026-01-04T12:00:00Z", r.at_utc);
        assertEquals("deploy", r.action);
        assertEquals("success", r.outcome);
        assertEquals("odoo18-prod", r.stack);
        assertEquals("production", r.env);
        assertEquals("sha-abc1234", r.image_tag);
        assertEquals("sha-abc1234__20260104T120000Z", r.release_id);
        assertEquals("github-actions", r.actor);
        assertEquals("44", r.run_id);
        assertTrue(r.isSuccessfulRelease());
        assertNotNull(r.foreignLine, "marked as another tool's line");

        HistoryRecord kv = HistoryLog.parse("[2026-02-01 08:30:00] stack=web-staging release=v2__20260201T083000Z status=failed actor=alice");
        assertEquals("2026-02-01T08:30:00Z", kv.at_utc);
        assertEquals("web-staging", kv.stack);
        assertEquals("failed", kv.outcome);
        assertEquals("v2", kv.image_tag);
        assertEquals("alice", kv.actor);

        HistoryRecord rb = HistoryLog.parse("2026-02-02T09:00:00Z ROLLBACK web-prod to v1__20260101T000000Z OK");
        assertEquals("rollback", rb.action);
        assertEquals("success", rb.outcome);

        assertNull(HistoryLog.parse("deploying now..."), "no time: not a record");
        assertNull(HistoryLog.parse("2026-02-02T09:00:00Z something happened"), "no release and no outcome: not a record");
        assertNull(HistoryLog.parse("{\"at_utc\":\"2026-01-0"), "a torn line of the tool's own is not read as another tool's");
    }

    private Path legacyRelease(Layout l, String stack, String id, String digest) throws Exception {
        Path d = Files.createDirectories(l.releaseDir(stack, id));
        Files.writeString(d.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
        Files.createDirectories(d.resolve("config"));
        Files.writeString(d.resolve(".env"), "APP_PORT=8069\nIMAGE_REF=" + REPO + "@" + digest + "\n");
        return d;
    }

    @Test
    void releaseDirsOfTheShellScriptsAreCandidatesJudgedByTheirHistoryLines() throws Exception {
        Layout l = new Layout(tmp.resolve("root"));
        String s = "odoo18-prod";
        legacyRelease(l, s, "sha-aaa1111__20260101T120000Z", D1);
        legacyRelease(l, s, "sha-bbb2222__20260102T120000Z", "sha256:" + "2".repeat(64));
        legacyRelease(l, s, "sha-ccc3333__20260103T120000Z", "sha256:" + "3".repeat(64));
        legacyRelease(l, s, "sha-ddd4444__20260104T120000Z", "sha256:" + "4".repeat(64));
        Files.writeString(l.historyLog(), String.join("\n",
                "2026-01-01T12:00:00Z DEPLOY odoo18-prod production sha-aaa1111 sha-aaa1111__20260101T120000Z SUCCESS by=ci run=1",
                "2026-01-02T12:00:00Z DEPLOY odoo18-prod production sha-bbb2222 sha-bbb2222__20260102T120000Z FAILED by=ci run=2",
                "2026-01-04T12:00:00Z DEPLOY odoo18-prod production sha-ddd4444 sha-ddd4444__20260104T120000Z SUCCESS by=ci run=4", ""));
        List<HistoryRecord> c = ReleaseHistory.successfulDeploys(l, new HistoryLog(l.historyLog()), s);
        assertEquals(List.of("sha-ddd4444__20260104T120000Z", "sha-ccc3333__20260103T120000Z", "sha-aaa1111__20260101T120000Z"),
                c.stream().map(r -> r.release_id).toList(), "the failed one is out; the one no line judges is in");
        assertEquals("success", c.get(0).outcome);
        assertEquals(ReleaseHistory.LEGACY, c.get(1).outcome);
        assertEquals("2026-01-03T12:00:00Z", c.get(1).at_utc, "its time comes from its id");
        assertEquals(REPO + "@" + D1, c.get(2).image_ref, "the pinned image comes from the .env");
        Release facts = Release.legacy(l.releaseDir(s, "sha-aaa1111__20260101T120000Z"), s);
        assertEquals("sha-aaa1111", facts.images.get("IMAGE_REF").tag);
        assertTrue(facts.legacy);
    }

    @Test
    void aManifestWithTheDocumentsFieldsPinsItsImageThroughImageRef() throws Exception {
        Layout l = new Layout(tmp.resolve("root"));
        Files.createDirectories(l.currentDir());
        Files.writeString(l.manifest("odoo18-prod"), "{\"stack\": \"odoo18-prod\", \"env\": \"production\", \"image_tag\": \"sha-aaa1111\","
                + " \"image_ref\": \"" + REPO + "@" + D1 + "\", \"image_digest\": \"" + D1 + "\", \"release_id\": \"sha-aaa1111__20260101T120000Z\","
                + " \"release_dir\": \"/srv/releases/stacks/odoo18-prod/sha-aaa1111__20260101T120000Z\", \"deployed_at_utc\": \"2026-01-01T12:00:00Z\","
                + " \"actor\": \"ci\", \"run_id\": \"1\", \"break_glass\": false, \"break_glass_reason\": \"\"}");
        CurrentManifest m = CurrentManifest.read(l, "odoo18-prod");
        assertEquals(1, m.images.size());
        assertEquals(D1, m.images.get("IMAGE_REF").digest);
        assertEquals(REPO, m.images.get("IMAGE_REF").repository);
    }

    @Test
    void theKeepRuleDeletesAnUnjudgedLegacyReleaseOnlyBeyondTheNewestNByTimeAndNeverANamedOne() {
        List<CleanPlan.Dir> dirs = new java.util.ArrayList<>();
        for (int day = 1; day <= 5; day++)
            dirs.add(new CleanPlan.Dir("v" + day + "__2026010" + day + "T120000Z", CleanPlan.Kind.LEGACY, Instant.EPOCH, 100, Map.of(), List.of()));
        var stack = new CleanPlan.StackInput("web-prod", "v5__20260105T120000Z", null, 2, dirs, Set.of(), Set.of("v1__20260101T120000Z"));
        CleanPlan p = CleanPlan.plan(List.of(stack), Set.of(), List.of(), List.of(), null, CleanPlan.Mode.RELEASES_AND_IMAGES, Instant.now());
        Map<String, String> action = new java.util.TreeMap<>();
        for (var r : p.stacks.get(0).releases) action.put(r.name.substring(0, 2), r.action + ": " + r.reason);
        assertTrue(action.get("v5").startsWith("keep"), action.toString());
        assertTrue(action.get("v4").startsWith("keep"), action.toString());
        assertTrue(action.get("v3").startsWith("delete"), action.toString());
        assertTrue(action.get("v2").startsWith("delete"), action.toString());
        assertTrue(action.get("v1").startsWith("keep: named"), action.toString());
        CleanPlan ten = CleanPlan.plan(List.of(new CleanPlan.StackInput("web-prod", "v5__20260105T120000Z", null, 10, dirs, Set.of(), Set.of())),
                Set.of(), List.of(), List.of(), null, CleanPlan.Mode.RELEASES_AND_IMAGES, Instant.now());
        assertTrue(ten.releasesToDelete().isEmpty(), "keep 10 deletes none of five");
    }
}
