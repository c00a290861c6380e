package lib.clean;

import lib.build.BuildTags;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.VerificationRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What clean-images --registry deletes from one repository, decided from facts alone (no registry,
 * no disk).
 *
 * <p>A tag stays when something under the root names it or its digest: a release dir (release.json,
 * the pinned .env, a literal image in its compose file, an image-digests.json in it), a current
 * manifest, a verification record. Moving tags stay (every name but {@code sha-<hex>} and full
 * versions, see {@link BuildTags#isImmutableName}). Of the immutable tags, those of the {@code keep}
 * newest images stay (by created time, else push time); one whose age is unknown stays. A registry
 * deletes by digest, and every tag of that digest goes with it: a tag that would go but shares its
 * digest with a tag that stays, stays too. While a stack that uses the repository is being deployed,
 * nothing goes. The rest goes, one deletion per digest.
 */
public final class RegistryCleanPlan {
    /** A tag as the registry serves it: its manifest digest and when its image was made, when known. */
    public record TagInfo(String tag, String digest, Instant created, String createdFrom) {}

    /** What names a tag or a digest of the repository, as "where" texts (first one wins). */
    public static final class References {
        public final Map<String, String> tags = new LinkedHashMap<>();
        public final Map<String, String> digests = new LinkedHashMap<>();
        /** Why nothing may go now (a stack using the repository is being deployed), or null. */
        public String blockedBy;

        public References tag(String tag, String where) {
            if (tag != null && !tag.isEmpty()) tags.putIfAbsent(tag, where);
            return this;
        }

        public References digest(String digest, String where) {
            if (Names.isDigest(digest)) digests.putIfAbsent(digest, where);
            return this;
        }

        /** Adds what one image reference (repo:tag, repo@digest, repo:tag@digest) names, when it is of {@code repository}. */
        public References ref(String repository, String ref, String where) {
            if (ref == null) return this;
            ImageRef p = ImageRef.parse(ref);
            if (p == null || !ImageRef.sameRepository(repository, p.repository)) return this;
            digest(p.digest, where);
            return tag(p.tag, where);
        }

        /** Adds one pinned image of a record, when it is of {@code repository}. */
        public References image(String repository, ImageRef i, String fallbackTag, String where) {
            if (i == null || !ImageRef.sameRepository(repository, i.repository)) return this;
            digest(i.digest, where);
            return tag(i.tag != null ? i.tag : fallbackTag, where);
        }

        /**
         * What the root names of {@code repository}.
         *
         * @param stacks        every stack with its release dirs ({@link ReleaseDirs#read})
         * @param manifests     current manifests by stack
         * @param verified      verification records by tag
         * @param digestFiles   image-digests.json files found in release dirs, by {@link CleanPlan#key} of the release
         */
        public static References of(String repository, List<CleanPlan.StackInput> stacks, Map<String, CurrentManifest> manifests,
                                    Map<String, VerificationRecord> verified, Map<String, DigestManifest> digestFiles) {
            References r = new References();
            for (CleanPlan.StackInput s : stacks) {
                boolean uses = false;
                boolean knowsRepos = !s.repositories.isEmpty();
                for (String repo : s.repositories) uses |= ImageRef.sameRepository(repository, repo);
                for (CleanPlan.Dir d : s.dirs) {
                    String where = "release " + CleanPlan.key(s.stack, d.name);
                    String tag = d.kind == CleanPlan.Kind.LEFTOVER || !Names.isReleaseId(d.name) ? null : Names.tagOfRelease(d.name);
                    for (ImageRef i : d.images.values()) {
                        if (i == null) continue;
                        knowsRepos = true;
                        uses |= ImageRef.sameRepository(repository, i.repository);
                        r.image(repository, i, tag, where);
                    }
                    for (String ref : d.composeImages) r.ref(repository, ref, "the compose file of " + where);
                    // a release that says nothing about its images may run this repository under its tag
                    if (d.images.isEmpty() && tag != null) r.tag(tag, where);
                }
                if (s.lockedBy != null && (uses || !knowsRepos) && r.blockedBy == null)
                    r.blockedBy = "stack " + s.stack + " is being deployed (lock held by " + s.lockedBy + "); nothing goes";
            }
            for (var e : digestFiles.entrySet()) {
                if (e.getValue() == null || e.getValue().images == null) continue;
                for (DigestManifest.Entry i : e.getValue().images.values()) {
                    if (i == null || !ImageRef.sameRepository(repository, i.repository())) continue;
                    String where = DigestManifest.FILE + " of release " + e.getKey();
                    r.digest(i.digest, where).tag(i.tag, where);
                }
            }
            for (var e : manifests.entrySet()) {
                CurrentManifest m = e.getValue();
                if (m == null) continue;
                String where = "the current manifest of " + e.getKey();
                if (m.images != null) for (ImageRef i : m.images.values()) r.image(repository, i, m.image_tag, where);
                ImageRef primary = ImageRef.parsePinned(m.image_ref, m.image_tag);
                if (primary != null) r.image(repository, primary, m.image_tag, where);
            }
            for (var e : verified.entrySet()) {
                VerificationRecord v = e.getValue();
                String where = "verification record " + e.getKey();
                boolean hasImages = v != null && v.images != null && !v.images.isEmpty();
                ImageRef primary = v == null ? null : ImageRef.parsePinned(v.image_ref, e.getKey());
                if (!hasImages && primary == null) {
                    // a record without digests (the seed's empty file) protects its tag everywhere
                    r.tag(e.getKey(), where);
                    continue;
                }
                if (hasImages) for (ImageRef i : v.images.values()) r.image(repository, i, e.getKey(), where);
                if (primary != null) r.image(repository, primary, e.getKey(), where);
            }
            return r;
        }
    }

    public static class TagItem {
        public String tag;
        public String digest;
        public String created;
        /** label (org.opencontainers.image.created), config (its created field), pushed (Last-Modified), or null. */
        public String created_from;
        /** immutable or moving. */
        public String kind;
        public String action;
        public String reason;

        public boolean delete() { return CleanPlan.DELETE.equals(action); }
    }

    /** One deletion: a digest and every tag that goes with it. */
    public static class DigestItem {
        public String digest;
        public List<String> tags = new ArrayList<>();

        /** The digest with its tags: what was shown and confirmed. */
        public String key() { return digest + " " + String.join(",", new TreeSet<>(tags)); }
    }

    public final String repository;
    public final int keep;
    public final String blockedBy;
    public final List<TagItem> tags;

    private RegistryCleanPlan(String repository, int keep, String blockedBy, List<TagItem> tags) {
        this.repository = repository;
        this.keep = keep;
        this.blockedBy = blockedBy;
        this.tags = tags;
    }

    public static RegistryCleanPlan plan(String repository, List<TagInfo> infos, References refs, int keep) {
        List<TagInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparing(TagInfo::created, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(TagInfo::tag));
        java.util.LinkedHashSet<String> newest = new java.util.LinkedHashSet<>();
        for (TagInfo t : sorted) {
            if (newest.size() >= keep) break;
            if (t.created() != null && BuildTags.isImmutableName(t.tag())) newest.add(t.digest());
        }

        List<TagItem> items = new ArrayList<>();
        Map<String, String> keptTagOfDigest = new LinkedHashMap<>();
        for (TagInfo t : sorted) {
            TagItem i = new TagItem();
            i.tag = t.tag();
            i.digest = t.digest();
            i.created = t.created() == null ? null : t.created().toString();
            i.created_from = t.created() == null ? null : t.createdFrom();
            boolean immutable = BuildTags.isImmutableName(t.tag());
            i.kind = immutable ? "immutable" : "moving";
            String why = refs.tags.containsKey(t.tag()) ? "named by " + refs.tags.get(t.tag())
                    : refs.digests.containsKey(t.digest()) ? "digest named by " + refs.digests.get(t.digest())
                    : refs.blockedBy != null ? refs.blockedBy
                    : !immutable ? "moving tag"
                    : newest.contains(t.digest()) ? "one of the newest " + keep + " images"
                    : t.created() == null ? "age unknown (no created time in its image config, no push time)"
                    : null;
            if (why != null) {
                i.action = CleanPlan.KEEP;
                i.reason = why;
                keptTagOfDigest.putIfAbsent(t.digest(), t.tag());
            }
            items.add(i);
        }
        for (TagItem i : items) {
            if (i.action != null) continue;
            String other = keptTagOfDigest.get(i.digest);
            i.action = other != null ? CleanPlan.KEEP : CleanPlan.DELETE;
            i.reason = other != null ? "shares digest with kept tag " + other : "older than the newest " + keep + " images";
        }
        return new RegistryCleanPlan(repository, keep, refs.blockedBy, items);
    }

    /** The deletions, one per digest, newest first. */
    public List<DigestItem> digestsToDelete() {
        Map<String, DigestItem> m = new LinkedHashMap<>();
        for (TagItem t : tags) {
            if (!t.delete()) continue;
            DigestItem d = m.computeIfAbsent(t.digest, x -> {
                DigestItem n = new DigestItem();
                n.digest = x;
                return n;
            });
            d.tags.add(t.tag);
        }
        return new ArrayList<>(m.values());
    }

    public List<TagItem> tagsToDelete() {
        return tags.stream().filter(TagItem::delete).toList();
    }

    public boolean isEmpty() {
        return tagsToDelete().isEmpty();
    }

    /** {@link DigestItem#key} of every deletion. */
    public Set<String> deletionKeys() {
        Set<String> k = new TreeSet<>();
        for (DigestItem d : digestsToDelete()) k.add(d.key());
        return k;
    }

    /** This plan with only the deletions {@code shownKeys} also had (same digest, same tags); the others stay. */
    public RegistryCleanPlan limitedTo(Set<String> shownKeys) {
        Set<String> allowed = new java.util.HashSet<>();
        for (DigestItem d : digestsToDelete()) if (shownKeys.contains(d.key())) allowed.add(d.digest);
        for (TagItem t : tags) {
            if (t.delete() && !allowed.contains(t.digest)) {
                t.action = CleanPlan.KEEP;
                t.reason = "changed since the listing; left for the next run";
            }
        }
        return this;
    }
}
