package lib.history;

import lib.core.Clock;
import lib.model.CurrentManifest;
import lib.model.ImageRef;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of deploy_history.log. Deploy records keep the seed's manifest field names;
 * {@code action} says what happened (deploy, rollback, auto-rollback, clean) and
 * {@code outcome} how it ended (success, failed, rolled_back, refused).
 */
public class HistoryRecord {
    public static final String SUCCESS = "success";
    public static final String FAILED = "failed";
    public static final String ROLLED_BACK = "rolled_back";

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

    public boolean isSuccess() { return SUCCESS.equals(outcome); }

    /** A successful deploy or rollback: a release that ran healthy. */
    public boolean isSuccessfulRelease() {
        return isSuccess() && release_id != null
                && ("deploy".equals(action) || "rollback".equals(action) || "auto-rollback".equals(action));
    }

    public static HistoryRecord of(CurrentManifest m, String action, String outcome) {
        HistoryRecord r = new HistoryRecord();
        r.at_utc = Clock.nowUtc();
        r.action = action;
        r.outcome = outcome;
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
}
