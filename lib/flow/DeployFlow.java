package lib.flow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import lib.cli.Console;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Interrupts;
import lib.core.Proc;
import lib.engine.Compose;
import lib.engine.Engine;
import lib.engine.Health;
import lib.history.Action;
import lib.history.HistoryRecord;
import lib.history.Outcome;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;
import lib.registry.ImageResolver;

/** deploy STACK ENV TAG, as the ten steps of the spec (README, "deploy"). */
public final class DeployFlow {
    /**
     * What to deploy: the stack, its environment and the tag; where the digests come from (the digest
     * file, else the registry, the repository from the file, stack.json or {@code image}); the
     * break-glass reason (null: no break-glass); the stack sources; the waits.
     */
    public record Request(String stack, String env, String tag, Path digestFile, String image, String breakGlassReason,
                          boolean dryRun, Path source, Waits waits) {
        boolean breakGlass() { return breakGlassReason != null; }
    }

    /** What the deploy did, printed as JSON with --json. */
    public static class Result {
        public String stack;
        public String env;
        public String image_tag;
        public String outcome;
        public String release_id;
        public String release_dir;
        public String previous_release_id;
        public Map<String, ImageRef> images;
        public String gate;
        public Boolean dry_run;
        public String message;
        public Long duration_ms;
        public Long external_ms;
    }

    private final Context cx;
    private final Request q;
    private final Console console;
    private final Layout layout;
    private final Lifecycle life;
    private String gate;
    private String engineName;

    public DeployFlow(Context cx, Request request) {
        this.cx = cx;
        this.q = request;
        this.console = cx.console();
        this.layout = cx.layout();
        this.life = new Lifecycle(cx, request.stack(), request.waits(), System.nanoTime());
    }

    public int run() {
        // 1. Validate every input (nothing is written before this passes).
        Names.stack(q.stack());
        Names.env(q.env());
        Names.tag(q.tag());
        if (q.breakGlass()) Names.text("--reason", q.breakGlassReason(), 1000, false);
        if (q.digestFile() != null) DigestManifest.load(q.digestFile());
        if (q.image() != null) Names.repository(q.image());
        Path source = q.source().resolve(q.stack());
        if (!Files.isDirectory(source)) throw Fail.usage("unknown stack " + q.stack() + ": no directory " + source);
        if (!Files.isRegularFile(source.resolve(Compose.FILE)))
            throw Fail.usage("stack " + q.stack() + " has no " + Compose.FILE + " in " + source);
        StackSettings settings = StackSettings.load(source);
        String stackEnv = settings.environmentOf(q.stack());
        if (!stackEnv.equals(q.env()))
            throw Fail.usage("stack " + q.stack() + " is a " + stackEnv + " stack; it cannot be deployed as " + q.env());
        String previous = layout.currentReleaseId(q.stack());
        Engine engine = cx.engines().of(settings);
        engine.validate(q.stack(), source);
        engineName = engine.name();
        String running = previous == null ? null : engineOf(previous);
        if (running != null && !running.equals(engineName))
            throw Fail.usage("stack " + q.stack() + " runs on " + running + "; it cannot be deployed with " + engineName
                    + " (stack.json engine): remove it from " + running + " first or deploy it under another name");
        int healthTimeout = q.waits().healthSeconds(settings);

        // 2. Resolve every image to repository@sha256:...
        console.step("resolving " + q.tag() + (q.digestFile() != null ? " from " + q.digestFile() : " in the registry"));
        Map<String, ImageRef> images = ImageResolver.resolve(settings, q.tag(), q.digestFile(), q.image(), cx.registry(), runningRepositories());
        for (var e : images.entrySet()) console.info(e.getKey() + "=" + e.getValue().ref);

        // 3. Production gate.
        gate = Gate.check(layout, q.env(), q.tag(), images, q.breakGlass());
        if (gate.equals("break-glass")) console.warn("BREAK-GLASS: skipping the production gate: " + q.breakGlassReason());
        else if (gate.equals("verified")) console.ok("production gate: " + q.tag() + " was verified with these digests");

        if (q.dryRun()) return dryRun(images, previous, healthTimeout);

        try (Lifecycle.Held lock = life.lock("deploy " + q.stack() + " " + q.env() + " " + q.tag())) {
            // the link may have moved while this deploy waited for the lock
            previous = layout.currentReleaseId(q.stack());
            gate = Gate.check(layout, q.env(), q.tag(), images, q.breakGlass());
            return deployLocked(source, images, previous);
        }
    }

    private int deployLocked(Path source, Map<String, ImageRef> images, String previous) {
        // 4. Solidify the release: copy the stack source, pin the images in its .env.
        String releaseId = Release.newReleaseId(layout.stackReleasesDir(q.stack()), q.tag(), Instant.now(cx.clock()));
        console.step("solidifying release " + releaseId);
        Release.solidify(layout, source, facts(images, releaseId, source));
        Faults.point("after-solidify");
        Lifecycle.Target target = life.target(releaseId, manifest(images, releaseId, previous), Action.DEPLOY);

        // 5 to 9. Pre-deploy hook, pull (a failure of either changes nothing), switch, up, health.
        Lifecycle.Attempt attempt = life.activate(target, Lifecycle.Images.PULL);
        if (attempt.interrupted()) {
            life.interrupted(attempt, true);
            emit(target.manifest, "interrupted", attempt.summary());
            throw Interrupts.stopped("nothing was switched; " + q.stack() + " still runs " + (previous == null ? "nothing" : previous));
        }
        if (!attempt.switched()) {
            life.fail(attempt, life.record(target, Outcome.FAILED));
            emit(target.manifest, "failed", attempt.summary());
            throw Fail.failed(attempt.summary() + " (nothing was switched; " + q.stack() + " still runs "
                    + (previous == null ? "nothing" : previous) + ")");
        }
        if (!attempt.healthy()) return recover(attempt);

        // 10. Record: manifest, history, post-deploy hook.
        CurrentManifest m = target.manifest;
        String postWarning = life.succeed(target, life.record(target, Outcome.SUCCESS));
        console.ok(q.stack() + " runs " + q.tag() + " (" + releaseId + ") in " + String.format("%.1fs", life.elapsedMs() / 1000.0));
        console.result("deployed " + q.stack() + " " + q.tag() + " " + m.image_ref + " release " + releaseId);
        console.json(result(m, "success", postWarning));
        return Exit.OK;
    }

    /** Step 9's failure path: put the previous release back, check it, record both outcomes. */
    private int recover(Lifecycle.Attempt attempt) {
        Lifecycle.Target target = attempt.target();
        CurrentManifest m = target.manifest;
        Health.Report report = attempt.report();
        console.error(q.stack() + " " + q.tag() + " is not healthy: " + report.summary());
        String previous = m.previous_release_id;
        if (!Lifecycle.releaseExists(layout, q.stack(), previous)) {
            life.fail(attempt, life.record(target, Outcome.FAILED).withMessage("unhealthy, no previous release: " + report.summary()));
            console.warn("no previous release to go back to; stopping " + q.stack());
            life.retire(target);
            emit(m, "failed", report.summary());
            return Exit.UNHEALTHY;
        }
        String kept = Lifecycle.startFirst(target) ? "; " + previous + " kept serving (start-first rollout of "
                + String.join(", ", target.settings.rollout.services) + ")" : "";
        life.fail(attempt, life.record(target, Outcome.ROLLED_BACK).withMessage("unhealthy: " + report.summary() + kept));
        console.step("rolling back to " + previous);
        Health.Report back = life.restoresForeign(previous) ? life.restoreForeign(previous, target) : life.restore(previous);
        CurrentManifest restored = CurrentManifest.read(layout, q.stack());
        HistoryRecord auto = restored != null && previous.equals(restored.release_id)
                ? HistoryRecord.of(restored, Action.AUTO_ROLLBACK, back.healthy() ? Outcome.SUCCESS : Outcome.FAILED)
                : HistoryRecord.of(Action.AUTO_ROLLBACK, back.healthy() ? Outcome.SUCCESS : Outcome.FAILED);
        auto.stack = q.stack();
        auto.env = q.env();
        auto.release_id = previous;
        auto.release_dir = layout.releaseDir(q.stack(), previous).toString();
        cx.history().append(auto.withFrom(m.release_id).withActor(cx.actor(), cx.runId())
                .withReason("release " + m.release_id + " was unhealthy").withMessage(back.summary()));
        if (back.healthy()) {
            console.ok("rolled back: " + q.stack() + " runs " + previous + " again");
            emit(m, "rolled_back", report.summary());
            return Exit.ROLLED_BACK;
        }
        console.error("the previous release " + previous + " is not healthy either: " + back.summary());
        emit(m, "failed", report.summary() + "; previous release unhealthy: " + back.summary());
        return Exit.UNHEALTHY;
    }

    private void emit(CurrentManifest m, String outcome, String message) {
        console.json(result(m, outcome, message));
    }

    private int dryRun(Map<String, ImageRef> images, String previous, int healthTimeout) {
        String id = Release.newReleaseId(layout.stackReleasesDir(q.stack()), q.tag(), Instant.now(cx.clock()));
        console.step("dry run: nothing is changed");
        console.result("would deploy " + q.stack() + " (" + q.env() + ") " + q.tag());
        for (var e : images.entrySet()) console.result("  " + e.getKey() + "=" + e.getValue().ref);
        console.result("  release  " + layout.releaseDir(q.stack(), id));
        console.result("  previous " + (previous == null ? "(none)" : previous));
        console.result("  gate     " + gate);
        console.result("  health   up to " + healthTimeout + "s");
        Result r = result(manifest(images, id, previous), "dry-run", null);
        r.dry_run = true;
        console.json(r);
        return Exit.OK;
    }

    /** Each image variable's repository in what the stack runs now (its manifest); none when it runs nothing readable. */
    private Map<String, String> runningRepositories() {
        Map<String, String> out = new java.util.HashMap<>();
        try {
            CurrentManifest m = CurrentManifest.read(layout, q.stack());
            if (m != null) for (var e : m.images.entrySet()) if (e.getValue().repository != null) out.put(e.getKey(), e.getValue().repository);
        } catch (Fail f) {
            // an unreadable manifest names no repository; the usual sources still apply
        }
        return out;
    }

    /** The engine a release was made for: compose for releases older than the field, null when unreadable. */
    private String engineOf(String releaseId) {
        try {
            Release r = Release.read(layout.releaseDir(q.stack(), releaseId));
            return r == null ? null : r.engine != null ? r.engine : Engine.COMPOSE;
        } catch (Fail f) {
            return null;
        }
    }

    private CurrentManifest manifest(Map<String, ImageRef> images, String releaseId, String previous) {
        CurrentManifest m = CurrentManifest.of(layout, facts(images, releaseId, null), cx.actor(), cx.runId(), previous, Action.DEPLOY.word);
        m.break_glass = "break-glass".equals(gate);
        m.break_glass_reason = m.break_glass ? q.breakGlassReason() : "";
        return m;
    }

    private Release facts(Map<String, ImageRef> images, String releaseId, Path source) {
        Release r = new Release();
        r.stack = q.stack();
        r.env = q.env();
        r.tag = q.tag();
        r.release_id = releaseId;
        r.images = images;
        r.created_at_utc = lib.core.Clock.utc(cx.clock());
        r.actor = cx.actor();
        r.source_dir = source == null ? null : source.toString();
        r.engine = engineName;
        return r;
    }

    private Result result(CurrentManifest m, String outcome, String message) {
        Result r = new Result();
        r.stack = m.stack;
        r.env = m.env;
        r.image_tag = m.image_tag;
        r.outcome = outcome;
        r.release_id = m.release_id;
        r.release_dir = m.release_dir;
        r.previous_release_id = m.previous_release_id;
        r.images = m.images;
        r.gate = gate;
        r.message = message;
        r.duration_ms = life.elapsedMs();
        r.external_ms = Proc.externalMillis();
        return r;
    }
}
