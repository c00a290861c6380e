package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.clean.CleanPlan;
import lib.clean.CleanPlan.Dir;
import lib.clean.CleanPlan.Kind;
import lib.clean.CleanPlan.Mode;
import lib.clean.CleanPlan.StackInput;
import lib.clean.CleanPlan.Use;
import lib.clean.SuccessfulReleases;
import lib.engine.Inventory.Image;
import lib.history.HistoryRecord;
import lib.model.ImageRef;
import lib.core.Sizes;
import org.junit.jupiter.api.Test;

class CleanPlanTest {
    static final String REPO = "reg.example.com/org/app";
    static final String OTHER = "reg.example.com/org/other";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    /** A release id created {@code minute} minutes after 2026-01-01T00:00Z. */
    static String id(String tag, int minute) {
        return String.format("%s__20260101T%02d%02d00Z", tag, minute / 60, minute % 60);
    }

    static String digest(int n) {
        return "sha256:" + String.format("%064x", n);
    }

    static Dir rel(String id, int digestNo) {
        return rel(id, REPO, digestNo);
    }

    static Dir rel(String id, String repo, int digestNo) {
        return Dir.release(id, Map.of("IMAGE_REF", new ImageRef(repo, "t", digest(digestNo))), 100);
    }

    static StackInput stack(String name, String live, int keep, List<Dir> dirs) {
        return new StackInput(name, live, null, keep, dirs, Set.of());
    }

    static Set<String> ok(String stack, String... ids) {
        Set<String> s = new HashSet<>();
        for (String i : ids) s.add(CleanPlan.key(stack, i));
        return s;
    }

    static CleanPlan plan(List<StackInput> stacks, Set<String> successful) {
        return CleanPlan.plan(stacks, successful, List.of(), List.of(), null, Mode.RELEASES_AND_IMAGES, NOW);
    }

    static List<String> deleted(CleanPlan p) {
        return p.releasesToDelete().stream().map(r -> r.name).toList();
    }

    static List<String> kept(CleanPlan p, String stack) {
        return p.byStack().get(stack).releases.stream().filter(r -> !r.delete()).map(r -> r.name).toList();
    }

    static Image image(String id, List<String> tags, List<String> digests) {
        return new Image(id, tags, digests, 1000, 10L);
    }

    @Test
    void keepsTheNewestNSuccessfulAndDeletesTheOlderOnesOldestFirst() {
        List<String> ids = new ArrayList<>();
        List<Dir> dirs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(id("v" + (i % 3 + 1), i));
            dirs.add(rel(ids.get(i), i));
        }
        CleanPlan p = plan(List.of(stack("web", ids.get(5), 2, dirs)), ok("web", ids.toArray(String[]::new)));
        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2), ids.get(3)), deleted(p));
        assertEquals(List.of(ids.get(5), ids.get(4)), kept(p, "web"));
        assertEquals(400, p.releaseBytes());
    }

    @Test
    void theLiveReleaseIsKeptEvenWhenItIsTheOldest() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2), d = id("v4", 3);
        CleanPlan p = plan(List.of(stack("web", a, 2, List.of(rel(a, 1), rel(b, 2), rel(c, 3), rel(d, 4)))), ok("web", a, b, c, d));
        assertEquals(List.of(b), deleted(p));
        assertEquals(Set.of(a, c, d), new HashSet<>(kept(p, "web")));
        assertEquals("live", p.byStack().get("web").releases.stream().filter(r -> r.name.equals(a)).findFirst().orElseThrow().reason);
    }

    @Test
    void failedReleasesDoNotCountAndGoFirst() {
        // newest first: f5 (failed), s4, f3 (failed), s2, f1 (failed), s0
        String s0 = id("v0", 0), f1 = id("v1", 1), s2 = id("v2", 2), f3 = id("v3", 3), s4 = id("v4", 4), f5 = id("v5", 5);
        List<Dir> dirs = List.of(rel(s0, 0), rel(f1, 1), rel(s2, 2), rel(f3, 3), rel(s4, 4), rel(f5, 5));
        CleanPlan p = plan(List.of(stack("web", s4, 2, dirs)), ok("web", s0, s2, s4));
        assertEquals(List.of(f1, s0), deleted(p), "failed ones first, then the old successful ones");
        assertEquals(Set.of(f5, s4, f3, s2), new HashSet<>(kept(p, "web")), "failed releases newer than the cut stay");
        assertFalse(p.releasesToDelete().get(0).successful);
        assertTrue(p.releasesToDelete().get(1).successful);
    }

    @Test
    void fewerSuccessfulReleasesThanKeepDeletesNothing() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        CleanPlan p = plan(List.of(stack("web", c, 5, List.of(rel(a, 1), rel(b, 2), rel(c, 3)))), ok("web", c));
        assertTrue(p.isEmpty());
    }

    @Test
    void keepOneKeepsOnlyTheLiveRelease() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        CleanPlan p = plan(List.of(stack("web", c, 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)))), ok("web", a, b, c));
        assertEquals(List.of(c), kept(p, "web"));
        assertEquals(List.of(a, b), deleted(p));
    }

    @Test
    void incompleteDirsAndOldLeftoversGoButNotTheLiveOrFreshOnes() {
        String live = id("v1", 0);
        Dir incomplete = new Dir(id("v2", 1), Kind.INCOMPLETE, NOW.minusSeconds(3600), 5, null, null);
        Dir liveIncomplete = new Dir(live, Kind.INCOMPLETE, NOW.minusSeconds(3600), 5, null, null);
        Dir oldPartial = new Dir(".partial-" + id("v3", 2) + "-123", Kind.LEFTOVER, NOW.minusSeconds(120), 7, null, null);
        Dir freshPartial = new Dir(".partial-" + id("v4", 3) + "-124", Kind.LEFTOVER, NOW.minusSeconds(10), 7, null, null);
        Dir oldDeleting = new Dir(".deleting-" + id("v0", 4) + "-99", Kind.LEFTOVER, NOW.minusSeconds(600), 7, null, null);
        CleanPlan p = plan(List.of(stack("web", live, 10, List.of(incomplete, liveIncomplete, oldPartial, freshPartial, oldDeleting))), Set.of());
        assertEquals(Set.of(incomplete.name, oldPartial.name, oldDeleting.name), new HashSet<>(deleted(p)));
        assertTrue(kept(p, "web").containsAll(List.of(live, freshPartial.name)));
    }

    @Test
    void aReleaseDirOfTheShellScriptsWithoutReleaseJsonCountsWhenItRanSuccessfully() {
        String legacyOld = id("v1", 0), legacyNew = id("v2", 1), c = id("v3", 2);
        Map<String, ImageRef> pinned = Map.of("IMAGE_REF", new ImageRef(REPO, null, digest(2)));
        Dir old = new Dir(legacyOld, Kind.INCOMPLETE, Instant.EPOCH, 5, null, null);
        Dir legacy = new Dir(legacyNew, Kind.INCOMPLETE, Instant.EPOCH, 5, pinned, null);
        Image image = image("sha256:l", List.of(), List.of(REPO + "@" + digest(2)));
        CleanPlan p = CleanPlan.plan(List.of(stack("web", c, 2, List.of(old, legacy, rel(c, 3)))), ok("web", legacyOld, legacyNew, c),
                List.of(image), List.of(), null, Mode.RELEASES_AND_IMAGES, NOW);
        assertEquals(List.of(legacyOld), deleted(p));
        assertEquals(List.of(c, legacyNew), kept(p, "web"));
        assertFalse(p.images.get(0).delete(), "the kept release pins its image in its .env");
    }

    @Test
    void aLockedStackIsSkippedAndItsImagesStay() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        StackInput locked = new StackInput("web", c, "pid 7 on host (ci: deploy)", 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)), Set.of());
        Image old = image("sha256:aa", List.of(), List.of(REPO + "@" + digest(1)));
        Image fresh = image("sha256:bb", List.of(REPO + ":new"), List.of(REPO + "@" + digest(99)));
        CleanPlan p = CleanPlan.plan(List.of(locked), ok("web", a, b, c), List.of(old, fresh), List.of(), null, Mode.RELEASES_AND_IMAGES, NOW);
        assertTrue(p.isEmpty(), "nothing of a stack being deployed goes: " + p.deletionKeys());
        assertNotNull(p.byStack().get("web").skipped);
        assertTrue(p.images.stream().allMatch(i -> !i.delete()));
        assertTrue(p.images.stream().filter(i -> i.id.equals("sha256:bb")).findFirst().orElseThrow().reason.contains("being deployed"));
    }

    @Test
    void imagesPinnedByKeptReleasesOrUsedByContainersStay() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        StackInput web = stack("web", c, 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)));
        Image i1 = image("sha256:i1", List.of(REPO + ":v1"), List.of(REPO + "@" + digest(1)));
        Image i2 = image("sha256:i2", List.of(), List.of(REPO + "@" + digest(2)));
        Image i3 = image("sha256:i3", List.of(REPO + ":v3"), List.of(REPO + "@" + digest(3)));
        Image i4 = image("sha256:i4", List.of(), List.of(REPO + "@" + digest(4)));
        Image foreign = image("sha256:f", List.of(OTHER + ":1"), List.of(OTHER + "@" + digest(5)));
        Image mixed = image("sha256:m", List.of(REPO + ":x", OTHER + ":x"), List.of());
        Image bare = image("sha256:n", List.of(), List.of());
        // a stopped container made from the pinned v1 image, and one made from i4 by digest
        List<Use> used = List.of(new Use("c1", "stopped", "sha256:i1", REPO + "@" + digest(1)),
                new Use("c2", "byref", "sha256:zzz", REPO + "@" + digest(4)));
        CleanPlan p = CleanPlan.plan(List.of(web), ok("web", a, b, c), List.of(i1, i2, i3, i4, foreign, mixed, bare), used, null,
                Mode.RELEASES_AND_IMAGES, NOW);
        Map<String, CleanPlan.ImageItem> byId = new java.util.HashMap<>();
        for (CleanPlan.ImageItem i : p.images) byId.put(i.id, i);
        assertEquals(Set.of("sha256:i1", "sha256:i2", "sha256:i3", "sha256:i4"), byId.keySet(),
                "only images whose every reference is in the stacks' repositories are candidates");
        assertFalse(byId.get("sha256:i1").delete());
        assertTrue(byId.get("sha256:i1").reason.contains("stopped"));
        assertTrue(byId.get("sha256:i2").delete(), "pinned only by a deleted release");
        assertFalse(byId.get("sha256:i3").delete());
        assertTrue(byId.get("sha256:i3").reason.contains("kept release web/" + c));
        assertFalse(byId.get("sha256:i4").delete(), "a container made from its digest uses it");
        assertEquals(10, p.imageBytes());
    }

    @Test
    void allAlsoTakesUnusedImagesOfOtherRepositoriesButNotWhatComposeFilesName() {
        String c = id("v3", 2);
        Dir live = new Dir(c, Kind.RELEASE, Instant.EPOCH, 1, Map.of("IMAGE_REF", new ImageRef(REPO, "v3", digest(3))),
                List.of("postgres:16", "redis"));
        Image pg = image("sha256:pg", List.of("postgres:16"), List.of("postgres@" + digest(7)));
        Image redis = image("sha256:rd", List.of("redis:latest"), List.of());
        Image old = image("sha256:old", List.of("postgres:15"), List.of());
        Image bare = image("sha256:n", List.of(), List.of());
        CleanPlan p = CleanPlan.plan(List.of(stack("web", c, 5, List.of(live))), ok("web", c), List.of(pg, redis, old, bare), List.of(),
                null, Mode.ALL, NOW);
        assertEquals(Set.of("image:sha256:old", "image:sha256:n"), p.deletionKeys());
        CleanPlan notAll = CleanPlan.plan(List.of(stack("web", c, 5, List.of(live))), ok("web", c), List.of(pg, redis, old, bare),
                List.of(), null, Mode.RELEASES_AND_IMAGES, NOW);
        assertTrue(notAll.images.isEmpty());
    }

    @Test
    void danglingTouchesNoReleaseAndOnlyUntaggedUnusedImages() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        StackInput web = stack("web", c, 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)));
        Image pinnedOld = image("sha256:p1", List.of(), List.of(REPO + "@" + digest(1)));
        Image orphan = image("sha256:o", List.of(), List.of(REPO + "@" + digest(50)));
        Image tagged = image("sha256:t", List.of(OTHER + ":1"), List.of());
        Image bare = image("sha256:n", List.of(), List.of());
        Image bareUsed = image("sha256:u", List.of(), List.of());
        CleanPlan p = CleanPlan.plan(List.of(web), ok("web", a, b, c), List.of(pinnedOld, orphan, tagged, bare, bareUsed),
                List.of(new Use("c9", "x", "sha256:u", "sha256:u")), null, Mode.DANGLING, NOW);
        assertTrue(p.stacks.isEmpty());
        assertEquals(Set.of("image:sha256:o", "image:sha256:n"), p.deletionKeys(),
                "every release on disk still pins its images in --dangling mode");
    }

    @Test
    void oneStackCleansOnlyItsReleasesAndRepositoriesWhileTheOthersProtectTheirImages() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        StackInput web = stack("web", c, 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)));
        StackInput api = stack("api", b, 1, List.of(rel(a, OTHER, 10), rel(b, OTHER, 20)));
        StackInput shared = stack("shared", c, 1, List.of(rel(c, REPO, 2)));
        Image webOld = image("sha256:w1", List.of(), List.of(REPO + "@" + digest(1)));
        Image webPinnedElsewhere = image("sha256:w2", List.of(), List.of(REPO + "@" + digest(2)));
        Image apiOld = image("sha256:a1", List.of(), List.of(OTHER + "@" + digest(10)));
        Set<String> okAll = ok("web", a, b, c);
        okAll.addAll(ok("api", a, b));
        okAll.addAll(ok("shared", c));
        CleanPlan p = CleanPlan.plan(List.of(api, shared, web), okAll, List.of(webOld, webPinnedElsewhere, apiOld), List.of(), "web",
                Mode.RELEASES_AND_IMAGES, NOW);
        assertEquals(List.of("web"), p.stacks.stream().map(s -> s.stack).toList());
        assertEquals(Set.of("release:web/" + a, "release:web/" + b, "image:sha256:w1"), p.deletionKeys());
        assertTrue(p.images.stream().filter(i -> i.id.equals("sha256:w2")).findFirst().orElseThrow().reason.contains("shared/"));
    }

    @Test
    void limitedToKeepsWhatWasNotConfirmed() {
        String a = id("v1", 0), b = id("v2", 1), c = id("v3", 2);
        CleanPlan p = plan(List.of(stack("web", c, 1, List.of(rel(a, 1), rel(b, 2), rel(c, 3)))), ok("web", a, b, c));
        p.limitedTo(Set.of("release:web/" + a));
        assertEquals(List.of(a), deleted(p));
    }

    /** Newest-first records that count how many were read. */
    static final class Counting implements Iterable<HistoryRecord> {
        final List<HistoryRecord> records;
        int read;

        Counting(List<HistoryRecord> records) { this.records = records; }

        @Override
        public Iterator<HistoryRecord> iterator() {
            Iterator<HistoryRecord> it = records.iterator();
            return new Iterator<>() {
                public boolean hasNext() { return it.hasNext(); }
                public HistoryRecord next() { read++; return it.next(); }
            };
        }
    }

    static HistoryRecord rec(String action, String outcome, String stack, String releaseId, String at) {
        HistoryRecord r = new HistoryRecord();
        r.action = action;
        r.outcome = outcome;
        r.stack = stack;
        r.release_id = releaseId;
        r.at_utc = at;
        return r;
    }

    @Test
    void successfulReleasesReadsBackOnlyAsFarAsNeeded() {
        String a = id("v1", 600), b = id("v2", 660), c = id("v3", 720);
        List<HistoryRecord> newestFirst = new ArrayList<>();
        newestFirst.add(rec("clean", "success", null, null, "2026-01-01T13:00:00Z"));
        newestFirst.add(rec("rollback", "success", "web", b, "2026-01-01T12:30:00Z"));
        newestFirst.add(rec("deploy", "rolled_back", "web", c, "2026-01-01T12:00:00Z"));
        newestFirst.add(rec("auto-rollback", "success", "web", b, "2026-01-01T12:00:00Z"));
        newestFirst.add(rec("deploy", "success", "api", a, "2026-01-01T11:30:00Z"));
        newestFirst.add(rec("deploy", "success", "web", a, "2026-01-01T10:00:00Z"));
        for (int i = 0; i < 1000; i++) newestFirst.add(rec("deploy", "success", "web", id("old", i % 500), "2026-01-01T08:00:00Z"));
        Counting all = new Counting(newestFirst);
        Set<String> found = CleanPlan.successfulReleases(all, Map.of("web", List.of(a, b, c)));
        assertEquals(ok("web", a, b), found, "a rolled-back deploy is not a success");
        assertTrue(all.read < 20, "records older than every unresolved release are not read: read " + all.read);

        Counting resolved = new Counting(newestFirst);
        assertEquals(ok("web", b), CleanPlan.successfulReleases(resolved, Map.of("web", List.of(b))));
        assertEquals(2, resolved.read, "stops when every wanted release is found");
    }

    @Test
    void quickHistoryLinesParseFullyOnlyWhenTheyNameAWantedRelease() throws Exception {
        String wanted = id("v1", 3), other = id("v0", 1);
        HistoryRecord full = rec("deploy", "success", "web-prod", wanted, "2026-01-01T00:03:00Z");
        full.images = Map.of("IMAGE_REF", new ImageRef(REPO, "v1", digest(1)));
        full.message = "a \"quoted\" {brace} \"release_id\":\"" + other + "\"\nsecond line";
        full.previous_release_id = other;
        full.duration_ms = 12L;
        HistoryRecord unrelated = rec("deploy", "success", "web-prod", other, "2026-01-01T00:02:00Z");
        unrelated.previous_release_id = wanted;
        HistoryRecord clean = rec("clean", "success", null, null, "2026-01-01T00:04:00Z");
        clean.removed = List.of("/srv/releases/stacks/web/" + other);
        String compact = lib.core.Json.line(full);
        for (String line : List.of(compact, lib.core.Json.pretty(full).replace("\n", " "), "  " + compact + "  ")) {
            HistoryRecord got = lib.history.HistoryLine.glance(line, Set.of(wanted));
            assertNotNull(got, line);
            assertEquals(List.of("2026-01-01T00:03:00Z", "deploy", "success", "web-prod", wanted, "12"),
                    List.of(got.at_utc, got.action, got.outcome, got.stack, got.release_id, String.valueOf(got.duration_ms)), line);
        }
        for (HistoryRecord r : List.of(unrelated, clean)) {
            HistoryRecord got = lib.history.HistoryLine.glance(lib.core.Json.line(r), Set.of(wanted));
            assertEquals(r.at_utc, got.at_utc);
            assertNull(got.release_id, "a line about another release is not parsed: " + lib.core.Json.line(r));
            assertFalse(got.isSuccessfulRelease());
        }
        assertNull(lib.history.HistoryLine.glance(compact.substring(0, compact.length() / 2), Set.of(wanted)), "a torn line is skipped");
        assertNull(lib.history.HistoryLine.glance("", Set.of(wanted)));
        assertNull(lib.history.HistoryLine.glance("garbage", Set.of(wanted)));
    }

    @Test
    void sizesReadAndPrintDockersUnits() {
        assertEquals(1_982_000L, Sizes.parse("1.982MB"));
        assertEquals(0L, Sizes.parse("0B"));
        assertEquals(12_500L, Sizes.parse("12.5kB"));
        assertEquals(3L * 1024 * 1024 * 1024, Sizes.parse("3GiB"));
        assertNull(Sizes.parse("N/A"));
        assertEquals("812 B", Sizes.human(812));
        assertEquals("1.98 MB", Sizes.human(1_982_263));
        assertEquals("12.3 GB", Sizes.human(12_300_000_000L));
        assertEquals("1.00 MB", Sizes.human(999_999));
    }
}
