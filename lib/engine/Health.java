package lib.engine;

import lib.cli.Console;
import lib.core.Fail;
import lib.core.Http;
import lib.core.Proc;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Health of a running release: what the engine says about the stack (see {@link Engine#observe})
 * and every HTTP check of stack.json answering as expected.
 * Waiting looks again at each event of the stack's containers, and polls for what events do not show;
 * it stops early when a container exits or turns unhealthy, since that will not heal by itself.
 */
public final class Health {
    public record Report(boolean healthy, boolean settled, List<String> problems, List<Container> containers) {
        public String summary() { return problems.isEmpty() ? "healthy" : String.join("; ", problems); }
    }

    private final Engine engine;
    private final Console console;

    public Health(Engine engine, Console console) {
        this.engine = engine;
        this.console = console;
    }

    /** One look now. {@code releaseDir} null: do not check which release runs. */
    public Report check(String stack, Path releaseDir, StackSettings settings) {
        return check(null, stack, releaseDir, settings, pinnedImages(releaseDir));
    }

    /**
     * One look, judged from {@code seen} (what {@link Engine#look} read for many stacks at once; null:
     * ask the engine now), then the stack's HTTP checks.
     */
    public Report check(Running seen, String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        Engine.Observation o = engine.observe(seen, stack, releaseDir, settings, pinned);
        List<String> problems = new ArrayList<>(o.problems());
        for (StackSettings.HttpCheck h : settings.health.http) {
            String p = probe(h);
            if (p != null) problems.add(p);
        }
        return new Report(problems.isEmpty(), o.settled(), problems, o.containers());
    }

    /** The images the release pins (release.json); none without a release dir or readable facts. */
    public static Map<String, ImageRef> pinnedImages(Path releaseDir) {
        if (releaseDir == null) return Map.of();
        try {
            Release r = Release.read(releaseDir);
            return r != null && r.images != null ? r.images : Map.of();
        } catch (Fail f) {
            // a release without readable facts is checked by its containers alone
            return Map.of();
        }
    }

    /**
     * Waits until healthy, a container fails for good, or {@code timeoutSeconds} pass. Between looks it
     * follows the engine's events for the stack, so a start, exit or health change is looked at at once;
     * the polls (every 0.1 s for two seconds, then backing off to 1 s) cover what events do not show
     * (HTTP checks, tasks on other nodes, an engine whose events cannot be followed).
     */
    public Report await(String stack, Path releaseDir, StackSettings settings, int timeoutSeconds) {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long sleep = 100;
        String last = null;
        long started = System.nanoTime();
        Map<String, ImageRef> pinned = pinnedImages(releaseDir);
        long epochMs = System.currentTimeMillis();
        try (Proc.Follow events = Proc.follow(engine.events(stack, since(epochMs), since(epochMs + timeoutSeconds * 1000L + 5000)))) {
            while (true) {
                Report r = check(null, stack, releaseDir, settings, pinned);
                String now = r.summary();
                if (!now.equals(last)) {
                    console.progress(String.format("health %4.1fs: %s", (System.nanoTime() - started) / 1e9, now));
                    last = now;
                }
                if (r.healthy() || r.settled() || System.nanoTime() >= deadline) {
                    if (!r.healthy() && !r.settled()) {
                        List<String> p = new ArrayList<>(r.problems());
                        p.add("not healthy after " + timeoutSeconds + "s");
                        return new Report(false, true, p, r.containers());
                    }
                    return r;
                }
                events.await(Math.min(sleep, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() - started > 2_000_000_000L) sleep = Math.min(1000, (long) (sleep * 1.5));
            }
        }
    }

    /** {@code epochMillis} as `docker events --since` takes it: Unix seconds with a fraction. */
    public static String since(long epochMillis) {
        return String.format(java.util.Locale.ROOT, "%d.%03d", epochMillis / 1000, epochMillis % 1000);
    }

    /** Null when the check passes, else what went wrong. */
    String probe(StackSettings.HttpCheck h) {
        try {
            Http.Response r = Http.send("GET", h.url, Map.of(), Duration.ofSeconds(3), Duration.ofSeconds(h.timeout_seconds));
            if (r.status() != h.status) return h.url + " answered " + r.status() + ", expected " + h.status;
            if (h.contains != null && !r.text().contains(h.contains)) return h.url + " does not contain " + Names.quote(h.contains);
            return null;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return h.url + " unreachable (" + Http.describe(e) + ")";
        }
    }

    /** Per-container state for status and JSON output. */
    public static Map<String, String> states(List<Container> cs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Container c : cs) m.put(c.service != null ? c.service : c.name, c.state + (c.health == null ? "" : "/" + c.health));
        return m;
    }
}
