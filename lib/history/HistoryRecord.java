package lib.history;

import lib.model.CurrentManifest;
import lib.model.ImageRef;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One record of deploy_history.log. Deploy records keep the seed's manifest field names. {@code action}
 * and {@code outcome} hold the words of {@link Action} and {@link Outcome}; records read from lines in
 * another format (see {@link HistoryFormat}) may hold other words, and {@link #action()} and
 * {@link #outcome()} are null for those. Records are made by the factories below and completed with the
 * {@code with*} methods; {@link HistoryLog#append} stamps the time.
 */
public class HistoryRecord {
    public static final String SUCCESS = Outcome.SUCCESS.word;
    public static final String FAILED = Outcome.FAILED.word;
    public static final String ROLLED_BACK = Outcome.ROLLED_BACK.word;

    public String at_utc;
    public String action;
    public String outcome;
    public String stack;
    public String env;
    public String image_tag;
    public String image_ref;
    public String image_digest;
    public Map<String, ImageRef> images;
    public String release_id;
    public String release_dir;
    public String previous_release_id;
    public String from_release_id;
    public String actor;
    public String run_id;
    public Boolean break_glass;
    public String break_glass_reason;
    public String reason;
    public String message;
    public Long duration_ms;
    public String diagnostics_file;
    public List<String> removed;

    /** The line this record was read from, when it was not written by this tool (kept, never rewritten). */
    @com.fasterxml.jackson.annotation.JsonIgnore public String foreignLine;

    public Action action() { return Action.of(action); }

    public Outcome outcome() { return Outcome.of(outcome); }

    public boolean isSuccess() { return SUCCESS.equals(outcome); }

    /** A successful deploy or rollback: a release that ran healthy. */
    public boolean isSuccessfulRelease() {
        Action a = action();
        return isSuccess() && release_id != null && a != null && a.activates();
    }

    /** A record of {@code action} ending in {@code outcome}, about nothing yet. */
    public static HistoryRecord of(Action action, Outcome outcome) {
        HistoryRecord r = new HistoryRecord();
        r.action = action.word;
        r.outcome = outcome.word;
        return r;
    }

    /** A record of {@code action} on the release {@code m} describes, with its facts and who made it live. */
    public static HistoryRecord of(CurrentManifest m, Action action, Outcome outcome) {
        HistoryRecord r = of(action, outcome);
        r.stack = m.stack;
        r.env = m.env;
        r.image_tag = m.image_tag;
        r.image_ref = m.image_ref;
        r.image_digest = m.image_digest;
        r.images = m.images == null ? null : new LinkedHashMap<>(m.images);
        r.release_id = m.release_id;
        r.release_dir = m.release_dir;
        r.previous_release_id = m.previous_release_id;
        r.actor = m.actor;
        r.run_id = m.run_id;
        r.break_glass = m.break_glass;
        r.break_glass_reason = m.break_glass_reason;
        return r;
    }

    public HistoryRecord withStack(String stack) { this.stack = stack; return this; }

    public HistoryRecord withActor(String actor, String runId) { this.actor = actor; this.run_id = runId; return this; }

    public HistoryRecord withMessage(String message) { this.message = message; return this; }

    public HistoryRecord withReason(String reason) { this.reason = reason; return this; }

    public HistoryRecord withFrom(String releaseId) { this.from_release_id = releaseId; return this; }

    public HistoryRecord withDuration(long ms) { this.duration_ms = ms; return this; }
}
