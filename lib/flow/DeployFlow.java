package lib.flow;

import lib.cli.Console;
import lib.cli.Options;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Proc;
import lib.engine.Compose;
import lib.engine.Diagnostics;
import lib.engine.Engine;
import lib.engine.Health;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackLock;
import lib.model.StackSettings;
import lib.registry.ImageResolver;
import lib.registry.Registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** deploy STACK ENV TAG, as the ten steps of SPEC.md. */
public final class DeployFlow {
    public static class Request {
        public String stack;
        public String env;
        public String tag;
        public Path digestFile;
        public String image;
        public String actor;
        public String runId;
        public boolean breakGlass;
        public String reason;
        public boolean dryRun;
        public Layout layout;
        public Path source;
        public Integer healthTimeout;
        public double lockWait;
        public int logLines = Diagnostics.LOG_LINES;
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

    private final Request q;
    private final Console console;
    private final long started = System.nanoTime();
    private String gate;
    private String diagnostics;
    private String engineName;

    public DeployFlow(Request request, Console console) {
        this.q = request;
        this.console = console;
    }

    public int run() {
        // 1. Validate every input (nothing is written before this passes).
        Names.stack(q.stack);
        Names.env(q.env);
        Names.tag(q.tag);
        Names.text("--actor", q.actor, 128, false);
        Names.text("--run-id", q.runId, 128, true);
        if (q.breakGlass) Names.text("--reason", q.reason, 1000, false);
        else if (q.reason != null) throw Fail.usage("--reason is only for --break-glass");
        if (q.digestFile != null) DigestManifest.load(q.digestFile);
        if (q.image != null) Names.repository(q.image);
        Path source = q.source.resolve(q.stack);
        if (!Files.isDirectory(source)) throw Fail.usage("unknown stack " + q.stack + ": no directory " + source);
        if (!Files.isRegularFile(source.resolve(Compose.FILE)))
            throw Fail.usage("stack " + q.stack + " has no " + Compose.FILE + " in " + source);
        StackSettings settings = StackSettings.load(source);
        String stackEnv = settings.environmentOf(q.stack);
        if (!stackEnv.equals(q.env))
            throw Fail.usage("stack " + q.stack + " is a " + stackEnv + " stack; it cannot be deployed as " + q.env);
        String previous = q.layout.currentReleaseId(q.stack);
        Engine engine = Engine.of(settings, console);
        engine.validate(q.stack, source);
        engineName = engine.name();
        String running = previous == null ? null : engineOf(previous);
        if (running != null && !running.equals(engineName))
            throw Fail.usage("stack " + q.stack + " runs on " + running + "; it cannot be deployed with " + engineName
                    + " (stack.json engine): remove it from " + running + " first or deploy it under another name");
        int healthTimeout = new Options.HealthWait() {{ healthTimeout = q.healthTimeout; }}.seconds(settings);

        // 2. Resolve every image to repository@sha256:...
        console.step("resolving " + q.tag + (q.digestFile != null ? " from " + q.digestFile : " in the registry"));
        Map<String, ImageRef> images = ImageResolver.resolve(settings, q.tag, q.digestFile, q.image, Registry::new);
        for (var e : images.entrySet()) console.info(e.getKey() + "=" + e.getValue().ref);

        // 3. Production gate.
        gate = Gate.check(q.layout, q.env, q.tag, images, q.breakGlass);
        if (gate.equals("break-glass")) console.warn("BREAK-GLASS: skipping the production gate: " + q.reason);
        else if (gate.equals("verified")) console.ok("production gate: " + q.tag + " was verified with these digests");

        if (q.dryRun) return dryRun(images, gate, previous, healthTimeout);

        q.layout.ensureDirs();
        try (StackLock lock = StackLock.acquire(q.layout, q.stack, q.actor, "deploy " + q.stack + " " + q.env + " " + q.tag,
                q.lockWait, console)) {
            Faults.point("after-lock");
            Repair.run(q.layout, q.stack, q.actor, console);
            // The link may have moved while we waited for the lock.
            previous = q.layout.currentReleaseId(q.stack);
            gate = Gate.check(q.layout, q.env, q.tag, images, q.breakGlass);
            return deployLocked(engine, source, images, gate, previous, healthTimeout);
        }
    }

    private int deployLocked(Engine engine, Path source, Map<String, ImageRef> images, String gate, String previous, int healthTimeout) {
        HistoryLog history = new HistoryLog(q.layout.historyLog());
        Activation activation = new Activation(q.layout, engine, console);

        // 4. Solidify the release: copy the stack source, pin the images in its .env.
        String releaseId = Release.newReleaseId(q.layout.stackReleasesDir(q.stack), q.tag, Instant.now());
        CurrentManifest m = manifest(images, releaseId, previous, gate);
        console.step("solidifying release " + releaseId);
        Path releaseDir = Release.solidify(q.layout, source, facts(images, releaseId, source));
        Faults.point("after-solidify");
        StackSettings settings = StackSettings.load(releaseDir);

        // 5. Pre-deploy hook (a backup, say); a failure stops the deploy before the switch.
        try {
            Hooks.run("pre-deploy", settings.hooks.pre_deploy, releaseDir, Hooks.vars(q.layout, m, "deploy"),
                    settings.hooks.timeout_seconds, console);
        } catch (Fail f) {
            return failBeforeSwitch(history, m, "pre-deploy hook: " + f.oneLine());
        }

        // 6. Pull before the switch: a failed pull changes nothing.
        console.step("pulling images");
        try {
            engine.pull(q.stack, releaseDir);
        } catch (Fail f) {
            return failBeforeSwitch(history, m, f.oneLine());
        }
        Faults.point("after-pull");

        // 7 + 8 + 9. Switch the link, start the release (compose up -d --force-recreate, swarm stack deploy), health checks.
        Health.Report report = activation.activate(q.stack, releaseId, healthTimeout);
        if (!report.healthy()) return recover(history, activation, m, report, healthTimeout);

        // 10. Record: manifest, history, post-deploy hook.
        Release.markSucceeded(releaseDir, "deploy", q.actor);
        m.deployed_at_utc = Clock.nowUtc();
        m.duration_ms = elapsedMs();
        m.write(q.layout);
        Faults.point("after-manifest");
        history.append(HistoryRecord.of(m, "deploy", HistoryRecord.SUCCESS));
        String postWarning = null;
        try {
            Hooks.run("post-deploy", settings.hooks.post_deploy, releaseDir, Hooks.vars(q.layout, m, "deploy"),
                    settings.hooks.timeout_seconds, console);
        } catch (Fail f) {
            postWarning = "post-deploy hook failed: " + f.oneLine();
            console.warn(postWarning);
        }
        console.ok(q.stack + " runs " + q.tag + " (" + releaseId + ") in " + String.format("%.1fs", elapsedMs() / 1000.0));
        Result r = result(m, "success", postWarning);
        console.result("deployed " + q.stack + " " + q.tag + " " + m.image_ref + " release " + releaseId);
        console.json(r);
        return Exit.OK;
    }

    /** Step 9's failure path: put the previous release back, check it, record both outcomes. */
    private int recover(HistoryLog history, Activation activation, CurrentManifest m, Health.Report report, int healthTimeout) {
        console.error(q.stack + " " + q.tag + " is not healthy: " + report.summary());
        diagnostics = Diagnostics.printAndStore(console, activation.engine(), q.stack, report, q.layout.releaseDir(q.stack, m.release_id), q.logLines);
        String previous = m.previous_release_id;
        if (!Activation.releaseExists(q.layout, q.stack, previous)) {
            console.warn("no previous release to go back to; stopping " + q.stack);
            activation.retire(q.stack, m.release_id);
            record(history, m, "deploy", HistoryRecord.FAILED, "unhealthy, no previous release: " + report.summary());
            emit(m, "failed", report.summary());
            return Exit.UNHEALTHY;
        }
        console.step("rolling back to " + previous);
        Health.Report back = activation.activate(q.stack, previous, healthTimeout);
        record(history, m, "deploy", HistoryRecord.ROLLED_BACK, "unhealthy: " + report.summary());
        CurrentManifest restored = CurrentManifest.read(q.layout, q.stack);
        HistoryRecord auto = restored != null && previous.equals(restored.release_id)
                ? HistoryRecord.of(restored, "auto-rollback", back.healthy() ? HistoryRecord.SUCCESS : HistoryRecord.FAILED)
                : new HistoryRecord();
        auto.at_utc = Clock.nowUtc();
        auto.action = "auto-rollback";
        auto.outcome = back.healthy() ? HistoryRecord.SUCCESS : HistoryRecord.FAILED;
        auto.stack = q.stack;
        auto.env = q.env;
        auto.release_id = previous;
        auto.release_dir = q.layout.releaseDir(q.stack, previous).toString();
        auto.from_release_id = m.release_id;
        auto.actor = q.actor;
        auto.run_id = q.runId;
        auto.reason = "release " + m.release_id + " was unhealthy";
        auto.message = back.summary();
        history.append(auto);
        if (back.healthy()) {
            console.ok("rolled back: " + q.stack + " runs " + previous + " again");
            emit(m, "rolled_back", report.summary());
            return Exit.ROLLED_BACK;
        }
        console.error("the previous release " + previous + " is not healthy either: " + back.summary());
        emit(m, "failed", report.summary() + "; previous release unhealthy: " + back.summary());
        return Exit.UNHEALTHY;
    }

    private int failBeforeSwitch(HistoryLog history, CurrentManifest m, String why) {
        record(history, m, "deploy", HistoryRecord.FAILED, why);
        emit(m, "failed", why);
        throw Fail.failed(why + " (nothing was switched; " + q.stack + " still runs "
                + (m.previous_release_id == null ? "nothing" : m.previous_release_id) + ")");
    }

    private void record(HistoryLog history, CurrentManifest m, String action, String outcome, String message) {
        HistoryRecord r = HistoryRecord.of(m, action, outcome);
        r.message = message;
        r.diagnostics_file = diagnostics;
        r.duration_ms = elapsedMs();
        history.append(r);
    }

    private void emit(CurrentManifest m, String outcome, String message) {
        console.json(result(m, outcome, message));
    }

    private int dryRun(Map<String, ImageRef> images, String gate, String previous, int healthTimeout) {
        String id = Release.newReleaseId(q.layout.stackReleasesDir(q.stack), q.tag, Instant.now());
        console.step("dry run: nothing is changed");
        console.result("would deploy " + q.stack + " (" + q.env + ") " + q.tag);
        for (var e : images.entrySet()) console.result("  " + e.getKey() + "=" + e.getValue().ref);
        console.result("  release  " + q.layout.releaseDir(q.stack, id));
        console.result("  previous " + (previous == null ? "(none)" : previous));
        console.result("  gate     " + gate);
        console.result("  health   up to " + healthTimeout + "s");
        CurrentManifest m = manifest(images, id, previous, gate);
        Result r = result(m, "dry-run", null);
        r.dry_run = true;
        console.json(r);
        return Exit.OK;
    }

    /** The engine a release was made for: compose for releases older than the field, null when unreadable. */
    private String engineOf(String releaseId) {
        try {
            Release r = Release.read(q.layout.releaseDir(q.stack, releaseId));
            return r == null ? null : r.engine != null ? r.engine : Engine.COMPOSE;
        } catch (Fail f) {
            return null;
        }
    }

    private CurrentManifest manifest(Map<String, ImageRef> images, String releaseId, String previous, String gate) {
        CurrentManifest m = CurrentManifest.of(q.layout, facts(images, releaseId, null), q.actor, q.runId, previous, "deploy");
        m.break_glass = "break-glass".equals(gate);
        m.break_glass_reason = m.break_glass ? q.reason : "";
        return m;
    }

    private Release facts(Map<String, ImageRef> images, String releaseId, Path source) {
        Release r = new Release();
        r.stack = q.stack;
        r.env = q.env;
        r.tag = q.tag;
        r.release_id = releaseId;
        r.images = images;
        r.created_at_utc = Clock.nowUtc();
        r.actor = q.actor;
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
        r.duration_ms = elapsedMs();
        r.external_ms = Proc.externalMillis();
        return r;
    }

    private long elapsedMs() {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
