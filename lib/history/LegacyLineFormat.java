package lib.history;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lib.model.Names;

/**
 * History lines that the source documents' shell scripts wrote: one line per deploy in plain text,
 * in no fixed format. Read best effort: a time (ISO 8601, with a T or a space, taken as UTC), an
 * action word (deploy, rollback), an outcome word (SUCCESS, FAILED...), an environment, a release id
 * (its tag follows from it), a stack name (the first other word after the action), and key=value
 * words (stack=, env=, tag=, release=, status=, by=, actor=, run=, reason=). A line is a record when
 * it has a time and a release id or a stack with an outcome; the line itself is kept as it is.
 */
final class LegacyLineFormat implements HistoryFormat {
    private static final Pattern TIME = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}:\\d{2})(?:\\.\\d+)?(Z|[+-]00:?00| ?UTC)?");

    @Override
    public HistoryRecord read(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("{") || t.startsWith("#")) return null;
        Matcher m = TIME.matcher(t);
        if (!m.find()) return null;
        HistoryRecord r = new HistoryRecord();
        r.at_utc = m.group(1) + "T" + m.group(2) + "Z";
        String rest = (t.substring(0, m.start()) + " " + t.substring(m.end())).replaceAll("[|,;\\[\\]]", " ");
        boolean afterAction = false;
        for (String word : rest.trim().split("\\s+")) {
            if (word.isEmpty()) continue;
            int eq = word.indexOf('=');
            if (eq > 0) {
                keyValue(r, word.substring(0, eq).toLowerCase(Locale.ROOT), unquote(word.substring(eq + 1)));
                continue;
            }
            String w = word.toLowerCase(Locale.ROOT);
            Action action = action(w);
            String outcome = outcome(w);
            String env = env(w);
            if (action != null && r.action == null) {
                r.action = action.word;
                afterAction = true;
            } else if (outcome != null && r.outcome == null) {
                r.outcome = outcome;
            } else if (env != null && r.env == null) {
                r.env = env;
            } else if (Names.isReleaseId(word) && r.release_id == null) {
                r.release_id = word;
            } else if (afterAction && r.stack == null && Names.isStack(word)) {
                r.stack = word;
            } else if (afterAction && r.image_tag == null && Names.isTag(word)) {
                r.image_tag = word;
            }
        }
        if (r.release_id != null) r.image_tag = Names.tagOfRelease(r.release_id);
        if (r.action == null) r.action = Action.DEPLOY.word;
        boolean useful = r.release_id != null || (r.stack != null && r.outcome != null);
        return useful ? r : null;
    }

    private static void keyValue(HistoryRecord r, String key, String v) {
        if (v.isEmpty()) return;
        switch (key) {
            case "stack" -> r.stack = Names.isStack(v) ? v : r.stack;
            case "env", "environment" -> r.env = env(v.toLowerCase(Locale.ROOT)) != null ? env(v.toLowerCase(Locale.ROOT)) : r.env;
            case "tag", "image_tag" -> r.image_tag = Names.isTag(v) ? v : r.image_tag;
            case "release", "release_id" -> r.release_id = Names.isReleaseId(v) ? v : r.release_id;
            case "status", "outcome", "result" -> r.outcome = outcome(v.toLowerCase(Locale.ROOT)) != null ? outcome(v.toLowerCase(Locale.ROOT)) : r.outcome;
            case "action" -> r.action = action(v.toLowerCase(Locale.ROOT)) != null ? action(v.toLowerCase(Locale.ROOT)).word : r.action;
            case "by", "actor", "user" -> r.actor = v;
            case "run", "run_id" -> r.run_id = v;
            case "reason" -> r.reason = v;
            case "image", "image_ref" -> r.image_ref = v;
            default -> { }
        }
    }

    private static String unquote(String v) {
        return v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'")) ? v.substring(1, v.length() - 1) : v;
    }

    private static Action action(String w) {
        return switch (w) {
            case "deploy", "deployed", "deployment" -> Action.DEPLOY;
            case "rollback", "rolled-back-to", "rollback_to" -> Action.ROLLBACK;
            case "auto-rollback", "auto_rollback", "autorollback" -> Action.AUTO_ROLLBACK;
            default -> null;
        };
    }

    private static String outcome(String w) {
        return switch (w) {
            case "success", "succeeded", "ok", "done", "healthy" -> Outcome.SUCCESS.word;
            case "failed", "failure", "fail", "error", "unhealthy" -> Outcome.FAILED.word;
            case "rolled_back", "rolled-back" -> Outcome.ROLLED_BACK.word;
            default -> null;
        };
    }

    private static String env(String w) {
        return switch (w) {
            case "production", "prod" -> Names.PRODUCTION;
            case "staging", "stg" -> Names.STAGING;
            default -> null;
        };
    }
}
