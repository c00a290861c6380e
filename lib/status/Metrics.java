package lib.status;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The state of every stack as Prometheus metrics, in the text exposition format (version 0.0.4) that
 * node_exporter's textfile collector reads. Pure: the gathered states go in, the text comes out.
 * Every series carries the label {@code stack}; the values are gauges:
 * <ul>
 * <li>{@code seisei_stack_info} 1, with labels env, tag, digest, release, engine, break_glass;</li>
 * <li>{@code seisei_stack_last_deploy_timestamp_seconds}, {@code seisei_stack_last_deploy_duration_seconds}:
 *     when the running release was deployed (or rolled back to) and how long that took;</li>
 * <li>{@code seisei_stack_healthy} and {@code seisei_stack_agree}: 1 or 0 (0 too when unknown);</li>
 * <li>{@code seisei_stack_deploy_in_progress}: 1 while a deploy or rollback holds the stack's lock;</li>
 * <li>{@code seisei_stack_release_dirs}: release dirs kept on disk;</li>
 * </ul>
 * and {@code seisei_status_engine_up}: 0 when the engine could not be asked about some stack.
 */
public final class Metrics {
    private Metrics() {}

    /** The exposition text; {@code releaseDirs} gives the release dirs kept per stack (absent: unknown). */
    public static String render(List<StackState> states, Map<String, Integer> releaseDirs) {
        List<String> out = new ArrayList<>();
        family(out, "seisei_stack_info", "What a stack runs: environment, tag, digest, release, engine and break-glass (value always 1).");
        for (StackState s : states) {
            String engine = s.settings != null && s.settings.engine != null ? s.settings.engine : "";
            out.add("seisei_stack_info{stack=\"" + esc(s.stack) + "\",env=\"" + esc(s.env) + "\",tag=\"" + esc(s.image_tag)
                    + "\",digest=\"" + esc(s.image_digest) + "\",release=\"" + esc(s.release_id) + "\",engine=\"" + esc(engine)
                    + "\",break_glass=\"" + Boolean.TRUE.equals(s.break_glass) + "\"} 1");
        }
        family(out, "seisei_stack_last_deploy_timestamp_seconds", "When the running release was deployed or rolled back to (Unix time).");
        for (StackState s : states) {
            Double t = epochSeconds(s.deployed_at_utc);
            if (t != null) out.add(sample("seisei_stack_last_deploy_timestamp_seconds", s, t));
        }
        family(out, "seisei_stack_last_deploy_duration_seconds", "How long the deploy or rollback of the running release took.");
        for (StackState s : states) {
            if (s.manifest != null && s.manifest.duration_ms != null)
                out.add(sample("seisei_stack_last_deploy_duration_seconds", s, s.manifest.duration_ms / 1000.0));
        }
        family(out, "seisei_stack_healthy", "1 when every container runs (healthy where it has a healthcheck) and every HTTP check answers, else 0.");
        for (StackState s : states) out.add(sample("seisei_stack_healthy", s, "healthy".equals(s.health) ? 1 : 0));
        family(out, "seisei_stack_agree", "1 when link, manifest, release dir and containers agree; 0 when they do not or it is unknown.");
        for (StackState s : states) out.add(sample("seisei_stack_agree", s, Boolean.TRUE.equals(s.consistent) ? 1 : 0));
        family(out, "seisei_stack_deploy_in_progress", "1 while a deploy or rollback holds the stack's lock, else 0.");
        for (StackState s : states) out.add(sample("seisei_stack_deploy_in_progress", s, s.locked ? 1 : 0));
        family(out, "seisei_stack_release_dirs", "Release dirs of the stack kept on disk.");
        for (StackState s : states) {
            Integer n = releaseDirs.get(s.stack);
            if (n != null) out.add(sample("seisei_stack_release_dirs", s, n));
        }
        family(out, "seisei_status_engine_up", "1 when the engine could be asked about every stack, else 0.");
        boolean up = states.stream().allMatch(s -> s.engineError == null);
        out.add("seisei_status_engine_up " + (up ? 1 : 0));
        return String.join("\n", out) + "\n";
    }

    private static void family(List<String> out, String name, String help) {
        out.add("# HELP " + name + " " + help.replace("\\", "\\\\").replace("\n", "\\n"));
        out.add("# TYPE " + name + " gauge");
    }

    private static String sample(String name, StackState s, double value) {
        return name + "{stack=\"" + esc(s.stack) + "\"} " + number(value);
    }

    /** A value as the text format writes it: integers without a fraction. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** A label value with backslash, double quote and line feed escaped; null is empty. */
    static String esc(String v) {
        if (v == null) return "";
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** An ISO-8601 UTC time as Unix seconds, or null when it is absent or unreadable. */
    static Double epochSeconds(String at) {
        if (at == null || at.isEmpty()) return null;
        try {
            return Instant.parse(at).toEpochMilli() / 1000.0;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
