package lib.flow;

import java.io.IOException;
import java.nio.file.Files;
import lib.core.AtomicFiles;
import lib.core.Fail;
import lib.history.Action;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.Outcome;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;

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
    public static String run(Context cx, String stack) {
        Layout layout = cx.layout();
        HistoryLog history = cx.history();
        String link = layout.currentReleaseId(stack);
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, stack);
        } catch (Fail f) {
            m = null;
        }
        String what = null;
        if (m != null && m.release_id != null && Names.isReleaseId(m.release_id)
                && Lifecycle.releaseExists(layout, stack, m.release_id)) {
            if (!m.release_id.equals(link)) {
                AtomicFiles.switchLink(layout.stackLink(stack), layout.releaseDir(stack, m.release_id));
                what = "the link pointed at " + (link == null ? "nothing" : link) + " (an interrupted deploy or rollback);"
                        + " restored to the manifest's release " + m.release_id;
            }
            String since = m.deployed_at_utc == null ? null : java.time.Instant.parse(m.deployed_at_utc).minusSeconds(300).toString();
            if (!ReleaseHistory.successRecorded(history, stack, m.release_id, since)) {
                Action action = m.action == null || Action.of(m.action) == null ? Action.DEPLOY : Action.of(m.action);
                history.append(HistoryRecord.of(m, action, Outcome.SUCCESS)
                        .withMessage("success record restored from the manifest after an interruption"));
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
                CurrentManifest fresh = CurrentManifest.of(layout, rel != null ? rel : fromHistory(ok), ok.actor, ok.run_id,
                        ok.previous_release_id, ok.action);
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
            cx.console().warn("repaired " + stack + ": " + what);
            history.append(HistoryRecord.of(Action.REPAIR, Outcome.SUCCESS).withStack(stack).withActor(cx.actor(), null).withMessage(what));
        }
        return what;
    }

    private static Release fromHistory(HistoryRecord h) {
        Release r = new Release();
        r.stack = h.stack;
        r.env = h.env;
        r.tag = h.image_tag;
        r.release_id = h.release_id;
        r.images = h.images;
        return r;
    }
}
