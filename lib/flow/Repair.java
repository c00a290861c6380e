package lib.flow;

import lib.cli.Console;
import lib.core.AtomicFiles;
import lib.core.Clock;
import lib.core.Fail;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Puts a stack back in a consistent state after a crash, before a deploy or rollback does anything
 * else (the caller holds the stack's lock). The manifest is written only after a release ran
 * healthy, so it is the record of truth: a link that disagrees with it was left by an interrupted
 * switch and goes back to the manifest's release; a manifest whose success record is missing from
 * the history gets it; a link with no manifest that never ran successfully is removed.
 */
public final class Repair {
    private Repair() {}

    /** Returns a one-line description of what was repaired, or null when the stack was consistent. */
    public static String run(Layout layout, String stack, String actor, Console console) {
        String link = layout.currentReleaseId(stack);
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, stack);
        } catch (Fail f) {
            m = null;
        }
        HistoryLog history = new HistoryLog(layout.historyLog());
        String what = null;
        if (m != null && m.release_id != null && Names.isReleaseId(m.release_id)
                && Activation.releaseExists(layout, stack, m.release_id)) {
            if (!m.release_id.equals(link)) {
                AtomicFiles.switchLink(layout.stackLink(stack), layout.releaseDir(stack, m.release_id));
                what = "the link pointed at " + (link == null ? "nothing" : link) + " (an interrupted deploy or rollback);"
                        + " restored to the manifest's release " + m.release_id;
            }
            if (!recorded(history, stack, m)) {
                HistoryRecord r = HistoryRecord.of(m, m.action == null ? "deploy" : m.action, HistoryRecord.SUCCESS);
                r.message = "success record restored from the manifest after an interruption";
                history.append(r);
                what = (what == null ? "" : what + "; ") + "restored the history record of " + m.release_id;
            }
        } else if (link != null) {
            HistoryRecord ok = ReleaseHistory.fromHistory(history, stack, java.util.Set.of(link)).get(link);
            if (ok == null && Release.succeeded(layout.releaseDir(stack, link)) != null) {
                ok = ReleaseHistory.successfulDeploys(layout, history, stack).stream()
                        .filter(r -> link.equals(r.release_id)).findFirst().orElse(null);
            }
            if (ok != null) {
                Release rel = Release.read(layout.releaseDir(stack, link));
                CurrentManifest fresh = rel != null
                        ? CurrentManifest.of(layout, rel, ok.actor, ok.run_id, ok.previous_release_id, ok.action)
                        : fromHistory(layout, ok);
                fresh.deployed_at_utc = ok.at_utc;
                fresh.break_glass = Boolean.TRUE.equals(ok.break_glass);
                fresh.break_glass_reason = ok.break_glass_reason == null ? "" : ok.break_glass_reason;
                fresh.write(layout);
                what = "the manifest was missing; rewritten from the history for " + link;
            } else {
                try {
                    Files.deleteIfExists(layout.stackLink(stack));
                    AtomicFiles.fsyncDir(layout.stacksDir());
                } catch (IOException e) {
                    throw Fail.failed("cannot remove " + layout.stackLink(stack) + ": " + e.getMessage(), e);
                }
                what = "the link pointed at " + link + ", which never ran successfully (an interrupted first deploy); removed";
            }
        }
        if (what != null) {
            if (console != null) console.warn("repaired " + stack + ": " + what);
            HistoryRecord r = new HistoryRecord();
            r.at_utc = Clock.nowUtc();
            r.action = "repair";
            r.outcome = HistoryRecord.SUCCESS;
            r.stack = stack;
            r.actor = actor;
            r.message = what;
            history.append(r);
        }
        return what;
    }

    /**
     * True when the history holds the success record of the manifest's release: looked for among the
     * records written since the manifest (an interrupted deploy's record would be the newest).
     */
    static boolean recorded(HistoryLog history, String stack, CurrentManifest m) {
        String since = m.deployed_at_utc == null ? null
                : java.time.Instant.parse(m.deployed_at_utc).minusSeconds(300).toString();
        String needle = "\"stack\":\"" + stack + "\"";
        boolean[] found = {false};
        int[] seen = {0};
        history.eachLineNewestFirst(line -> {
            if (++seen[0] > ReleaseHistory.SCAN_LIMIT) {
                found[0] = true;
                return false;
            }
            if (since != null && line.startsWith("{\"at_utc\":\"") && line.length() > 31
                    && line.substring(11, 31).compareTo(since) < 0) return false;
            if (!line.contains(needle) || !line.contains(m.release_id)) return true;
            HistoryRecord r = HistoryLog.parse(line);
            found[0] = r != null && stack.equals(r.stack) && m.release_id.equals(r.release_id) && r.isSuccessfulRelease();
            return !found[0];
        });
        return found[0];
    }

    /** What a repair would find, without changing anything (for status and verify). */
    public static String inspect(Layout layout, String stack) {
        String link;
        try {
            link = layout.currentReleaseId(stack);
        } catch (Fail f) {
            return f.oneLine();
        }
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, stack);
        } catch (Fail f) {
            return "manifest unreadable: " + f.oneLine();
        }
        if (m == null) return link == null ? null : "the link points at " + link + " but there is no manifest";
        if (m.release_id == null || !Activation.releaseExists(layout, stack, m.release_id))
            return "the manifest names release " + m.release_id + ", whose dir is missing";
        if (!m.release_id.equals(link))
            return "the link points at " + (link == null ? "nothing" : link) + " but the manifest names " + m.release_id;
        return null;
    }

    private static CurrentManifest fromHistory(Layout layout, HistoryRecord h) {
        Release r = new Release();
        r.stack = h.stack;
        r.env = h.env;
        r.tag = h.image_tag;
        r.release_id = h.release_id;
        r.images = h.images;
        return CurrentManifest.of(layout, r, h.actor, h.run_id, h.previous_release_id, h.action);
    }
}
