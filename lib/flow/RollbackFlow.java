package lib.flow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.cli.Console;
import lib.cli.Table;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Interrupts;
import lib.core.Proc;
import lib.engine.Health;
import lib.history.Action;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.Outcome;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;

/**
 * rollback STACK ENV: back --steps N successful deploys, or --to a release id or tag. The target is
 * already on disk and its images already local, so it is a link switch, `up` and a health wait.
 * When the target is unhealthy the next earlier successful release is tried, at most 3 attempts.
 */
public final class RollbackFlow {
    public static final int MAX_ATTEMPTS = 3;

    /**
     * Where to go: {@code steps} successful deploys back (null: 1) or {@code to} a release id or tag;
     * or only {@code list} the candidates or {@code showCurrent}; the reason recorded; the waits.
     */
    public record Request(String stack, String env, Integer steps, String to, boolean list, boolean showCurrent, String reason,
                          boolean dryRun, Waits waits) {}

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

    private final Context cx;
    private final Request q;
    private final Console console;
    private final Layout layout;
    private final Lifecycle life;

    public RollbackFlow(Context cx, Request q) {
        this.cx = cx;
        this.q = q;
        this.console = cx.console();
        this.layout = cx.layout();
        this.life = new Lifecycle(cx, q.stack(), q.waits(), System.nanoTime());
    }

    public int run() {
        Names.stack(q.stack());
        Names.env(q.env());
        if (q.reason() != null) Names.text("--reason", q.reason(), 1000, false);
        int steps = q.steps() == null ? 1 : q.steps();
        if (steps < 1) throw Fail.usage("--steps must be at least 1");
        if (q.to() != null && !Names.isReleaseId(q.to())) Names.tag(q.to());

        String current = layout.currentReleaseId(q.stack());
        CurrentManifest manifest = CurrentManifest.read(layout, q.stack());
        if (current == null && manifest == null) throw Fail.usage("stack " + q.stack() + " has never been deployed under " + layout.root);
        String stackEnv = envOf(current, manifest);
        if (!stackEnv.equals(q.env()))
            throw Fail.usage("stack " + q.stack() + " is a " + stackEnv + " stack; it cannot be rolled back as " + q.env());
        HistoryLog history = cx.history();
        List<HistoryRecord> deploys = candidates(history, current, steps);

        if (q.showCurrent()) return showCurrent(current, manifest);
        if (q.list()) return list(deploys, current);

        List<String> targets = targets(deploys, current, steps);
        if (q.dryRun()) {
            console.result("would roll " + q.stack() + " back from " + current + " to " + targets.get(0)
                    + (targets.size() > 1 ? " (then " + String.join(", ", targets.subList(1, targets.size())) + " if unhealthy)" : ""));
            Result r = result("dry-run", current, targets.get(0));
            r.dry_run = true;
            console.json(r);
            return Exit.OK;
        }
        try (Lifecycle.Held lock = life.lock("rollback " + q.stack() + " " + q.env())) {
            // another deploy or rollback may have run while this one waited for the lock
            current = layout.currentReleaseId(q.stack());
            targets = targets(candidates(history, current, steps), current, steps);
            return cascade(current, targets);
        }
    }

    private int cascade(String from, List<String> targets) {
        String why = q.reason() != null ? q.reason() : q.to() != null ? "rollback --to " + q.to() : "rollback --steps " + (q.steps() == null ? 1 : q.steps());
        Result result = result("failed", from, null);
        if (!targets.isEmpty()) {
            // a swarm stack on a node that is not a manager: refused before anything changes
            Path first = layout.releaseDir(q.stack(), targets.get(0));
            cx.engines().of(StackSettings.load(first)).validate(q.stack(), first);
        }
        Lifecycle.Target lastTried = null;
        for (String target : targets) {
            CurrentManifest m = CurrentManifest.of(layout, releaseFacts(target), cx.actor(), cx.runId(), from, Action.ROLLBACK.word);
            Lifecycle.Target t = life.target(target, m, Action.ROLLBACK);
            lastTried = t;
            console.step("rolling " + q.stack() + " back to " + target);
            Lifecycle.Attempt a = life.activate(t, Lifecycle.Images.ENSURE);
            Attempt seen = new Attempt();
            seen.release_id = target;
            seen.outcome = a.healthy() ? HistoryRecord.SUCCESS : HistoryRecord.FAILED;
            seen.message = a.summary();
            result.attempts.add(seen);
            if (a.interrupted()) {
                life.interrupted(a, false);
                console.json(result);
                throw Interrupts.stopped("nothing was switched; " + q.stack() + " still runs " + (from == null ? "nothing" : from));
            }
            HistoryRecord h = life.record(t, a.healthy() ? Outcome.SUCCESS : Outcome.FAILED).withFrom(from).withReason(why);
            if (a.healthy()) {
                life.succeed(t, h);
                console.ok(q.stack() + " runs " + m.image_tag + " (" + target + ") again, in "
                        + String.format("%.1fs", life.elapsedMs() / 1000.0));
                console.result("rolled back " + q.stack() + " from " + from + " to " + target);
                Result ok = result("success", from, target);
                ok.attempts = result.attempts;
                ok.image_tag = m.image_tag;
                ok.image_digest = m.image_digest;
                console.json(ok);
                return Exit.OK;
            }
            if (a.switched()) console.error(target + " is not healthy: " + a.summary());
            life.fail(a, h);
            if (!a.switched()) {
                // a failing pre-deploy hook or missing images: nothing was switched, the current release still runs
                console.json(result);
                throw Fail.failed("rollback to " + target + " stopped before the switch: " + a.summary() + " (" + q.stack()
                        + " still runs " + (from == null ? "nothing" : from) + ")");
            }
        }
        return restore(from, result, lastTried);
    }

    /** Every attempt failed: put back the release that ran before the rollback. */
    private int restore(String from, Result result, Lifecycle.Target last) {
        if (from == null) {
            console.json(result);
            throw new Fail(Exit.UNHEALTHY, "no rollback target became healthy");
        }
        console.step("no target became healthy; restoring " + from);
        Health.Report back = last != null && life.restoresForeign(from) ? life.restoreForeign(from, last) : life.restore(from);
        result.release_id = from;
        result.outcome = back.healthy() ? "restored" : "failed";
        console.json(result);
        throw new Fail(back.healthy() ? Exit.ROLLED_BACK : Exit.UNHEALTHY, "rollback failed after " + result.attempts.size()
                + " attempt(s); " + q.stack() + " runs " + from + " again (" + back.summary() + ")");
    }

    /**
     * Successful releases, newest first: only the newest few for --steps (a rollback reads a
     * handful of release dirs however many there are), all of them for --to and --list.
     */
    private List<HistoryRecord> candidates(HistoryLog history, String current, int steps) {
        if (q.to() == null && !q.list()) {
            int want = steps + MAX_ATTEMPTS + 2;
            List<HistoryRecord> few = ReleaseHistory.successfulDeploys(layout, history, q.stack(), want);
            boolean hasCurrent = few.stream().anyMatch(r -> r.release_id.equals(current));
            if (hasCurrent || few.size() < want) return few;
        }
        return ReleaseHistory.successfulDeploys(layout, history, q.stack());
    }

    /** The release to go to, then the earlier successful ones to try if it is unhealthy. */
    private List<String> targets(List<HistoryRecord> deploys, String current, int steps) {
        List<String> ids = new ArrayList<>();
        for (HistoryRecord r : deploys) ids.add(r.release_id);
        int first;
        if (q.to() != null) {
            String id = resolveTo(deploys);
            if (id.equals(current)) throw Fail.usage(id + " is already the current release of " + q.stack());
            first = ids.indexOf(id);
            if (first < 0) {
                if (Names.PRODUCTION.equals(q.env()))
                    throw new Fail(Exit.GATE, "release " + id + " never ran successfully on " + q.stack() + "; deploy it instead");
                List<String> one = new ArrayList<>(List.of(id));
                return one;
            }
        } else {
            int pos = current == null ? -1 : ids.indexOf(current);
            first = pos + steps;
            if (first >= ids.size())
                throw Fail.usage("--steps " + steps + " goes beyond the history of " + q.stack() + " ("
                        + Math.max(0, ids.size() - pos - 1) + " earlier successful release(s))");
        }
        List<String> out = new ArrayList<>();
        for (int i = first; i < ids.size() && out.size() < MAX_ATTEMPTS; i++) {
            String id = ids.get(i);
            if (id.equals(current)) continue;
            if (!Lifecycle.releaseExists(layout, q.stack(), id)) {
                if (out.isEmpty()) throw Fail.usage("release dir of " + id + " is gone (cleaned?); pick another with --list");
                continue;
            }
            Layout.requireInside(layout.releaseDir(q.stack(), id), layout.stackReleasesDir(q.stack()), "release dir");
            out.add(id);
        }
        return out;
    }

    private String resolveTo(List<HistoryRecord> deploys) {
        if (Names.isReleaseId(q.to())) {
            if (!Lifecycle.releaseExists(layout, q.stack(), q.to()))
                throw Fail.usage("release " + q.to() + " is not a release of " + q.stack());
            Layout.requireInside(layout.releaseDir(q.stack(), q.to()), layout.stackReleasesDir(q.stack()), "release dir");
            return q.to();
        }
        for (HistoryRecord r : deploys)
            if (q.to().equals(r.image_tag) && Lifecycle.releaseExists(layout, q.stack(), r.release_id)) return r.release_id;
        throw Fail.usage("no successful release of " + q.stack() + " has tag " + q.to() + " (see --list)");
    }

    private Release releaseFacts(String id) {
        Release r = Release.read(layout.releaseDir(q.stack(), id));
        if (r != null && r.images != null && !r.images.isEmpty()) return r;
        HistoryRecord h = cx.history().find(x -> q.stack().equals(x.stack) && id.equals(x.release_id) && x.images != null
                && !x.images.isEmpty(), 1).stream().findFirst().orElse(null);
        if (h == null) {
            // a release dir of the shell scripts: its pinned images are in its .env
            Release legacy = Release.legacy(layout.releaseDir(q.stack(), id), q.stack());
            if (legacy == null || legacy.images.isEmpty())
                throw Fail.failed("release " + id + " has no release.json, no history record with its images and no pinned image"
                        + " (repository@sha256:...) in its .env; pick another with --list");
            legacy.env = q.env();
            return legacy;
        }
        Release f = new Release();
        f.stack = q.stack();
        f.env = q.env();
        f.tag = h.image_tag;
        f.release_id = id;
        f.images = h.images;
        return f;
    }

    private String envOf(String current, CurrentManifest manifest) {
        if (manifest != null && manifest.env != null) return manifest.env;
        return StackSettings.load(layout.releaseDir(q.stack(), current)).environmentOf(q.stack());
    }

    private int list(List<HistoryRecord> deploys, String current) {
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        Table t = new Table("", "RELEASE", "TAG", "DIGEST", "DEPLOYED", "BY", "RAN", "ON DISK");
        for (HistoryRecord r : deploys) {
            boolean onDisk = Lifecycle.releaseExists(layout, q.stack(), r.release_id);
            String d = lib.model.ImageRef.shortDigest(r.image_digest);
            String ran = ReleaseHistory.LEGACY.equals(r.outcome) ? "legacy" : "ok";
            t.add(r.release_id.equals(current) ? "*" : "", r.release_id, r.image_tag, d, r.at_utc, r.actor, ran, onDisk ? "yes" : "no");
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
        r.stack = q.stack();
        r.env = q.env();
        r.outcome = outcome;
        r.from_release_id = from;
        r.release_id = to;
        r.duration_ms = life.elapsedMs();
        r.external_ms = Proc.externalMillis();
        return r;
    }
}
