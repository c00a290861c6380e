package lib.history;

import lib.core.Fail;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Release;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which releases of a stack ran successfully, newest first. A release dir made by deploy holds
 * release.json and, once it ran healthy, a success marker, so this costs one small read per
 * release dir whatever the size of the history; release dirs made by other tools (no
 * release.json) are looked up in the history instead, reading back at most {@link #SCAN_LIMIT}
 * lines.
 */
public final class ReleaseHistory {
    private ReleaseHistory() {}

    public static final int SCAN_LIMIT = 100_000;

    /** Successful releases of the stack that are on disk, newest first, at most {@code limit}. */
    public static List<HistoryRecord> successfulDeploys(Layout layout, HistoryLog log, String stack, int limit) {
        List<String> ids = new ArrayList<>(Release.listIds(layout, stack));
        java.util.Collections.reverse(ids);
        Path base = layout.stackReleasesDir(stack);
        List<String> order = new ArrayList<>();
        Map<String, HistoryRecord> recs = new LinkedHashMap<>();
        Set<String> legacy = new HashSet<>();
        for (String id : ids) {
            if (order.size() >= limit) break;
            Path dir = base.resolve(id); // ids come from Release.listIds: valid release ids
            if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            Release rel = readQuietly(dir);
            if (rel == null) {
                legacy.add(id);
                order.add(id);
                continue;
            }
            // the marker's content is needed only when release.json lacks the time or the actor
            boolean complete = rel.created_at_utc != null && rel.actor != null;
            Release.Success ok = !complete ? Release.succeeded(dir)
                    : Files.isRegularFile(dir.resolve(Release.SUCCEEDED), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? new Release.Success() : null;
            if (ok == null) continue;
            order.add(id);
            recs.put(id, record(stack, id, dir, rel, ok));
        }
        if (!legacy.isEmpty()) {
            Map<String, HistoryRecord> failed = new HashMap<>();
            Map<String, HistoryRecord> ok = judged(log, stack, legacy, failed);
            for (String id : legacy) {
                Release facts = legacyQuietly(base.resolve(id), stack);
                HistoryRecord r = ok.get(id);
                if (r != null) {
                    if ((r.images == null || r.images.isEmpty()) && facts != null) withImages(r, facts);
                    recs.put(id, r);
                } else if (!failed.containsKey(id) && facts != null) {
                    recs.put(id, legacyCandidate(stack, base.resolve(id), facts));
                }
            }
        }
        List<HistoryRecord> out = new ArrayList<>();
        for (String id : order) if (recs.containsKey(id)) out.add(recs.get(id));
        return out;
    }

    /** The outcome word of a release another tool made that no history line judges: it counts as a candidate. */
    public static final String LEGACY = "legacy";

    /** A release dir of another tool that the history says nothing about: listed with outcome {@link #LEGACY}. */
    private static HistoryRecord legacyCandidate(String stack, Path dir, Release facts) {
        HistoryRecord r = new HistoryRecord();
        r.at_utc = facts.created_at_utc;
        r.action = Action.DEPLOY.word;
        r.outcome = LEGACY;
        r.stack = stack;
        r.image_tag = facts.tag;
        r.release_id = facts.release_id;
        r.release_dir = dir.toString();
        withImages(r, facts);
        return r;
    }

    private static void withImages(HistoryRecord r, Release facts) {
        r.images = facts.images;
        ImageRef p = ImageRef.primary(facts.images);
        if (p != null) {
            r.image_ref = p.ref;
            r.image_digest = p.digest;
        }
        if (r.image_tag == null) r.image_tag = facts.tag;
    }

    private static Release legacyQuietly(Path dir, String stack) {
        try {
            return Release.legacy(dir, stack);
        } catch (Fail f) {
            return null;
        }
    }

    private static HistoryRecord record(String stack, String id, Path dir, Release rel, Release.Success ok) {
        HistoryRecord r = new HistoryRecord();
        r.at_utc = rel.created_at_utc != null ? rel.created_at_utc : ok.at_utc;
        r.action = Action.DEPLOY.word;
        r.outcome = Outcome.SUCCESS.word;
        r.stack = stack;
        r.env = rel.env;
        r.image_tag = rel.tag;
        r.images = rel.images;
        ImageRef p = ImageRef.primary(rel.images);
        r.image_ref = p == null ? null : p.ref;
        r.image_digest = p == null ? null : p.digest;
        r.release_id = id;
        r.release_dir = dir.toString();
        r.actor = rel.actor != null ? rel.actor : ok.actor;
        return r;
    }

    public static List<HistoryRecord> successfulDeploys(Layout layout, HistoryLog log, String stack) {
        return successfulDeploys(layout, log, stack, Integer.MAX_VALUE);
    }

    private static final HistoryScan.Needle AT_UTC = HistoryScan.key("at_utc");

    /**
     * True when the history holds the success record of {@code releaseId} on {@code stack}, looking
     * at the records written at or after {@code sinceUtc} (null: all) among the newest
     * {@link #SCAN_LIMIT} lines; a history too long to tell counts as holding it.
     */
    public static boolean successRecorded(HistoryLog log, String stack, String releaseId, String sinceUtc) {
        HistoryScan.Needle pattern = new HistoryScan.Needle(stack);
        HistoryScan.Needle id = new HistoryScan.Needle(releaseId);
        boolean[] found = {false};
        int[] seen = {0};
        HistoryScan.newestFirst(log.file(), (buf, from, to) -> {
            if (++seen[0] > SCAN_LIMIT) {
                found[0] = true;
                return false;
            }
            String at = sinceUtc == null ? null : HistoryScan.stringField(buf, from, to, AT_UTC);
            if (at != null && at.compareTo(sinceUtc) < 0) return false;
            if (pattern.indexIn(buf, from, to) < 0 || id.indexIn(buf, from, to) < 0) return true;
            HistoryRecord r = HistoryLog.parse(new String(buf, from, to - from, java.nio.charset.StandardCharsets.UTF_8));
            found[0] = r != null && stack.equals(r.stack) && releaseId.equals(r.release_id) && r.isSuccessfulRelease();
            return !found[0];
        });
        return found[0];
    }

    /** The success records of the given releases, from the newest {@link #SCAN_LIMIT} history lines. */
    public static Map<String, HistoryRecord> fromHistory(HistoryLog log, String stack, Set<String> ids) {
        return judged(log, stack, ids, new HashMap<>());
    }

    /**
     * {@link #fromHistory}, and into {@code failed} the newest record of each of {@code ids} that the
     * history holds no success for but some other outcome of a deploy or rollback.
     */
    static Map<String, HistoryRecord> judged(HistoryLog log, String stack, Set<String> ids, Map<String, HistoryRecord> failed) {
        Map<String, HistoryRecord> found = new LinkedHashMap<>();
        String needle = stack;
        int[] seen = {0};
        HistoryScan.Needle pattern = new HistoryScan.Needle(needle);
        HistoryScan.newestFirst(log.file(), (buf, from, to) -> {
            if (++seen[0] > SCAN_LIMIT || found.size() == ids.size()) return false;
            if (pattern.indexIn(buf, from, to) < 0) return true;
            HistoryRecord r = HistoryLog.parse(new String(buf, from, to - from, java.nio.charset.StandardCharsets.UTF_8));
            // a line of another tool may not name its stack: the release id (and the stack's name in the line) tells
            boolean ours = r != null && (stack.equals(r.stack) || (r.foreignLine != null && r.stack == null));
            if (!ours || r.release_id == null || !ids.contains(r.release_id) || r.action() == null || !r.action().activates()) return true;
            if (!r.isSuccessfulRelease()) {
                failed.putIfAbsent(r.release_id, r);
                return true;
            }
            if (r.stack == null) r.stack = stack;
            HistoryRecord earlier = found.get(r.release_id);
            if (earlier == null || r.action() == Action.DEPLOY) found.put(r.release_id, r);
            return true;
        });
        failed.keySet().removeAll(found.keySet());
        return found;
    }

    private static Release readQuietly(Path dir) {
        try {
            return Release.read(dir);
        } catch (Fail f) {
            return null;
        }
    }
}
