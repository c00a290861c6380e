package lib.flow;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import lib.core.AtomicFiles;
import lib.core.Clock;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Interrupts;
import lib.engine.Diagnostics;
import lib.engine.Engine;
import lib.engine.Health;
import lib.history.Action;
import lib.history.HistoryRecord;
import lib.history.Outcome;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Release;
import lib.model.StackLock;
import lib.model.StackSettings;

/**
 * The life of a release, written once for deploy, rollback and verify mark:
 * <ol>
 * <li>{@link #lock}: take the stack's lock and put right what a crash left ({@link Repair});</li>
 * <li>{@link #activate}: the pre-deploy hook, the images, the link switch, up, the health wait;</li>
 * <li>{@link #succeed}: the success marker, the manifest, the history record, the post-deploy hook;</li>
 * <li>or {@link #fail}: the diagnostics and the history record, then {@link #restore} a release that
 *     ran before, or {@link #retire} the stack when there is none.</li>
 * </ol>
 * Everything it touches comes from the {@link Context}: engines, history, hooks, clock, console.
 */
public final class Lifecycle {
    /** How an activation makes the images available: a full pull (deploy), or only what is missing (rollback). */
    public enum Images { PULL, ENSURE }

    /** A release about to be made live: its dir, settings and engine, and the manifest it gets when healthy. */
    public static final class Target {
        public final String releaseId;
        public final Path dir;
        public final StackSettings settings;
        public final Engine engine;
        public final CurrentManifest manifest;
        public final Action action;

        private Target(String releaseId, Path dir, StackSettings settings, Engine engine, CurrentManifest manifest, Action action) {
            this.releaseId = releaseId;
            this.dir = dir;
            this.settings = settings;
            this.engine = engine;
            this.manifest = manifest;
            this.action = action;
        }
    }

    /**
     * How an activation ended: {@code beforeSwitch} says why it stopped before the switch (nothing
     * changed; {@code interrupted} when a signal stopped it), else the health report.
     */
    public record Attempt(Target target, Health.Report report, String beforeSwitch, boolean interrupted) {
        public boolean switched() { return beforeSwitch == null; }

        public boolean healthy() { return switched() && report.healthy(); }

        public String summary() { return switched() ? report.summary() : beforeSwitch; }
    }

    private final Context cx;
    private final String stack;
    private final Waits waits;
    private final long started;
    /** Containers of an old compose project this flow stopped to take the stack over, with the engine that did it. */
    private final List<String> stoppedForeign = new java.util.ArrayList<>();
    private Engine foreignEngine;

    /** The life of releases of {@code stack}; durations count from {@code startedNanos}. */
    public Lifecycle(Context cx, String stack, Waits waits, long startedNanos) {
        this.cx = cx;
        this.stack = stack;
        this.waits = waits;
        this.started = startedNanos;
    }

    public Context context() { return cx; }

    public long elapsedMs() { return (System.nanoTime() - started) / 1_000_000; }

    /** The stack's lock while a flow holds it; closing it ends the flow's critical part and releases the lock. */
    public static final class Held implements AutoCloseable {
        private final StackLock lock;

        private Held(StackLock lock) { this.lock = lock; }

        @Override
        public void close() {
            Interrupts.done();
            lock.close();
        }
    }

    /** Step 1: takes the stack's lock (waiting as {@link Waits#lockWait} says) and repairs what a crash left. */
    public Held lock(String command) {
        Held held = lockOnly(command);
        try {
            Repair.run(cx, stack);
            return held;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /** Takes the stack's lock without repairing: for a flow that only reads the stack and records (verify mark). */
    public Held lockOnly(String command) {
        cx.layout().ensureDirs();
        StackLock lock = StackLock.acquire(cx.layout(), stack, cx.actor(), command, waits.lockWait(), cx.console());
        Faults.point("after-lock");
        return new Held(lock);
    }

    /** The release {@code releaseId} of the stack, to become live as {@code manifest} says through {@code action}. */
    public Target target(String releaseId, CurrentManifest manifest, Action action) {
        Path dir = cx.layout().releaseDir(stack, releaseId);
        StackSettings settings = StackSettings.load(dir);
        return new Target(releaseId, dir, settings, cx.engines().of(settings), manifest, action);
    }

    /**
     * Steps 5 to 9 for {@code t}: the pre-deploy hook and the images (a failure there changes
     * nothing), then the switch, up and the health wait.
     */
    public Attempt activate(Target t, Images images) {
        try {
            Interrupts.check();
            cx.hooks().run("pre-deploy", t.settings.hooks.pre_deploy, t.dir, Hooks.vars(cx.layout(), t.manifest, t.action.word),
                    t.settings.hooks.timeout_seconds, cx.console());
        } catch (Fail f) {
            return stopped(t, Interrupts.pending() ? f.oneLine() : "pre-deploy hook: " + f.oneLine());
        }
        try {
            Interrupts.check();
            if (images == Images.PULL) {
                cx.console().step("pulling images");
                t.engine.pull(stack, t.dir);
            } else {
                t.engine.ensureImages(t.manifest.images.values().stream().map(i -> i.ref).toList());
            }
            Faults.point("after-pull");
            Interrupts.check();
        } catch (Fail f) {
            return stopped(t, f.oneLine());
        }
        // the point of no return: from the switch on, a signal waits until the activation or its recovery is done
        Interrupts.critical("the activation of " + t.releaseId + " (and its recovery if it fails)");
        return new Attempt(t, switchUpAndWait(t), null, false);
    }

    private static Attempt stopped(Target t, String why) {
        return new Attempt(t, null, why, Interrupts.pending());
    }

    /** Puts {@code releaseId} back after a failed attempt: switch, up, health; no hooks and no pull (it ran here before). */
    public Health.Report restore(String releaseId) {
        return switchUpAndWait(target(releaseId, null, Action.AUTO_ROLLBACK));
    }

    /**
     * Switches the link to the release, brings it up and waits for health. A release becoming live
     * gets its manifest, marked activating, before the switch: the switch then changes link and
     * manifest together. An `up` failure is an unhealthy report.
     */
    private Health.Report switchUpAndWait(Target t) {
        Layout layout = cx.layout();
        if (t.manifest != null) {
            t.manifest.state = CurrentManifest.ACTIVATING;
            t.manifest.deployed_at_utc = Clock.utc(cx.clock());
            t.manifest.write(layout);
        }
        cx.console().step("switching " + layout.stackLink(stack) + " -> " + t.releaseId);
        AtomicFiles.switchLink(layout.stackLink(stack), t.dir);
        Faults.point("after-switch");
        cx.console().step("starting " + stack + " (" + t.engine.upDescription(t.settings) + ")");
        try {
            takeOver(t.engine);
            t.engine.up(stack, t.dir);
        } catch (Fail f) {
            return new Health.Report(false, true, List.of(f.oneLine()), List.of());
        }
        Faults.point("after-up");
        int seconds = waits.healthSeconds(t.settings);
        cx.console().step("waiting for " + stack + " to be healthy (up to " + seconds + "s)");
        Health.Report report = new Health(t.engine, cx.console()).await(stack, t.dir, t.settings, seconds);
        if (!report.healthy() || !startFirst(t)) return report;
        try {
            t.engine.promote(stack, t.dir, t.settings);
        } catch (Fail f) {
            return new Health.Report(false, true, List.of("putting the new containers in service: " + f.oneLine()), report.containers());
        }
        return report;
    }

    /** True when {@code t} rolls out start-first (stack.json "rollout"): a failed attempt never stopped what served. */
    public static boolean startFirst(Target t) {
        return t.settings.rollout != null;
    }

    /**
     * Stops the stack's containers that run under another compose project (see {@link Engine#foreign})
     * right before its own `up`, so they give up their ports and names; they are removed once a
     * release is healthy, or started again by {@link #restoreForeign}.
     */
    private void takeOver(Engine engine) {
        List<String> running = new java.util.ArrayList<>();
        String projects = "";
        for (var c : engine.foreign(stack, cx.layout().stackReleasesDir(stack))) {
            if (!c.running()) continue;
            running.add(c.id);
            if (!projects.contains(c.foreign_project)) projects += (projects.isEmpty() ? "" : ", ") + c.foreign_project;
        }
        if (running.isEmpty()) return;
        cx.console().step("stopping " + running.size() + " container(s) of the old compose project " + projects
                + " so that " + stack + " takes them over");
        engine.stopContainers(running);
        stoppedForeign.addAll(running);
        foreignEngine = engine;
    }

    /** True when this flow stopped containers of an old project and {@code releaseId} is no release of the tool's own. */
    public boolean restoresForeign(String releaseId) {
        return !stoppedForeign.isEmpty() && releaseId != null && Release.read(cx.layout().releaseDir(stack, releaseId)) == null;
    }

    /**
     * Puts back what ran before a failed attempt when that was an old project's containers: the link
     * returns to {@code releaseId}, the failed release's containers stop, the old ones start again
     * and are waited for.
     */
    public Health.Report restoreForeign(String releaseId, Target failed) {
        Layout layout = cx.layout();
        cx.console().step("switching " + layout.stackLink(stack) + " -> " + releaseId);
        AtomicFiles.switchLink(layout.stackLink(stack), layout.releaseDir(stack, releaseId));
        try {
            failed.engine.down(stack, failed.dir);
        } catch (Fail f) {
            cx.console().warn("could not stop " + stack + "'s failed release: " + f.oneLine());
        }
        cx.console().step("starting the " + stoppedForeign.size() + " container(s) of the old compose project again");
        List<String> ids = List.copyOf(stoppedForeign);
        try {
            foreignEngine.startContainers(ids);
        } catch (Fail f) {
            return new Health.Report(false, true, List.of(f.oneLine()), List.of());
        }
        stoppedForeign.clear();
        long deadline = System.nanoTime() + waits.healthSeconds(failed.settings) * 1_000_000_000L;
        while (true) {
            Engine.Observation o = foreignEngine.observeContainers(ids);
            boolean healthy = o.problems().isEmpty();
            if (healthy || o.settled() || System.nanoTime() > deadline) return new Health.Report(healthy, true, o.problems(), o.containers());
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Health.Report(false, true, List.of("interrupted"), o.containers());
            }
        }
    }

    /** A history record of {@code t}'s attempt ending in {@code outcome}, with its duration so far. */
    public HistoryRecord record(Target t, Outcome outcome) {
        return HistoryRecord.of(t.manifest, t.action, outcome).withDuration(elapsedMs());
    }

    /**
     * Step 10 for a healthy {@code t}: the success marker, the manifest, {@code record} in the history,
     * then the post-deploy hook. Returns the post-deploy hook's failure (the release is live anyway), or null.
     */
    public String succeed(Target t, HistoryRecord record) {
        CurrentManifest m = t.manifest;
        Release.markSucceeded(t.dir, t.action.word, cx.actor());
        m.state = null;
        m.deployed_at_utc = Clock.utc(cx.clock());
        m.duration_ms = elapsedMs();
        m.write(cx.layout());
        Faults.point("after-manifest");
        record.duration_ms = m.duration_ms;
        cx.history().append(record);
        if (!stoppedForeign.isEmpty()) {
            try {
                foreignEngine.removeContainers(stoppedForeign);
                cx.console().info("removed the " + stoppedForeign.size() + " container(s) of the old compose project: " + stack + " runs its own now");
                stoppedForeign.clear();
            } catch (Fail f) {
                cx.console().warn("could not remove the old project's stopped containers: " + f.oneLine());
            }
        }
        try {
            cx.hooks().run("post-deploy", t.settings.hooks.post_deploy, t.dir, Hooks.vars(cx.layout(), m, t.action.word),
                    t.settings.hooks.timeout_seconds, cx.console());
            return null;
        } catch (Fail f) {
            String warning = "post-deploy hook failed: " + f.oneLine();
            cx.console().warn(warning);
            return warning;
        }
    }

    /**
     * A failed attempt: when it got as far as the switch, its containers' diagnostics are printed and
     * stored in its release dir (named in the record); then {@code record} goes into the history.
     */
    public void fail(Attempt a, HistoryRecord record) {
        if (a.switched()) {
            record.diagnostics_file = Diagnostics.printAndStore(cx.console(), a.target().engine, stack, a.report(), a.target().dir,
                    waits.logLines());
        }
        if (record.message == null) record.message = a.summary();
        record.duration_ms = elapsedMs();
        cx.history().append(record);
    }

    /**
     * An attempt stopped by a signal before its switch: nothing changed, so the release dir it made
     * (if {@code removeDir}) goes, and the attempt is recorded as interrupted.
     */
    public void interrupted(Attempt a, boolean removeDir) {
        if (removeDir) Release.deleteTree(a.target().dir);
        HistoryRecord r = record(a.target(), Outcome.INTERRUPTED).withMessage(a.summary() + "; nothing was switched");
        cx.history().append(r);
    }

    /** With no release to go back to: stops the stack and removes its link, as before its first deploy. */
    public void retire(Target t) {
        try {
            t.engine.down(stack, t.dir);
        } catch (Fail f) {
            cx.console().warn("could not stop " + stack + ": " + f.oneLine());
        }
        cx.layout().removeStackLink(stack);
    }

    /** True when {@code releaseId} names a release dir of the stack on disk. */
    public static boolean releaseExists(Layout layout, String stack, String releaseId) {
        return releaseId != null && Files.isDirectory(layout.releaseDir(stack, releaseId), LinkOption.NOFOLLOW_LINKS);
    }
}
