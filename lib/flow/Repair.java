package lib.flow;

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
 * else (the caller holds the stack's lock, so no other process is changing it):
 * <ul>
 * <li>a manifest still marked activating belongs to an attempt whose process died during the
 *     activation: when its release had run healthy the activation is completed, otherwise the link
 *     goes back to the release that ran before (or is removed after a first deploy) and the attempt
 *     gets its history record as interrupted;</li>
 * <li>a manifest (a regular file left by an earlier version or other tools) that disagrees with the
 *     link wins: the link goes back to the manifest's release;</li>
 * <li>a manifest whose success record is missing from the history gets it;</li>
 * <li>a link with no manifest is given one from the history, or removed when its release never ran
 *     successfully.</li>
 * </ul>
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
        if (m != null && m.activating() && m.release_id != null && Names.isReleaseId(m.release_id)) {
            what = interrupted(cx, stack, m);
            link = layout.currentReleaseId(stack);
            try {
                m = CurrentManifest.read(layout, stack);
            } catch (Fail f) {
                m = null;
            }
            if (m != null && m.activating()) m = null;
        }
        if (m != null && m.release_id != null && Names.isReleaseId(m.release_id)
                && Lifecycle.releaseExists(layout, stack, m.release_id)) {
            if (!m.release_id.equals(link)) {
                AtomicFiles.switchLink(layout.stackLink(stack), layout.releaseDir(stack, m.release_id));
                what = (what == null ? "" : what + "; ") + "the link pointed at " + (link == null ? "nothing" : link) + " (an interrupted deploy or rollback);"
                        + " restored to the manifest's release " + m.release_id;
            }
            String since = since(m.deployed_at_utc);
            if (!ReleaseHistory.successRecorded(history, stack, m.release_id, since)) {
                Action action = m.action == null || Action.of(m.action) == null ? Action.DEPLOY : Action.of(m.action);
                history.append(HistoryRecord.of(m, action, Outcome.SUCCESS)
                        .withMessage("success record restored from the manifest after an interruption"));
                what = (what == null ? "" : what + "; ") + "restored the history record of " + m.release_id;
            }
        } else if (link != null) {
            String linked = link;
            HistoryRecord ok = ReleaseHistory.fromHistory(history, stack, java.util.Set.of(link)).get(link);
            if (ok == null && Release.succeeded(layout.releaseDir(stack, link)) != null) {
                ok = ReleaseHistory.successfulDeploys(layout, history, stack).stream()
                        .filter(r -> linked.equals(r.release_id)).findFirst().orElse(null);
            }
            if (ok != null) {
                Release rel = Release.read(layout.releaseDir(stack, link));
                CurrentManifest fresh = CurrentManifest.of(layout, rel != null ? rel : fromHistory(ok), ok.actor, ok.run_id,
                        ok.previous_release_id, ok.action);
                fresh.deployed_at_utc = ok.at_utc;
                fresh.break_glass = Boolean.TRUE.equals(ok.break_glass);
                fresh.break_glass_reason = ok.break_glass_reason == null ? "" : ok.break_glass_reason;
                fresh.write(layout);
                what = (what == null ? "" : what + "; ") + "the manifest was missing; rewritten from the history for " + link;
            } else {
                layout.removeStackLink(stack);
                what = (what == null ? "" : what + "; ") + "the link pointed at " + link
                        + ", which never ran successfully (an interrupted first deploy); removed";
            }
        }
        if (what != null) {
            cx.console().warn("repaired " + stack + ": " + what);
            history.append(HistoryRecord.of(Action.REPAIR, Outcome.SUCCESS).withStack(stack).withActor(cx.actor(), null).withMessage(what));
        }
        return what;
    }

    /**
     * The attempt that made {@code m} live died during its activation. A release that ran healthy
     * (its success marker) is completed; any other goes: the link returns to the release that ran
     * before, or is removed after a first deploy, and the attempt is recorded as interrupted.
     */
    private static String interrupted(Context cx, String stack, CurrentManifest m) {
        Layout layout = cx.layout();
        if (Release.succeeded(layout.releaseDir(stack, m.release_id)) != null) {
            m.state = null;
            m.write(layout);
            return "the activation of " + m.release_id + " was interrupted after it ran healthy; completed";
        }
        Action action = Action.of(m.action) == null ? Action.DEPLOY : Action.of(m.action);
        String back = m.previous_release_id;
        boolean hasBack = back != null && Names.isReleaseId(back) && Lifecycle.releaseExists(layout, stack, back);
        if (hasBack) {
            AtomicFiles.switchLink(layout.stackLink(stack), layout.releaseDir(stack, back));
        } else {
            layout.removeStackLink(stack);
        }
        String what = "the " + action.word + " of " + m.release_id + " was interrupted during its activation (its process is gone); "
                + (hasBack ? "the link is back on " + back : "the link is removed");
        cx.history().append(HistoryRecord.of(m, action, Outcome.INTERRUPTED).withMessage(what));
        return what;
    }

    /** Five minutes before {@code deployedAt}: where the search for its success record may stop; null when unknown. */
    private static String since(String deployedAt) {
        try {
            return deployedAt == null ? null : java.time.Instant.parse(deployedAt).minusSeconds(300).toString();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
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
