package lib.clean;

import lib.engine.Inventory;
import lib.history.HistoryRecord;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.Release;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What clean-images removes, decided from facts alone (no disk, no engine).
 *
 * <p>Releases, per stack: walking its complete release dirs newest first, every dir is kept until
 * {@code keep} successful releases (with a success marker, or a success record of a deploy,
 * rollback or auto-rollback in the history) have been kept; every older dir is deleted, failed ones (never successful) first, then
 * the old successful ones, oldest first. The live release (the stack link's target) is always
 * kept, and does not count when it lies beyond the newest {@code keep}. A release dir without
 * release.json that ran successfully is a release of the shell scripts and counts like any other;
 * one that never ran is incomplete and deleted, as are leftovers of an interrupted deploy or clean
 * ({@code .partial-*}, {@code .deleting-*}, older than a minute). A stack whose lock is held is being
 * deployed: nothing of it is deleted, and no image of its repositories.
 *
 * <p>Images: an image is a candidate when every reference of it (tags and repo@digest) belongs to a
 * repository some release under the root uses (of the given stack only, when one is given); with
 * {@link Mode#ALL} every image is; with {@link Mode#DANGLING} only untagged images are, and no
 * release dir is touched. A candidate is kept when a container (running or stopped) uses it, when
 * one of its digests is pinned by a release that stays, when a service of a release that stays runs
 * it (the compose file read with the release's .env), or when its repository belongs to a stack being deployed; otherwise it goes.
 * References and repositories are compared in docker's normalised spelling ({@link ImageRef#canonical},
 * {@link ImageRef#name}): docker lists {@code redis:7} for a release that pins {@code docker.io/library/redis}.
 */
public final class CleanPlan {
    public static final int DEFAULT_KEEP = 10;
    public static final Duration LEFTOVER_AGE = Duration.ofMinutes(1);
    /** History records are never older than the release they name; this much clock step is tolerated. */
    static final Duration CLOCK_SLACK = Duration.ofHours(1);

    public enum Mode { RELEASES_AND_IMAGES, DANGLING, ALL }

    /** A release dir with release.json; one without it (images from its .env); a temp dir of a deploy or clean. */
    /**
     * RELEASE: made by the tool (release.json); LEGACY: made by another tool (a compose file, no
     * release.json: the source documents' shell scripts); INCOMPLETE: neither; LEFTOVER: a partial
     * dir of an interrupted deploy or clean.
     */
    public enum Kind { RELEASE, LEGACY, INCOMPLETE, LEFTOVER }

    /** One entry of a stack's releases dir. */
    public static final class Dir {
        public final String name;
        public final Kind kind;
        public final Instant modified;
        public final long bytes;
        /** The images of its release.json (empty when it has none). */
        public final Map<String, ImageRef> images;
        /** The images its services run (its record in release.json, else its compose file read with its .env). */
        public final List<String> composeImages;

        public Dir(String name, Kind kind, Instant modified, long bytes, Map<String, ImageRef> images, List<String> composeImages) {
            this.name = name;
            this.kind = kind;
            this.modified = modified;
            this.bytes = bytes;
            this.images = images == null ? Map.of() : images;
            this.composeImages = composeImages == null ? List.of() : composeImages;
        }

        public static Dir release(String name, Map<String, ImageRef> images, long bytes) {
            return new Dir(name, Kind.RELEASE, Instant.EPOCH, bytes, images, List.of());
        }
    }

    /** A stack as found on disk. */
    public static final class StackInput {
        public final String stack;
        /** The release id its link points at, or null. */
        public final String live;
        /** Who holds its lock, or null when it is free. */
        public final String lockedBy;
        public final int keep;
        public final List<Dir> dirs;
        /** Repositories its live stack.json names. */
        public final Set<String> repositories;
        /** Release dirs its manifest or a verification record names: never deleted when another tool made them. */
        public final Set<String> named;

        public StackInput(String stack, String live, String lockedBy, int keep, List<Dir> dirs, Set<String> repositories) {
            this(stack, live, lockedBy, keep, dirs, repositories, Set.of());
        }

        public StackInput(String stack, String live, String lockedBy, int keep, List<Dir> dirs, Set<String> repositories, Set<String> named) {
            this.stack = stack;
            this.live = live;
            this.lockedBy = lockedBy;
            this.keep = keep;
            this.dirs = dirs;
            this.repositories = repositories == null ? Set.of() : repositories;
            this.named = named == null ? Set.of() : named;
        }
    }

    /** A container (running or stopped) and the image it was created from. */
    public record Use(String id, String name, String imageId, String imageRef) {}

    public static class ReleaseItem {
        public String stack;
        public String name;
        public String kind;
        public String action;
        public String reason;
        public Boolean successful;
        public long bytes;

        public boolean delete() { return DELETE.equals(action); }

        public String key() { return stack + "/" + name; }
    }

    public static class StackPlan {
        public String stack;
        public String live_release_id;
        public int keep;
        public String skipped;
        public List<ReleaseItem> releases = new ArrayList<>();
    }

    public static class ImageItem {
        public String id;
        public List<String> references;
        public long size;
        public Long unique_size;
        public String action;
        public String reason;

        public boolean delete() { return DELETE.equals(action); }

        /** What removing it frees: its unique size when known, else its size. */
        public long frees() { return unique_size != null ? unique_size : size; }
    }

    public static final String KEEP = "keep";
    public static final String DELETE = "delete";

    public final Mode mode;
    public final List<StackPlan> stacks;
    public final List<ImageItem> images;

    private CleanPlan(Mode mode, List<StackPlan> stacks, List<ImageItem> images) {
        this.mode = mode;
        this.stacks = stacks;
        this.images = images;
    }

    /** The release dirs to delete, in the order to delete them (see the class comment). */
    public List<ReleaseItem> releasesToDelete() {
        List<ReleaseItem> out = new ArrayList<>();
        for (StackPlan s : stacks) for (ReleaseItem r : s.releases) if (r.delete()) out.add(r);
        return out;
    }

    public List<ImageItem> imagesToDelete() {
        return images.stream().filter(ImageItem::delete).toList();
    }

    public long releaseBytes() {
        return releasesToDelete().stream().mapToLong(r -> r.bytes).sum();
    }

    public long imageBytes() {
        return imagesToDelete().stream().mapToLong(ImageItem::frees).sum();
    }

    public boolean isEmpty() {
        return releasesToDelete().isEmpty() && imagesToDelete().isEmpty();
    }

    public static String key(String stack, String releaseId) {
        return stack + "/" + releaseId;
    }

    /**
     * Plans a clean.
     *
     * @param stacks     every stack under the root (their releases protect images even when only one is cleaned)
     * @param successful {@link #key} of every release that ran successfully
     * @param onlyStack  the one stack to clean, or null for all
     */
    public static CleanPlan plan(List<StackInput> stacks, Set<String> successful, List<Inventory.Image> images, List<Use> containers,
                                 String onlyStack, Mode mode, Instant now) {
        List<StackPlan> plans = new ArrayList<>();
        Map<String, String> keptDigests = new HashMap<>();
        Map<String, String> keptComposeRefs = new HashMap<>();
        Map<String, String> lockedRepos = new HashMap<>();
        Set<String> scopeRepos = new HashSet<>();

        for (StackInput s : stacks) {
            boolean cleaned = mode != Mode.DANGLING && (onlyStack == null || onlyStack.equals(s.stack));
            StackPlan p = releasePlan(s, successful, now, cleaned);
            if (cleaned) plans.add(p);
            Map<String, ReleaseItem> byName = new HashMap<>();
            for (ReleaseItem r : p.releases) byName.put(r.name, r);
            for (Dir d : s.dirs) {
                ReleaseItem item = byName.get(d.name);
                boolean stays = item == null || !item.delete();
                for (ImageRef i : d.images.values()) {
                    if (i == null) continue;
                    if (i.repository != null && (onlyStack == null || onlyStack.equals(s.stack))) scopeRepos.add(i.name());
                    if (i.repository != null && s.lockedBy != null) lockedRepos.putIfAbsent(i.name(), s.stack);
                    if (stays && i.digest != null) keptDigests.putIfAbsent(i.digest, key(s.stack, d.name));
                }
                if (stays) for (String ref : d.composeImages) keptComposeRefs.putIfAbsent(ImageRef.canonicalOf(ref), key(s.stack, d.name));
            }
            for (String repo : s.repositories) {
                if (onlyStack == null || onlyStack.equals(s.stack)) scopeRepos.add(ImageRef.nameOf(repo));
                if (s.lockedBy != null) lockedRepos.putIfAbsent(ImageRef.nameOf(repo), s.stack);
            }
        }

        Map<String, String> usedById = new HashMap<>();
        Map<String, String> usedByRef = new HashMap<>();
        for (Use c : containers) {
            String who = c.name() != null && !c.name().isBlank() ? c.name() : shortId(c.id());
            if (c.imageId() != null) usedById.putIfAbsent(c.imageId(), who);
            ImageRef ref = ImageRef.parse(c.imageRef());
            if (ref != null) {
                usedByRef.putIfAbsent(ref.canonical(), who);
                if (ref.digest != null) usedByRef.putIfAbsent(ref.digest, who);
            }
        }

        List<ImageItem> items = new ArrayList<>();
        for (Inventory.Image img : images) {
            if (!inScope(img, mode, scopeRepos)) continue;
            ImageItem it = new ImageItem();
            it.id = img.id;
            it.references = img.references();
            it.size = img.size;
            it.unique_size = img.uniqueSize;
            String reason = keepReason(img, usedById, usedByRef, keptDigests, keptComposeRefs, lockedRepos);
            it.action = reason == null ? DELETE : KEEP;
            it.reason = reason != null ? reason
                    : img.tags.isEmpty() && img.digests.isEmpty() ? "dangling, unused"
                    : mode == Mode.DANGLING ? "untagged, no release or container uses it"
                    : "no kept release or container uses it";
            items.add(it);
        }
        items.sort(Comparator.comparing((ImageItem i) -> !i.delete())
                .thenComparing(i -> i.references.isEmpty() ? "~" + i.id : i.references.get(0)));
        return new CleanPlan(mode, plans, items);
    }

    private static StackPlan releasePlan(StackInput s, Set<String> successful, Instant now, boolean cleaned) {
        StackPlan p = new StackPlan();
        p.stack = s.stack;
        p.live_release_id = s.live;
        p.keep = s.keep;
        boolean locked = s.lockedBy != null;
        if (locked) p.skipped = "being deployed (lock held by " + s.lockedBy + "); nothing of it is deleted";

        List<Dir> complete = new ArrayList<>();
        List<ReleaseItem> other = new ArrayList<>();
        for (Dir d : s.dirs) {
            if (d.kind == Kind.RELEASE || d.kind == Kind.LEGACY || (d.kind == Kind.INCOMPLETE && successful.contains(key(s.stack, d.name)))) {
                complete.add(d);
                continue;
            }
            ReleaseItem r = item(s.stack, d);
            boolean live = d.name.equals(s.live);
            boolean fresh = d.kind == Kind.LEFTOVER && d.modified.isAfter(now.minus(LEFTOVER_AGE));
            if (locked || live || fresh || !cleaned) {
                r.action = KEEP;
                r.reason = live ? "live (no release.json)" : locked ? "stack is being deployed" : fresh ? "in progress" : "not cleaned";
            } else {
                r.action = DELETE;
                r.reason = d.kind == Kind.LEFTOVER ? "leftover of an interrupted deploy or clean" : "incomplete (no release.json)";
            }
            other.add(r);
        }
        complete.sort(Comparator.comparing((Dir d) -> Release.sortKey(d.name)).reversed());

        List<ReleaseItem> kept = new ArrayList<>();
        List<ReleaseItem> failed = new ArrayList<>();
        List<ReleaseItem> old = new ArrayList<>();
        int successes = 0;
        int position = 0;
        for (Dir d : complete) {
            ReleaseItem r = item(s.stack, d);
            if (d.kind == Kind.INCOMPLETE) r.kind = "release without release.json";
            r.successful = successful.contains(key(s.stack, d.name));
            boolean live = d.name.equals(s.live);
            boolean within = successes < s.keep;
            boolean newest = position++ < s.keep;
            if (d.kind == Kind.LEGACY && !r.successful && !locked && cleaned) {
                // another tool's release the history does not judge: kept among the newest N by time, and whenever named
                boolean keepIt = live || newest || s.named.contains(d.name);
                r.action = keepIt ? KEEP : DELETE;
                r.reason = live ? "live" : s.named.contains(d.name) ? "named by a manifest or verification record"
                        : newest ? "legacy, among the newest " + s.keep + " by time" : "legacy, older than the newest " + s.keep + " by time";
                (keepIt ? kept : old).add(r);
                continue;
            }
            if (locked || !cleaned) {
                r.action = KEEP;
                r.reason = locked ? "stack is being deployed" : "not cleaned";
                kept.add(r);
            } else if (within) {
                r.action = KEEP;
                r.reason = live ? "live" : r.successful ? "newest " + s.keep : "newer than the kept successful releases";
                kept.add(r);
            } else if (live) {
                r.action = KEEP;
                r.reason = "live";
                kept.add(r);
            } else {
                r.action = DELETE;
                r.reason = r.successful ? "older than the newest " + s.keep : "failed (never ran successfully)";
                (r.successful ? old : failed).add(r);
            }
            if (within && r.successful) successes++;
        }
        java.util.Collections.reverse(failed);
        java.util.Collections.reverse(old);
        for (ReleaseItem r : other) if (r.delete()) p.releases.add(r);
        p.releases.addAll(failed);
        p.releases.addAll(old);
        for (ReleaseItem r : other) if (!r.delete()) p.releases.add(r);
        p.releases.addAll(kept);
        return p;
    }

    private static ReleaseItem item(String stack, Dir d) {
        ReleaseItem r = new ReleaseItem();
        r.stack = stack;
        r.name = d.name;
        r.kind = d.kind.name().toLowerCase(java.util.Locale.ROOT);
        r.bytes = d.bytes;
        return r;
    }

    private static boolean inScope(Inventory.Image img, Mode mode, Set<String> scopeRepos) {
        switch (mode) {
            case ALL:
                return true;
            case DANGLING:
                return img.tags.isEmpty();
            default:
                List<String> refs = img.references();
                if (refs.isEmpty()) return false;
                for (String r : refs) if (!scopeRepos.contains(ImageRef.nameOf(r))) return false;
                return true;
        }
    }

    private static String keepReason(Inventory.Image img, Map<String, String> usedById, Map<String, String> usedByRef,
                                     Map<String, String> keptDigests, Map<String, String> keptComposeRefs,
                                     Map<String, String> lockedRepos) {
        String who = usedById.get(img.id);
        if (who == null) {
            for (String ref : img.references()) {
                who = usedByRef.get(ImageRef.canonicalOf(ref));
                if (who == null && ImageRef.digestOf(ref) != null) who = usedByRef.get(ImageRef.digestOf(ref));
                if (who != null) break;
            }
        }
        if (who != null) return "used by container " + who;
        for (String ref : img.digests) {
            String release = keptDigests.get(ImageRef.digestOf(ref));
            if (release != null) return "pinned by kept release " + release;
        }
        for (String ref : img.references()) {
            String release = keptComposeRefs.get(ImageRef.canonicalOf(ref));
            if (release != null) return "named in the compose file of kept release " + release;
        }
        for (String ref : img.references()) {
            String stack = lockedRepos.get(ImageRef.nameOf(ref));
            if (stack != null) return "stack " + stack + " is being deployed";
        }
        return null;
    }

    static String shortId(String id) {
        if (id == null) return "?";
        String s = id.startsWith("sha256:") ? id.substring(7) : id;
        return s.length() > 12 ? s.substring(0, 12) : s;
    }

    /**
     * Which of the {@code wanted} releases (stack -> release ids) ran successfully, reading the
     * history newest first once. Reading stops as soon as every wanted release is found, or when the
     * records are older than every release still unresolved (a record never predates its release).
     *
     * @return {@link #key} of every wanted release with a success record
     */
    public static Set<String> successfulReleases(Iterable<HistoryRecord> newestFirst, Map<String, ? extends Collection<String>> wanted) {
        SuccessSearch search = new SuccessSearch(wanted);
        if (search.done()) return search.found();
        for (HistoryRecord r : newestFirst) if (!search.accept(r)) break;
        return search.found();
    }

    /** {@link #successfulReleases}, fed one record at a time, newest first. */
    public static final class SuccessSearch {
        private final Set<String> found = new HashSet<>();
        private final Set<String> ids = new HashSet<>();
        private final Map<String, String> timeOf = new HashMap<>();
        private final TreeMap<String, Set<String>> unresolved = new TreeMap<>();
        private String horizon;

        public SuccessSearch(Map<String, ? extends Collection<String>> wanted) {
            for (var e : wanted.entrySet()) {
                for (String id : e.getValue()) {
                    if (!Names.isReleaseId(id)) continue;
                    String k = key(e.getKey(), id);
                    String t = isoTime(id);
                    ids.add(id);
                    timeOf.put(k, t);
                    unresolved.computeIfAbsent(t, x -> new LinkedHashSet<>()).add(k);
                }
            }
            horizon = unresolved.isEmpty() ? "" : horizon(unresolved.firstKey());
        }

        /** True when a record naming {@code releaseId} can change the answer. */
        public boolean wants(String releaseId) {
            return ids.contains(releaseId);
        }

        public boolean done() {
            return unresolved.isEmpty();
        }

        /** Takes the next older record; false once no older record can change the answer. */
        public boolean accept(HistoryRecord r) {
            if (r.stack != null && r.isSuccessfulRelease()) {
                String k = key(r.stack, r.release_id);
                String t = timeOf.get(k);
                if (t != null && found.add(k)) {
                    Set<String> at = unresolved.get(t);
                    at.remove(k);
                    if (at.isEmpty()) {
                        unresolved.remove(t);
                        if (unresolved.isEmpty()) return false;
                        horizon = horizon(unresolved.firstKey());
                    }
                }
            }
            return r.at_utc == null || r.at_utc.compareTo(horizon) >= 0;
        }

        public Set<String> found() {
            return found;
        }
    }

    /** 2026-01-31T12:05:00Z from a release id's 20260131T120500Z. */
    static String isoTime(String releaseId) {
        String ts = Release.sortKey(releaseId).substring(0, 16);
        return ts.substring(0, 4) + "-" + ts.substring(4, 6) + "-" + ts.substring(6, 8) + "T" + ts.substring(9, 11) + ":"
                + ts.substring(11, 13) + ":" + ts.substring(13, 15) + "Z";
    }

    private static String horizon(String iso) {
        try {
            return Instant.parse(iso).minus(CLOCK_SLACK).toString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The stacks of the plan by name, for lookups. */
    public Map<String, StackPlan> byStack() {
        Map<String, StackPlan> m = new LinkedHashMap<>();
        for (StackPlan s : stacks) m.put(s.stack, s);
        return m;
    }

    /** Keys of what this plan deletes: release dirs as stack/name, images by ID. */
    public Set<String> deletionKeys() {
        Set<String> k = new TreeSet<>();
        for (ReleaseItem r : releasesToDelete()) k.add("release:" + r.key());
        for (ImageItem i : imagesToDelete()) k.add("image:" + i.id);
        return k;
    }

    /** This plan with only the deletions that {@code shown} also had; the others become kept. */
    public CleanPlan limitedTo(Set<String> shownKeys) {
        for (StackPlan s : stacks) {
            for (ReleaseItem r : s.releases) {
                if (r.delete() && !shownKeys.contains("release:" + r.key())) {
                    r.action = KEEP;
                    r.reason = "not in the confirmed list; left for the next run";
                }
            }
        }
        for (ImageItem i : images) {
            if (i.delete() && !shownKeys.contains("image:" + i.id)) {
                i.action = KEEP;
                i.reason = "not in the confirmed list; left for the next run";
            }
        }
        return this;
    }
}
