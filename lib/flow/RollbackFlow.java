package lib.flow;

import lib.cli.Console;
import lib.cli.Options;
import lib.cli.Table;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Proc;
import lib.engine.Diagnostics;
import lib.engine.Engine;
import lib.engine.Health;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackLock;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * rollback STACK ENV: back --steps N successful deploys, or --to a release id or tag. The target is
 * already on disk and its images already local, so it is a link switch, `up` and a health wait.
 * When the target is unhealthy the next earlier successful release is tried, at most 3 attempts.
 */
public final class RollbackFlow {
    public static final int MAX_ATTEMPTS = 3;

    public static class Request {
        public String stack;
        public String env;
        public Integer steps;
        public String to;
        public boolean list;
        public boolean showCurrent;
        public String reason;
        public String actor;
        public String runId;
        public boolean dryRun;
        public Layout layout;
        public Integer healthTimeout;
        public double lockWait;
        public int logLines = Diagnostics.LOG_LINES;
    }

    public static class Attempt {
        public String release_id;
        public String outcome;
        public String message;
    }

    public static class Result {
        public String stack;
        public String env;
        public String outcome;
        public String from_release_id;
        public String release_id;
        public String image_tag;
        public String image_digest;
        public List<Attempt> attempts = new ArrayList<>();
        public Boolean dry_run;
        public Long duration_ms;
        public Long external_ms;
    }

    private final Request q;
    private final Console console;
    private final long started = System.nanoTime();

    public RollbackFlow(Request q, Console console) {
        this.q = q;
        this.console = console;
    }

    public int run() {
        Names.stack(q.stack);
        Names.env(q.env);
        Names.text("--actor", q.actor, 128, false);
        Names.text("--run-id", q.runId, 128, true);
        if (q.reason != null) Names.text("--reason", q.reason, 1000, false);
        if (q.steps != null && q.to != null) throw Fail.usage("--steps and --to exclude each other");
        int steps = q.steps == null ? 1 : q.steps;
        if (steps < 1) throw Fail.usage("--steps must be at least 1");
        if (q.to != null && !Names.isReleaseId(q.to)) Names.tag(q.to);

        String current = q.layout.currentReleaseId(q.stack);
        CurrentManifest manifest = CurrentManifest.read(q.layout, q.stack);
        if (current == null && manifest == null) throw Fail.usage("stack " + q.stack + " has never been deployed under " + q.layout.root);
        String stackEnv = envOf(current, manifest);
        if (!stackEnv.equals(q.env))
            throw Fail.usage("stack " + q.stack + " is a " + stackEnv + " stack; it cannot be rolled back as " + q.env);
        HistoryLog history = new HistoryLog(q.layout.historyLog());
        List<HistoryRecord> deploys = candidates(history, current, steps);

        if (q.showCurrent) return showCurrent(current, manifest);
        if (q.list) return list(deploys, current);

        List<String> targets = targets(deploys, current, steps, history);
        if (q.dryRun) {
            console.result("would roll " + q.stack + " back from " + current + " to " + targets.get(0)
                    + (targets.size() > 1 ? " (then " + String.join(", ", targets.subList(1, targets.size())) + " if unhealthy)" : ""));
            Result r = result("dry-run", current, targets.get(0));
            r.dry_run = true;
            console.json(r);
            return Exit.OK;
        }
        try (StackLock lock = StackLock.acquire(q.layout, q.stack, q.actor, "rollback " + q.stack + " " + q.env, q.lockWait, console)) {
            Repair.run(q.layout, q.stack, q.actor, console);
            // another deploy or rollback may have run while this one waited for the lock
            current = q.layout.currentReleaseId(q.stack);
            targets = targets(candidates(history, current, steps), current, steps, history);
            return cascade(history, current, targets);
        }
    }

    private int cascade(HistoryLog history, String from, List<String> targets) {
        String why = q.reason != null ? q.reason : q.to != null ? "rollback --to " + q.to : "rollback --steps " + (q.steps == null ? 1 : q.steps);
        Result result = result("failed", from, null);
        if (!targets.isEmpty()) {
            // a swarm stack on a node that is not a manager: refused before anything changes
            Path first = q.layout.releaseDir(q.stack, targets.get(0));
            Engine.of(StackSettings.load(first), console).validate(q.stack, first);
        }
        for (String target : targets) {
            Path dir = q.layout.releaseDir(q.stack, target);
            Release rel = releaseFacts(history, target);
            CurrentManifest m = CurrentManifest.of(q.layout, rel, q.actor, q.runId, from, "rollback");
            StackSettings settings = StackSettings.load(dir);
            Engine engine = Engine.of(settings, console);
            Activation activation = new Activation(q.layout, engine, console);
            int timeout = new Options.HealthWait() {{ healthTimeout = q.healthTimeout; }}.seconds(settings);
            console.step("rolling " + q.stack + " back to " + target);
            List<String> refs = m.images.values().stream().map(i -> i.ref).toList();
            engine.ensureImages(refs);
            Hooks.run("pre-deploy", settings.hooks.pre_deploy, dir, Hooks.vars(q.layout, m, "rollback"), settings.hooks.timeout_seconds, console);
            Health.Report report = activation.activate(q.stack, target, timeout);
            Attempt a = new Attempt();
            a.release_id = target;
            a.outcome = report.healthy() ? HistoryRecord.SUCCESS : HistoryRecord.FAILED;
            a.message = report.summary();
            result.attempts.add(a);
            HistoryRecord h = HistoryRecord.of(m, "rollback", a.outcome);
            h.from_release_id = from;
            h.reason = why;
            h.message = report.healthy() ? null : report.summary();
            h.duration_ms = elapsedMs();
            if (report.healthy()) {
                Release.markSucceeded(dir, "rollback", q.actor);
                m.deployed_at_utc = Clock.nowUtc();
                m.duration_ms = elapsedMs();
                m.write(q.layout);
                Faults.point("after-manifest");
                history.append(h);
                try {
                    Hooks.run("post-deploy", settings.hooks.post_deploy, dir, Hooks.vars(q.layout, m, "rollback"),
                            settings.hooks.timeout_seconds, console);
                } catch (Fail f) {
                    console.warn("post-deploy hook failed: " + f.oneLine());
                }
                console.ok(q.stack + " runs " + m.image_tag + " (" + target + ") again, in "
                        + String.format("%.1fs", elapsedMs() / 1000.0));
                console.result("rolled back " + q.stack + " from " + from + " to " + target);
                Result ok = result("success", from, target);
                ok.attempts = result.attempts;
                ok.image_tag = m.image_tag;
                ok.image_digest = m.image_digest;
                console.json(ok);
                return Exit.OK;
            }
            console.error(target + " is not healthy: " + report.summary());
            h.diagnostics_file = Diagnostics.printAndStore(console, engine, q.stack, report, dir, q.logLines);
            history.append(h);
        }
        return restore(history, from, result);
    }

    /** Every attempt failed: put back the release that ran before the rollback. */
    private int restore(HistoryLog history, String from, Result result) {
        if (from == null) {
            console.json(result);
            throw new Fail(Exit.UNHEALTHY, "no rollback target became healthy");
        }
        console.step("no target became healthy; restoring " + from);
        StackSettings settings = StackSettings.load(q.layout.releaseDir(q.stack, from));
        Activation activation = new Activation(q.layout, Engine.of(settings, console), console);
        Health.Report back = activation.activate(q.stack, from, new Options.HealthWait() {{ healthTimeout = q.healthTimeout; }}
                .seconds(settings));
        result.release_id = from;
        result.outcome = back.healthy() ? "restored" : "failed";
        console.json(result);
        throw new Fail(back.healthy() ? Exit.ROLLED_BACK : Exit.UNHEALTHY, "rollback failed after " + result.attempts.size()
                + " attempt(s); " + q.stack + " runs " + from + " again (" + back.summary() + ")");
    }

    /**
     * Successful releases, newest first: only the newest few for --steps (a rollback reads a
     * handful of release dirs however many there are), all of them for --to and --list.
     */
    private List<HistoryRecord> candidates(HistoryLog history, String current, int steps) {
        if (q.to == null && !q.list) {
            int want = steps + MAX_ATTEMPTS + 2;
            List<HistoryRecord> few = ReleaseHistory.successfulDeploys(q.layout, history, q.stack, want);
            boolean hasCurrent = few.stream().anyMatch(r -> r.release_id.equals(current));
            if (hasCurrent || few.size() < want) return few;
        }
        return ReleaseHistory.successfulDeploys(q.layout, history, q.stack);
    }

    /** The release to go to, then the earlier successful ones to try if it is unhealthy. */
    private List<String> targets(List<HistoryRecord> deploys, String current, int steps, HistoryLog history) {
        List<String> ids = new ArrayList<>();
        for (HistoryRecord r : deploys) ids.add(r.release_id);
        int first;
        if (q.to != null) {
            String id = resolveTo(deploys);
            if (id.equals(current)) throw Fail.usage(id + " is already the current release of " + q.stack);
            first = ids.indexOf(id);
            if (first < 0) {
                if (Names.PRODUCTION.equals(q.env))
                    throw new Fail(Exit.GATE, "release " + id + " never ran successfully on " + q.stack + "; deploy it instead");
                List<String> one = new ArrayList<>(List.of(id));
                return one;
            }
        } else {
            int pos = current == null ? -1 : ids.indexOf(current);
            first = pos + steps;
            if (first >= ids.size())
                throw Fail.usage("--steps " + steps + " goes beyond the history of " + q.stack + " ("
                        + Math.max(0, ids.size() - pos - 1) + " earlier successful release(s))");
        }
        List<String> out = new ArrayList<>();
        for (int i = first; i < ids.size() && out.size() < MAX_ATTEMPTS; i++) {
            String id = ids.get(i);
            if (id.equals(current)) continue;
            if (!Activation.releaseExists(q.layout, q.stack, id)) {
                if (out.isEmpty()) throw Fail.usage("release dir of " + id + " is gone (cleaned?); pick another with --list");
                continue;
            }
            Layout.requireInside(q.layout.releaseDir(q.stack, id), q.layout.stackReleasesDir(q.stack), "release dir");
            out.add(id);
        }
        return out;
    }

    private String resolveTo(List<HistoryRecord> deploys) {
        if (Names.isReleaseId(q.to)) {
            if (!Activation.releaseExists(q.layout, q.stack, q.to))
                throw Fail.usage("release " + q.to + " is not a release of " + q.stack);
            Layout.requireInside(q.layout.releaseDir(q.stack, q.to), q.layout.stackReleasesDir(q.stack), "release dir");
            return q.to;
        }
        for (HistoryRecord r : deploys)
            if (q.to.equals(r.image_tag) && Activation.releaseExists(q.layout, q.stack, r.release_id)) return r.release_id;
        throw Fail.usage("no successful release of " + q.stack + " has tag " + q.to + " (see --list)");
    }

    private Release releaseFacts(HistoryLog history, String id) {
        Release r = Release.read(q.layout.releaseDir(q.stack, id));
        if (r != null && r.images != null && !r.images.isEmpty()) return r;
        HistoryRecord h = history.find(x -> q.stack.equals(x.stack) && id.equals(x.release_id) && x.images != null, 1)
                .stream().findFirst().orElseThrow(() -> Fail.failed("release " + id + " has no release.json and no history record"));
        Release f = new Release();
        f.stack = q.stack;
        f.env = q.env;
        f.tag = h.image_tag;
        f.release_id = id;
        f.images = h.images;
        return f;
    }

    private String envOf(String current, CurrentManifest manifest) {
        if (manifest != null && manifest.env != null) return manifest.env;
        return StackSettings.load(q.layout.releaseDir(q.stack, current)).environmentOf(q.stack);
    }

    private int list(List<HistoryRecord> deploys, String current) {
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        Table t = new Table("", "RELEASE", "TAG", "DIGEST", "DEPLOYED", "BY", "ON DISK");
        for (HistoryRecord r : deploys) {
            boolean onDisk = Activation.releaseExists(q.layout, q.stack, r.release_id);
            String d = r.image_digest == null ? "" : r.image_digest.substring(0, Math.min(19, r.image_digest.length()));
            t.add(r.release_id.equals(current) ? "*" : "", r.release_id, r.image_tag, d, r.at_utc, r.actor, onDisk ? "yes" : "no");
            var row = new java.util.LinkedHashMap<String, Object>();
            row.put("release_id", r.release_id);
            row.put("image_tag", r.image_tag);
            row.put("image_digest", r.image_digest);
            row.put("deployed_at_utc", r.at_utc);
            row.put("actor", r.actor);
            row.put("outcome", r.outcome);
            row.put("current", r.release_id.equals(current));
            row.put("on_disk", onDisk);
            rows.add(row);
        }
        console.result(t.lines("", console.width()));
        console.json(rows);
        return Exit.OK;
    }

    private int showCurrent(String current, CurrentManifest m) {
        if (m == null) {
            console.result("link: " + current + " (no manifest)");
        } else {
            console.result(m.stack + " (" + m.env + ") runs " + m.image_tag + " " + m.image_ref);
            console.result("  release  " + m.release_id + (m.release_id.equals(current) ? "" : " (link points at " + current + ")"));
            console.result("  deployed " + m.deployed_at_utc + " by " + m.actor + (m.break_glass ? " BREAK-GLASS: " + m.break_glass_reason : ""));
        }
        if (m != null) console.json(m);
        return Exit.OK;
    }

    private Result result(String outcome, String from, String to) {
        Result r = new Result();
        r.stack = q.stack;
        r.env = q.env;
        r.outcome = outcome;
        r.from_release_id = from;
        r.release_id = to;
        r.duration_ms = elapsedMs();
        r.external_ms = Proc.externalMillis();
        return r;
    }

    private long elapsedMs() {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
