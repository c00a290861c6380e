package lib.clean;

import lib.cli.Consent;
import lib.cli.Console;
import lib.cli.Table;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Interrupts;
import lib.core.Proc;
import lib.core.Sizes;
import lib.engine.Container;
import lib.engine.Docker;
import lib.engine.Inventory;
import lib.history.Action;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.Outcome;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * clean-images: plan what goes (see {@link CleanPlan}), show it with the disk usage, and with
 * consent (--yes, or y on a terminal) delete it under the locks of every stack, so no deploy
 * starts in between; then record one "clean" line in the history.
 */
public final class Cleaner {
    public static class Request {
        public String stack;
        /** clean-images --registry: the registry repository to clean instead of this host. */
        public String registry;
        public Integer keep;
        public boolean dangling;
        public boolean all;
        public boolean dryRun;
        public boolean yes;
        public Layout layout;
        public String actor;
        public String runId;
    }

    /** The plan (dry run) or the result, printed as JSON with --json. */
    public static class Report extends Consent.Ending {
        public boolean dry_run;
        public String mode;
        public String root;
        public String stack;
        public Integer keep;
        public List<CleanPlan.StackPlan> stacks;
        public List<CleanPlan.ImageItem> images;
        public Totals would_free;
        public Totals freed;
        public Usage usage_before;
        public Usage usage_after;
        public List<String> removed;
        public List<String> errors;
        public Long duration_ms;
        public Long external_ms;
    }

    /** Disk usage: the engine's figures and the size of the release dirs. */
    public static class Usage {
        public List<Inventory.DfRow> docker = new ArrayList<>();
        public String release_dirs;
        public long release_dirs_bytes;
        public Boolean estimated;

        static Usage of(Layout layout, List<Inventory.DfRow> df, long releaseDirsBytes) {
            Usage u = new Usage();
            u.docker = df;
            u.release_dirs = layout.allStackReleasesDir().toString();
            u.release_dirs_bytes = releaseDirsBytes;
            return u;
        }
    }

    public static class Totals {
        public int release_dirs;
        public long release_bytes;
        public int images;
        public long image_bytes;
    }

    public static final int MAX_KEEP = 100_000;

    private final Request q;
    private final Console console;
    private final long started = System.nanoTime();
    private final CleanPlan.Mode mode;

    public Cleaner(Request request, Console console) {
        this.q = request;
        this.console = console;
        this.mode = request.dangling ? CleanPlan.Mode.DANGLING : request.all ? CleanPlan.Mode.ALL : CleanPlan.Mode.RELEASES_AND_IMAGES;
    }

    public int run() {
        validate();
        Snapshot before = gather(stack -> StackLock.holder(q.layout, stack));
        CleanPlan plan = before.plan;
        Report report = report(plan, before);
        print(plan, before);

        Integer stopped = Consent.gate(report, plan.isEmpty() ? "nothing to clean" : null, q.dryRun, q.yes, console,
                String.format("Delete %d release dirs and %d images?", plan.releasesToDelete().size(), plan.imagesToDelete().size()),
                code -> finish(report, code));
        if (stopped != null) return stopped;
        return execute(plan.deletionKeys(), before);
    }

    private void validate() {
        if (q.stack != null) Names.stack(q.stack);
        if (q.dangling && q.all) throw Fail.usage("--dangling and --all exclude each other");
        if (q.dangling && q.keep != null) throw Fail.usage("--dangling removes only dangling images; it takes no --keep");
        if (q.dangling && q.stack != null) throw Fail.usage("--dangling removes only dangling images; it takes no STACK");
        if (q.all && q.stack != null) throw Fail.usage("--all cleans images beyond any stack; it takes no STACK");
        validateShared(q);
        if (q.stack != null) {
            if (!ReleaseDirs.known(q.layout, q.stack))
                throw Fail.usage("unknown stack " + q.stack + ": no release dir and no link under " + q.layout.root);
            q.layout.currentReleaseId(q.stack);
        }
    }

    /** What every clean checks: --keep, --actor, --run-id, and a root with releases under it. */
    static void validateShared(Request q) {
        if (q.keep != null && (q.keep < 1 || q.keep > MAX_KEEP))
            throw Fail.usage("--keep must be 1.." + MAX_KEEP + ", not " + q.keep);
        Names.text("--actor", q.actor, 128, false);
        Names.text("--run-id", q.runId, 128, true);
        if (!Files.isDirectory(q.layout.releasesRoot()))
            throw Fail.usage("nothing deployed under " + q.layout.root + " (no releases dir): check --root or $" + Layout.ROOT_ENV);
    }

    /** Disk, history and engine state, and the plan made of them. */
    private static final class Snapshot {
        ReleaseDirs.Disk disk;
        Inventory.Snapshot engine;
        CleanPlan plan;
    }

    private Snapshot gather(java.util.function.Function<String, String> lockedBy) {
        Snapshot s = new Snapshot();
        Future<Inventory.Snapshot> engine = Inventory.snapshotAsync();
        List<String> names = ReleaseDirs.stackNames(q.layout);
        if (q.stack != null && !names.contains(q.stack)) {
            names = new ArrayList<>(names);
            names.add(q.stack);
        }
        s.disk = ReleaseDirs.read(q.layout, names, q.keep, lockedBy, mode != CleanPlan.Mode.RELEASES_AND_IMAGES);
        Set<String> successful = Set.of();
        if (mode != CleanPlan.Mode.DANGLING) {
            List<CleanPlan.StackInput> cleaned = s.disk.stacks.stream().filter(x -> q.stack == null || q.stack.equals(x.stack)).toList();
            successful = SuccessfulReleases.of(q.layout, cleaned, s.disk.marked);
        }
        s.engine = Inventory.await(engine);
        List<CleanPlan.Use> uses = new ArrayList<>();
        for (Container c : s.engine.containers()) uses.add(new CleanPlan.Use(c.id, c.name, c.image_id, c.image_ref));
        s.plan = CleanPlan.plan(s.disk.stacks, successful, s.engine.images(), uses, q.stack, mode, Instant.now());
        List<CleanPlan.ImageItem> going = s.plan.imagesToDelete();
        if (!going.isEmpty()) {
            Map<String, Long> unique = Inventory.uniqueSizes();
            for (CleanPlan.ImageItem i : going) if (i.unique_size == null) i.unique_size = unique.get(i.id);
        }
        return s;
    }

    private int execute(Set<String> confirmed, Snapshot shown) {
        // a signal while listing or asking: nothing was taken or deleted
        Interrupts.check();
        q.layout.ensureDirs();
        Map<String, String> notLocked = new HashMap<>();
        List<StackLock> locks = lockAll(q.layout, q.actor, notLocked);
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Totals freed = new Totals();
        CleanPlan plan = shown.plan;
        try {
            try {
                // what changed since the listing (a deploy, a new container) is seen again, under the locks
                Snapshot now = gather(notLocked::get);
                Set<String> changed = new HashSet<>(confirmed);
                changed.removeAll(now.plan.deletionKeys());
                plan = now.plan.limitedTo(confirmed);
                if (!changed.isEmpty())
                    console.warn(changed.size() + " of the listed items changed since the listing and are kept: " + String.join(", ", changed));
                for (CleanPlan.StackPlan sp : plan.stacks) if (sp.skipped != null) console.warn(sp.stack + ": " + sp.skipped);
                deleteReleases(plan, removed, errors, freed);
                removeImages(plan, removed, errors, freed);
                // every deletion is done: a signal from here on waits until the clean is recorded and reported
                Interrupts.critical("recording the clean");
            } catch (Fail f) {
                if (!Interrupts.pending()) throw f;
                return interrupted(plan, shown, removed, errors, freed);
            }

            record(q, Action.CLEAN, errors.isEmpty() ? Outcome.SUCCESS : Outcome.FAILED, removed,
                    summary(freed, "freed") + (errors.isEmpty() ? "" : "; " + errors.size() + " failed: " + errors.get(0)), elapsedMs());
            Report report = report(plan, shown);
            report.freed = freed;
            report.removed = removed;
            report.errors = errors;
            Usage after = Usage.of(q.layout, Inventory.diskUsage(), ReleaseDirs.bytes(q.layout));
            report.usage_after = after;
            console.result("");
            console.result(console.bold("disk usage after:"));
            console.result(usageLines(after));
            report.outcome = errors.isEmpty() ? "success" : "failed";
            report.message = summary(freed, "freed");
            if (errors.isEmpty()) {
                console.ok(report.message);
                return finish(report, Exit.OK);
            }
            for (String e : errors) console.error(e);
            console.warn(report.message + "; " + errors.size() + " could not be removed");
            finish(report, Exit.FAILED);
            throw Fail.failed(errors.size() + " of " + (errors.size() + removed.size()) + " removals failed: " + errors.get(0));
        } finally {
            Interrupts.done();
            for (StackLock l : locks) l.close();
        }
    }

    /**
     * The locks of every stack under the root (see {@link StackLock#tryAll}), taken whole: a signal
     * meanwhile is acted on once they are all taken (and then released on the way out).
     */
    static List<StackLock> lockAll(Layout layout, String actor, Map<String, String> notLocked) {
        List<String> stacks = ReleaseDirs.stackNames(layout);
        Interrupts.critical("taking the locks of " + stacks.size() + " stack" + (stacks.size() == 1 ? "" : "s"));
        try {
            return StackLock.tryAll(layout, stacks, actor, "clean-images", notLocked);
        } finally {
            Interrupts.done();
        }
    }

    /** A clean stopped by a signal between two deletions: recorded with what it removed, and ended with 130 or 143. */
    private int interrupted(CleanPlan plan, Snapshot shown, List<String> removed, List<String> errors, Totals freed) {
        String done = "deleted " + freed.release_dirs + " of " + plan.releasesToDelete().size() + " release dirs and " + freed.images + " of "
                + plan.imagesToDelete().size() + " images (" + Sizes.human(freed.release_bytes + freed.image_bytes)
                + "); the rest stay: clean again to finish";
        Fail stop = recordStop(q, Action.CLEAN, removed, done, elapsedMs());
        Report report = report(plan, shown);
        report.freed = freed;
        report.removed = removed;
        report.errors = errors;
        report.outcome = Outcome.INTERRUPTED.word;
        report.message = done;
        finish(report, Interrupts.exitCode());
        throw stop;
    }

    /** The one history record of a clean ({@code action}: clean or clean-registry) that deleted (or set out to delete) something. */
    static void record(Request q, Action action, Outcome outcome, List<String> removed, String message, long ms) {
        HistoryRecord h = HistoryRecord.of(action, outcome).withStack(q.stack)
                .withActor(q.actor, q.runId == null || q.runId.isEmpty() ? null : q.runId).withMessage(message).withDuration(ms);
        h.removed = removed;
        new HistoryLog(q.layout.historyLog()).append(h);
    }

    /** Records a clean a signal stopped ({@code done}: what it did) and returns the failure it ends with (130 or 143). */
    static Fail recordStop(Request q, Action action, List<String> removed, String done, long ms) {
        Thread.interrupted(); // the record and the report are still written
        Fail stop = Interrupts.stopped(done);
        record(q, action, Outcome.INTERRUPTED, removed, stop.oneLine(), ms);
        return stop;
    }

    private void deleteReleases(CleanPlan plan, List<String> removed, List<String> errors, Totals freed) {
        for (CleanPlan.ReleaseItem r : plan.releasesToDelete()) {
            Path dir = q.layout.stackReleasesDir(r.stack);
            Path p = dir.resolve(r.name);
            if (!p.getParent().equals(dir) || r.name.equals(q.layout.currentReleaseId(r.stack))) continue;
            // between two deletions a signal stops the clean; a deletion under way is finished first
            Interrupts.check();
            Interrupts.critical("deleting " + p);
            try {
                Path doomed = p;
                if (!r.name.startsWith(ReleaseDirs.DELETING)) {
                    // renamed first: a clean that dies half-way leaves a leftover, never half a release
                    doomed = dir.resolve(ReleaseDirs.DELETING + r.name + "-" + ProcessHandle.current().pid());
                    Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
                }
                Release.deleteTree(doomed);
                removed.add(p.toString());
                freed.release_dirs++;
                freed.release_bytes += r.bytes;
                console.info("deleted " + p + " (" + Sizes.human(r.bytes) + ")");
            } catch (IOException | Fail e) {
                errors.add("cannot delete " + p + ": " + (e instanceof Fail f ? f.oneLine() : e.getMessage()));
            } finally {
                Interrupts.done();
            }
            Faults.point("clean-between-deletions");
        }
    }

    private void removeImages(CleanPlan plan, List<String> removed, List<String> errors, Totals freed) {
        for (CleanPlan.ImageItem i : plan.imagesToDelete()) {
            Interrupts.check();
            // reference by reference (docker refuses an ID with several tags), digests first: the
            // last reference takes the image, and the last tag takes the digests along
            List<String> targets = new ArrayList<>();
            for (String ref : i.references) if (ImageRef.digestOf(ref) != null) targets.add(ref);
            for (String ref : i.references) if (ImageRef.digestOf(ref) == null) targets.add(ref);
            if (targets.isEmpty()) targets.add(i.id);
            String what = "image " + i.id + (i.references.isEmpty() ? "" : " " + String.join(" ", i.references));
            String failure = null;
            Interrupts.critical("removing " + what);
            try {
                for (String t : targets) {
                    Proc.Result r = Proc.of(Docker.rmi(t)).timeout(Duration.ofMinutes(2)).run();
                    if (!r.ok() && !r.stderr().contains("No such image")) {
                        failure = r.lastLine();
                        break;
                    }
                }
            } finally {
                Interrupts.done();
            }
            if (failure != null) {
                errors.add("cannot remove " + what + ": " + failure);
                continue;
            }
            removed.add(what);
            freed.images++;
            freed.image_bytes += i.frees();
            console.info("removed " + what + " (" + Sizes.human(i.frees()) + ")");
            Faults.point("clean-between-deletions");
        }
    }

    private Report report(CleanPlan plan, Snapshot s) {
        Report r = new Report();
        r.dry_run = q.dryRun;
        r.mode = mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
        r.root = q.layout.root.toString();
        r.stack = q.stack;
        r.keep = q.keep;
        r.stacks = plan.stacks;
        r.images = plan.images;
        Totals t = new Totals();
        t.release_dirs = plan.releasesToDelete().size();
        t.release_bytes = plan.releaseBytes();
        t.images = plan.imagesToDelete().size();
        t.image_bytes = plan.imageBytes();
        r.would_free = t;
        r.usage_before = Usage.of(q.layout, s.engine.df(), s.disk.releaseDirsBytes);
        if (q.dryRun) r.usage_after = estimateAfter(r.usage_before, t);
        return r;
    }

    /** The usage after this plan, as far as it can be told without deleting: images and release dirs shrink. */
    static Usage estimateAfter(Usage before, Totals t) {
        Usage u = new Usage();
        u.estimated = true;
        u.release_dirs = before.release_dirs;
        u.release_dirs_bytes = Math.max(0, before.release_dirs_bytes - t.release_bytes);
        for (Inventory.DfRow d : before.docker) {
            Inventory.DfRow e = new Inventory.DfRow();
            e.type = d.type;
            e.total_count = d.total_count;
            e.active = d.active;
            e.size = d.size;
            e.reclaimable = d.reclaimable;
            if ("Images".equals(d.type) && t.images > 0) {
                try {
                    e.total_count = Integer.toString(Math.max(0, Integer.parseInt(d.total_count) - t.images));
                } catch (NumberFormatException ignored) {
                }
                Long size = Sizes.parse(d.size);
                if (size != null) e.size = "~" + Sizes.human(Math.max(0, size - t.image_bytes)).replace(" ", "");
                Long rec = Sizes.parse(d.reclaimable.replaceAll("\\s*\\(.*\\)$", ""));
                if (rec != null) e.reclaimable = "~" + Sizes.human(Math.max(0, rec - t.image_bytes)).replace(" ", "");
            }
            u.docker.add(e);
        }
        return u;
    }

    private void print(CleanPlan plan, Snapshot s) {
        console.result(console.bold("disk usage before:"));
        console.result(usageLines(Usage.of(q.layout, s.engine.df(), s.disk.releaseDirsBytes)));
        for (CleanPlan.StackPlan sp : plan.stacks) {
            console.result("");
            String head = sp.stack + " (keep " + sp.keep + ", live " + (sp.live_release_id == null ? "none" : sp.live_release_id) + ")";
            if (sp.skipped != null) {
                console.result(console.bold(head) + ": " + console.yellow("skipped") + ", " + sp.skipped);
                if (console.json) console.warn(sp.stack + ": " + sp.skipped);
                continue;
            }
            console.result(console.bold(head) + ":");
            if (sp.releases.isEmpty()) {
                console.result("  no release dirs");
                continue;
            }
            Table t = new Table("ACTION", "RELEASE DIR", "REASON", "SIZE");
            for (CleanPlan.ReleaseItem r : sp.releases)
                t.add(List.of(action(r.action), Table.cell(r.name), Table.cell(r.reason), Table.cell(Sizes.human(r.bytes))));
            console.result(t.lines("  ", console.width()));
        }
        console.result("");
        if (plan.images.isEmpty()) {
            console.result(console.bold("images:") + " none in scope"
                    + (mode == CleanPlan.Mode.RELEASES_AND_IMAGES ? " (only images of the stacks' repositories; --all for every unused image)" : ""));
        } else {
            console.result(console.bold("images:"));
            Table t = new Table("ACTION", "IMAGE", "REFERENCES", "REASON", "FREES");
            for (CleanPlan.ImageItem i : plan.images) {
                String frees = i.unique_size == null ? Sizes.human(i.size) : Sizes.human(i.unique_size) + " (size " + Sizes.human(i.size) + ")";
                t.add(List.of(action(i.action), Table.cell(CleanPlan.shortId(i.id)),
                        Table.cell(i.references.isEmpty() ? "<none>" : references(i.references)),
                        Table.cell(i.reason),
                        Table.cell(i.delete() ? frees : "")));
            }
            console.result(t.lines("  ", console.width()));
        }
        Totals t = new Totals();
        t.release_dirs = plan.releasesToDelete().size();
        t.release_bytes = plan.releaseBytes();
        t.images = plan.imagesToDelete().size();
        t.image_bytes = plan.imageBytes();
        console.result("");
        console.result(console.bold(summary(t, q.dryRun ? "would free" : "to delete")));
        if (q.dryRun) {
            console.result("");
            console.result(console.bold("disk usage after (estimated):"));
            console.result(usageLines(estimateAfter(Usage.of(q.layout, s.engine.df(), s.disk.releaseDirsBytes), t)));
        }
    }

    private Table.Cell action(String a) {
        return Table.cell(a, CleanPlan.DELETE.equals(a) ? console::red : console::green);
    }

    static List<String> usageLines(Usage u) {
        Table t = new Table("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        for (Inventory.DfRow d : u.docker) t.add(d.type, d.total_count, d.active, d.size, d.reclaimable);
        t.add("Release dirs", "", "", (Boolean.TRUE.equals(u.estimated) ? "~" : "") + Sizes.human(u.release_dirs_bytes).replace(" ", ""), "");
        List<String> lines = new ArrayList<>(t.lines("  "));
        lines.add("  (release dirs: " + u.release_dirs + ")");
        return lines;
    }

    /**
     * An image's references, one group per repository: its tags, then its digests shortened
     * ({@code repo:v1,v2@sha256:0123456789ab}), so ten tags of one repository do not repeat its name
     * (the JSON keeps them whole).
     */
    public static String references(List<String> refs) {
        java.util.Map<String, List<String>> tags = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<String>> digests = new java.util.LinkedHashMap<>();
        for (String ref : refs) {
            ImageRef r = ImageRef.parse(ref);
            if (r == null) continue;
            tags.computeIfAbsent(r.repository, k -> new ArrayList<>());
            List<String> ds = digests.computeIfAbsent(r.repository, k -> new ArrayList<>());
            if (r.digest != null) ds.add(ImageRef.shortDigest(r.digest));
            if (r.tag != null) tags.get(r.repository).add(r.tag);
        }
        List<String> out = new ArrayList<>();
        for (String repo : tags.keySet()) {
            StringBuilder b = new StringBuilder(repo);
            if (!tags.get(repo).isEmpty()) b.append(':').append(String.join(",", tags.get(repo)));
            for (String d : digests.get(repo)) b.append('@').append(d);
            out.add(b.toString());
        }
        return String.join(" ", out);
    }

    static String summary(Totals t, String verb) {
        return verb + " " + t.release_dirs + " release dir" + (t.release_dirs == 1 ? "" : "s") + " (" + Sizes.human(t.release_bytes) + ") and "
                + t.images + " image" + (t.images == 1 ? "" : "s") + " (~" + Sizes.human(t.image_bytes) + ")";
    }

    private int finish(Report r, int code) {
        r.duration_ms = elapsedMs();
        r.external_ms = Proc.externalMillis();
        console.json(r);
        return code;
    }

    private long elapsedMs() {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
