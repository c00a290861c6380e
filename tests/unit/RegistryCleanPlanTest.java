package unit;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import lib.build.BuildTags;
import lib.clean.CleanPlan;
import lib.clean.CleanPlan.Dir;
import lib.clean.CleanPlan.Kind;
import lib.clean.CleanPlan.StackInput;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.core.Json;
import lib.clean.RegistryCleanInputs;
import lib.clean.RegistryCleanPlan;
import lib.clean.RegistryCleanPlan.References;
import lib.clean.RegistryCleanPlan.TagInfo;
import lib.model.VerificationRecord;
import org.junit.jupiter.api.Test;

class RegistryCleanPlanTest {
    static final String REPO = "reg.example.com/org/app";
    static final String OTHER = "reg.example.com/org/other";

    static String digest(int n) {
        return "sha256:" + String.format("%064x", n);
    }

    /** Tag {@code tag} on image {@code n}, made on day {@code n} of 2026. */
    static TagInfo tag(String tag, int n) {
        return new TagInfo(tag, digest(n), Instant.parse("2026-01-01T00:00:00Z").plusSeconds(86400L * n), "config");
    }

    static Map<String, String> decided(RegistryCleanPlan p) {
        Map<String, String> m = new TreeMap<>();
        for (RegistryCleanPlan.TagItem t : p.tags) m.put(t.tag, t.action + ": " + t.reason);
        return m;
    }

    static List<String> deleted(RegistryCleanPlan p) {
        return p.tagsToDelete().stream().map(t -> t.tag).sorted().toList();
    }

    static List<TagInfo> shas(int n) {
        List<TagInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(tag(String.format("sha-%07x", i), i));
        return out;
    }

    @Test
    void keepsTheNewestNImmutableImagesAndDeletesTheRestByDigest() {
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, shas(6), new References(), 2);
        assertEquals(List.of("sha-0000000", "sha-0000001", "sha-0000002", "sha-0000003"), deleted(p));
        assertEquals("keep: one of the newest 2 images", decided(p).get("sha-0000005"));
        assertEquals("delete: older than the newest 2 images", decided(p).get("sha-0000000"));
        assertEquals(List.of(digest(3), digest(2), digest(1), digest(0)), p.digestsToDelete().stream().map(d -> d.digest).toList(),
                "newest first, one deletion per digest");
        assertEquals(List.of("sha-0000005", "sha-0000004", "sha-0000003", "sha-0000002", "sha-0000001", "sha-0000000"),
                p.tags.stream().map(t -> t.tag).toList(), "listed newest first");
    }

    @Test
    void keepCountsImagesNotTagsAndTagsOfADigestGoTogether() {
        List<TagInfo> in = new ArrayList<>(shas(4));
        in.add(tag("1.0.3", 3));
        in.add(tag("1.0.2", 2));
        in.add(tag("1.0.1", 1));
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, in, new References(), 2);
        assertEquals(List.of("1.0.1", "sha-0000000", "sha-0000001"), deleted(p));
        List<RegistryCleanPlan.DigestItem> going = p.digestsToDelete();
        assertEquals(2, going.size());
        assertEquals(Set.of("sha-0000001", "1.0.1"), Set.copyOf(going.get(0).tags));
    }

    @Test
    void movingTagsStayAndKeepTheirDigestWithEveryTagOfIt() {
        List<TagInfo> in = new ArrayList<>(shas(5));
        in.add(tag("latest", 4));
        in.add(tag("main", 1));
        in.add(tag("1.2", 0));
        in.add(tag("1", 0));
        in.add(tag("main-0000002", 2));
        in.add(new TagInfo("sha-0000003-dirty", digest(30), tag("x", 3).created(), "label"));
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, in, new References(), 1);
        Map<String, String> d = decided(p);
        for (String moving : List.of("latest", "main", "1.2", "1", "sha-0000003-dirty"))
            assertEquals("keep: moving tag", d.get(moving), moving);
        assertEquals("keep: shares digest with kept tag main", d.get("sha-0000001"));
        assertTrue(d.get("sha-0000000").startsWith("keep: shares digest with kept tag 1"), d.get("sha-0000000"));
        // a branch build's tag names one commit's build, like sha-<7>: it goes with its image
        assertTrue(d.get("main-0000002").startsWith("delete"), d.get("main-0000002"));
        assertEquals(java.util.Set.of("sha-0000002", "main-0000002", "sha-0000003"), new java.util.HashSet<>(deleted(p)));
    }

    @Test
    void whatTheRootNamesStaysByTagOrByDigest() {
        References refs = new References().tag("sha-0000001", "verification record sha-0000001")
                .digest(digest(2), "release web-staging/sha-0000002__20260101T000000Z");
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, shas(4), refs, 1);
        Map<String, String> d = decided(p);
        assertEquals("keep: named by verification record sha-0000001", d.get("sha-0000001"));
        assertEquals("keep: digest named by release web-staging/sha-0000002__20260101T000000Z", d.get("sha-0000002"));
        assertEquals(List.of("sha-0000000"), deleted(p));
    }

    @Test
    void anImageOfUnknownAgeStaysAndAStackBeingDeployedBlocksEverything() {
        List<TagInfo> in = new ArrayList<>(shas(3));
        in.add(new TagInfo("sha-00000ff", digest(255), null, null));
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, in, new References(), 1);
        assertTrue(decided(p).get("sha-00000ff").startsWith("keep: age unknown"), decided(p).toString());
        assertEquals(List.of("sha-0000000", "sha-0000001"), deleted(p));
        assertEquals("sha-00000ff", p.tags.get(p.tags.size() - 1).tag, "unknown age listed last");

        References blocked = new References();
        blocked.blockedBy = "stack web-staging is being deployed (lock held by pid 1); nothing goes";
        RegistryCleanPlan b = RegistryCleanPlan.plan(REPO, shas(3), blocked, 1);
        assertTrue(b.isEmpty());
        assertEquals("keep: " + blocked.blockedBy, decided(b).get("sha-0000000"));
    }

    @Test
    void onlyWhatWasShownIsDeleted() {
        RegistryCleanPlan shown = RegistryCleanPlan.plan(REPO, shas(4), new References(), 2);
        Set<String> confirmed = shown.deletionKeys();
        List<TagInfo> now = new ArrayList<>(shas(4));
        now.add(tag("1.0.0", 0));
        RegistryCleanPlan p = RegistryCleanPlan.plan(REPO, now, new References(), 2).limitedTo(confirmed);
        assertEquals(List.of("sha-0000001"), deleted(p), "image 0 got a tag after the listing: it stays for the next run");
        assertTrue(decided(p).get("1.0.0").contains("changed since the listing"));
    }

    @Test
    void referencesFromReleasesManifestsRecordsAndDigestFiles() {
        Map<String, ImageRef> pinned = new LinkedHashMap<>();
        pinned.put("IMAGE_REF", new ImageRef(REPO, null, digest(1)));
        pinned.put("OCR_IMAGE_REF", new ImageRef(OTHER, null, digest(2)));
        Dir fromEnv = new Dir("sha-0000001__20260101T000000Z", Kind.RELEASE, Instant.EPOCH, 1, pinned, List.of());
        Dir compose = new Dir("v9__20260102T000000Z", Kind.RELEASE, Instant.EPOCH, 1,
                Map.of("IMAGE_REF", new ImageRef(OTHER, "v9", digest(9))),
                List.of(REPO + ":1.4.2", REPO + "@" + digest(3), "busybox:1.36", REPO + ":7.0.0@" + digest(7), "${IMAGE_REF}"));
        Dir bare = new Dir("sha-000000b__20260103T000000Z", Kind.INCOMPLETE, Instant.EPOCH, 1, Map.of(), List.of());
        Dir leftover = new Dir(".partial-sha-000000c__20260104T000000Z-42", Kind.LEFTOVER, Instant.EPOCH, 1,
                Map.of("IMAGE_REF", new ImageRef(REPO, null, digest(12))), List.of());
        StackInput web = new StackInput("web-staging", null, null, 10, List.of(fromEnv, compose, bare, leftover), Set.of());

        CurrentManifest m = new CurrentManifest();
        m.image_tag = "sha-000000d";
        m.image_ref = REPO + "@" + digest(13);
        CurrentManifest otherRepo = new CurrentManifest();
        otherRepo.image_tag = "sha-000000e";
        otherRepo.image_ref = OTHER + "@" + digest(14);
        VerificationRecord legacy = new VerificationRecord();
        VerificationRecord v = new VerificationRecord();
        v.images.put("IMAGE_REF", new ImageRef(REPO, "sha-0000010", digest(16)));
        DigestManifest dm = new DigestManifest();
        DigestManifest.Entry e = new DigestManifest.Entry();
        e.tag = "sha-0000011";
        e.digest = digest(17);
        e.ref = REPO + "@" + digest(17);
        dm.images.put("app", e);

        Map<String, CurrentManifest> manifests = new LinkedHashMap<>();
        manifests.put("web-prod", m);
        manifests.put("ocr-prod", otherRepo);
        Map<String, VerificationRecord> verified = new LinkedHashMap<>();
        verified.put("sha-000000f", legacy);
        verified.put("sha-0000010", v);
        References r = References.of(REPO, List.of(web), manifests, verified, Map.of("web-staging/v9__20260102T000000Z", dm));

        assertEquals("release web-staging/sha-0000001__20260101T000000Z", r.tags.get("sha-0000001"), "the tag of a release from its id");
        assertEquals("release web-staging/sha-0000001__20260101T000000Z", r.digests.get(digest(1)));
        assertFalse(r.digests.containsKey(digest(2)), "another repository's digest");
        assertFalse(r.tags.containsKey("v9"), "a release of another repository does not name its tag here");
        assertEquals("the compose file of release web-staging/v9__20260102T000000Z", r.tags.get("1.4.2"));
        assertTrue(r.digests.containsKey(digest(3)));
        assertTrue(r.digests.containsKey(digest(7)) && r.tags.containsKey("7.0.0"));
        assertFalse(r.tags.containsKey("1.36"));
        assertEquals("release web-staging/sha-000000b__20260103T000000Z", r.tags.get("sha-000000b"), "a release that names no images keeps its tag");
        assertTrue(r.digests.containsKey(digest(12)), "a deploy in progress pins its digest");
        assertFalse(r.tags.containsKey(".partial-sha-000000c"));
        assertEquals("the current manifest of web-prod", r.tags.get("sha-000000d"));
        assertEquals("the current manifest of web-prod", r.digests.get(digest(13)));
        assertFalse(r.tags.containsKey("sha-000000e"));
        assertEquals("verification record sha-000000f", r.tags.get("sha-000000f"), "a record without digests keeps its tag everywhere");
        assertEquals("verification record sha-0000010", r.digests.get(digest(16)));
        assertEquals(DigestManifest.FILE + " of release web-staging/v9__20260102T000000Z", r.digests.get(digest(17)));
        assertEquals(DigestManifest.FILE + " of release web-staging/v9__20260102T000000Z", r.tags.get("sha-0000011"));
        assertNull(r.blockedBy);

        StackInput locked = new StackInput("web-staging", null, "pid 7 (deploy)", 10, List.of(fromEnv), Set.of());
        assertTrue(References.of(REPO, List.of(locked), Map.of(), Map.of(), Map.of()).blockedBy.contains("web-staging is being deployed"));
        assertNull(References.of(OTHER + "-x", List.of(locked), Map.of(), Map.of(), Map.of()).blockedBy, "it does not use this repository");
        StackInput first = new StackInput("new-staging", null, "pid 8 (deploy)", 10, List.of(), Set.of());
        assertNotNull(References.of(REPO, List.of(first), Map.of(), Map.of(), Map.of()).blockedBy, "a first deploy: repository unknown");
    }

    @Test
    void sameRepositoryUnderAnyOfItsNames() {
        // before, docker.io/busybox and busybox were two repositories here and one in drift
        Map<String, ImageRef> pinned = Map.of("IMAGE_REF", new ImageRef("docker.io/busybox", null, digest(1)));
        Dir d = new Dir("sha-0000001__20260101T000000Z", Kind.RELEASE, Instant.EPOCH, 1, pinned, List.of("busybox:1.36", "index.docker.io/library/busybox@" + digest(2)));
        StackInput s = new StackInput("web-staging", null, null, 10, List.of(d), Set.of());
        References r = References.of("busybox", List.of(s), Map.of(), Map.of(), Map.of());
        assertEquals(Set.of(digest(1), digest(2)), r.digests.keySet());
        assertEquals(Set.of("sha-0000001", "1.36"), r.tags.keySet());
        assertTrue(References.of("docker.io/library/other", List.of(s), Map.of(), Map.of(), Map.of()).digests.isEmpty());
    }

    @Test
    void immutableByNameIsWhatBuildImageNeverMoves() {
        String sha = "0123456789abcdef0123456789abcdef01234567";
        for (String branch : new String[] {"main", "feature/x", null}) {
            for (String version : new String[] {null, "v1.2.3", "v0.4.0", "v2.0.0-rc.1"}) {
                for (boolean dirty : new boolean[] {false, true}) {
                    BuildTags.Version v = version == null ? null : BuildTags.parseVersion(version);
                    for (BuildTags.Tag t : BuildTags.compute(sha, branch, "main", v, dirty))
                        assertEquals(t.immutable(), BuildTags.isImmutableName(t.name()), t.toString());
                }
            }
        }
        for (String moving : List.of("latest", "staging", "main", "1", "1.2", "v1", "prod-2024")) assertFalse(BuildTags.isImmutableName(moving), moving);
        for (String fixed : List.of("sha-0123456", "1.2.3", "v1.2.3", "1.2.3-rc.1", "sha-" + sha)) assertTrue(BuildTags.isImmutableName(fixed), fixed);
    }

    @Test
    void ageFromTheConfigLabelElseItsCreatedField() {
        Instant[] both = RegistryCleanInputs.created(("{\"created\":\"2026-02-01T10:00:00.123456789Z\",\"config\":{\"Labels\":"
                + "{\"org.opencontainers.image.created\":\"2026-01-31T09:00:00+01:00\"}}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(Instant.parse("2026-01-31T08:00:00Z"), both[0]);
        assertEquals(Instant.parse("2026-02-01T10:00:00.123456789Z"), both[1]);
        Instant[] zeroed = RegistryCleanInputs.created("{\"created\":\"1970-01-01T00:00:00Z\",\"config\":{}}".getBytes(StandardCharsets.UTF_8));
        assertNull(zeroed[0]);
        assertNull(zeroed[1], "a reproducible build's zero time says nothing");
        assertNull(RegistryCleanInputs.created("not json".getBytes(StandardCharsets.UTF_8))[1]);
    }

    @Test
    void anIndexIsDatedByItsLinuxAmd64Manifest() {
        JsonNode index = Json.tree("{\"manifests\":["
                + "{\"digest\":\"" + digest(1) + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"digest\":\"" + digest(2) + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
                + "{\"digest\":\"" + digest(3) + "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}");
        assertEquals(digest(2), RegistryCleanInputs.childDigest(index));
        assertNull(RegistryCleanInputs.configDigest(index));
        assertEquals(digest(5), RegistryCleanInputs.configDigest(Json.tree("{\"config\":{\"digest\":\"" + digest(5) + "\"}}")));
        JsonNode attestationsFirst = Json.tree("{\"manifests\":[{\"digest\":\"" + digest(3) + "\",\"platform\":{\"os\":\"unknown\"}},"
                + "{\"digest\":\"" + digest(4) + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}");
        assertEquals(digest(4), RegistryCleanInputs.childDigest(attestationsFirst));
    }
}
