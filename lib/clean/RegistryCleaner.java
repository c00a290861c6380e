package lib.clean;

import lib.cli.Consent;
import lib.cli.Console;
import lib.cli.Table;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Interrupts;
import lib.history.Action;
import lib.history.Outcome;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.StackLock;
import lib.registry.Registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * clean-images --registry REPOSITORY: plan which tags go (see {@link RegistryCleanPlan}), show it,
 * and with consent (--yes, or y on a terminal) delete them by digest under the locks of every
 * stack, after asking the registry and the root again; then record one "clean-registry" line in the
 * history. Space comes back only when the registry's garbage collection runs.
 */
public final class RegistryCleaner {
    public static final String GC_HINT = "the registry frees the space only when its garbage collection runs"
            + " (`registry garbage-collect <config.yml>` on the registry host)";

    /** The plan (dry run) or the result, printed as JSON with --json. */
    public static class Report extends Consent.Ending {
        public boolean dry_run;
        public String mode = "registry";
        public String repository;
        public String root;
        public int keep;
        public String blocked_by;
        public List<RegistryCleanPlan.TagItem> tags;
        public List<RegistryCleanPlan.DigestItem> to_delete;
        public Counts would_delete;
        public Counts deleted;
        public List<String> removed;
        public List<String> errors;
        public String hint;
        public Long duration_ms;
    }

    public static class Counts {
        public int tags;
        public int digests;
    }

    private final Cleaner.Request q;
    private final Console console;
    private final long started = System.nanoTime();
    private int keep;

    public RegistryCleaner(Cleaner.Request request, Console console) {
        this.q = request;
        this.console = console;
    }

    public int run() {
        validate();
        Registry registry = new Registry();
        console.step("listing the tags of " + q.registry);
        RegistryCleanPlan plan = gather(registry, stack -> StackLock.holder(q.layout, stack));
        Report report = report(plan);
        print(plan);

        String nothing = plan.tags.isEmpty() ? "no tags in " + q.registry + " (no such repository, or nothing is tagged)"
                : plan.isEmpty() ? "nothing to clean" : null;
        Integer stopped = Consent.gate(report, nothing, q.dryRun, q.yes, console, String.format("Delete %d tags (%d digests) from %s?",
                plan.tagsToDelete().size(), plan.digestsToDelete().size(), q.registry), code -> finish(report, code));
        if (stopped != null) return stopped;
        return execute(plan.deletionKeys(), registry, plan);
    }

    private void validate() {
        Names.repository(q.registry);
        if (q.dangling || q.all)
            throw Fail.usage("--registry cleans a registry repository; it takes no " + (q.dangling ? "--dangling" : "--all"));
        if (q.stack != null)
            throw Fail.usage("--registry cleans a registry repository; it takes no STACK (the releases of every stack protect their tags)");
        Cleaner.validateShared(q);
        keep = q.keep != null ? q.keep : CleanPlan.DEFAULT_KEEP;
    }

    private RegistryCleanPlan gather(Registry registry, java.util.function.Function<String, String> lockedBy) {
        RegistryCleanPlan.References refs = RegistryCleanInputs.references(q.layout, q.registry, lockedBy);
        List<RegistryCleanPlan.TagInfo> tags = RegistryCleanInputs.tags(registry, q.registry);
        return RegistryCleanPlan.plan(q.registry, tags, refs, keep);
    }

    private int execute(Set<String> confirmed, Registry registry, RegistryCleanPlan shown) {
        // a signal while listing or asking: nothing was taken or deleted
        Interrupts.check();
        Map<String, String> notLocked = new HashMap<>();
        List<StackLock> locks = Cleaner.lockAll(q.layout, q.actor, notLocked);
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Counts deleted = new Counts();
        RegistryCleanPlan plan = shown;
        try {
            boolean unsupported = false;
            try {
                // a tag pushed or a release made since the listing is seen again, under the locks
                plan = gather(registry, notLocked::get);
                Set<String> changed = new HashSet<>(confirmed);
                changed.removeAll(plan.deletionKeys());
                plan.limitedTo(confirmed);
                if (!changed.isEmpty())
                    console.warn(changed.size() + " of the listed digests changed since the listing and are kept: " + String.join("; ", changed));
                if (plan.blockedBy != null) console.warn(plan.blockedBy);
                for (RegistryCleanPlan.DigestItem d : plan.digestsToDelete()) {
                    // between two deletions a signal stops the clean; a deletion under way is finished first
                    Interrupts.check();
                    String what = q.registry + "@" + d.digest + " (" + String.join(", ", d.tags) + ")";
                    Interrupts.critical("deleting " + what);
                    try {
                        Registry.Deleted r = registry.deleteManifest(q.registry, d.digest);
                        if (r == Registry.Deleted.UNSUPPORTED) {
                            unsupported = true;
                            break;
                        }
                        removed.add(what);
                        deleted.digests++;
                        deleted.tags += d.tags.size();
                        console.info((r == Registry.Deleted.ABSENT ? "already gone: " : "deleted ") + what);
                    } catch (Fail f) {
                        errors.add("cannot delete " + what + ": " + f.oneLine());
                    } finally {
                        Interrupts.done();
                    }
                    Faults.point("clean-between-deletions");
                }
                // every deletion is done: a signal from here on waits until the clean is recorded and reported
                Interrupts.critical("recording the clean");
            } catch (Fail f) {
                if (!Interrupts.pending()) throw f;
                return interrupted(plan, removed, errors, deleted);
            }
            String host = Registry.locate(q.registry).host();
            if (unsupported)
                errors.add(0, "registry " + host + " does not allow deletes (405 UNSUPPORTED; its config needs storage.delete.enabled: true)");

            Cleaner.record(q, Action.CLEAN_REGISTRY, errors.isEmpty() ? Outcome.SUCCESS : Outcome.FAILED, removed,
                    summary(deleted, "deleted") + " from " + q.registry + (errors.isEmpty() ? "" : "; " + errors.size() + " failed: " + errors.get(0)),
                    elapsedMs());

            Report report = report(plan);
            report.deleted = deleted;
            report.removed = removed;
            report.errors = errors;
            report.hint = GC_HINT;
            if (unsupported) {
                report.outcome = "unsupported";
                report.message = errors.get(0) + "; " + (removed.isEmpty() ? "nothing was deleted" : summary(deleted, "deleted") + " before that")
                        + "; without deletes, space is reclaimed only by the registry's garbage collection (`registry garbage-collect`)";
                finish(report, Exit.FAILED);
                throw Fail.failed(report.message);
            }
            report.message = summary(deleted, "deleted") + " from " + q.registry;
            if (errors.isEmpty()) {
                console.ok(report.message);
                if (!removed.isEmpty()) console.info("note: " + GC_HINT);
                report.outcome = "success";
                return finish(report, Exit.OK);
            }
            for (String e : errors) console.error(e);
            if (!removed.isEmpty()) console.info("note: " + GC_HINT);
            report.outcome = "failed";
            finish(report, Exit.FAILED);
            throw Fail.failed(errors.size() + " of " + (errors.size() + removed.size()) + " deletions failed: " + errors.get(0));
        } finally {
            Interrupts.done();
            for (StackLock l : locks) l.close();
        }
    }

    /** A clean stopped by a signal between two deletions: recorded with what it deleted, and ended with 130 or 143. */
    private int interrupted(RegistryCleanPlan plan, List<String> removed, List<String> errors, Counts deleted) {
        String done = "deleted " + deleted.digests + " of " + plan.digestsToDelete().size() + " digests (" + deleted.tags + " tag"
                + (deleted.tags == 1 ? "" : "s") + ") from " + q.registry + "; the rest stay: clean again to finish";
        Fail stop = Cleaner.recordStop(q, Action.CLEAN_REGISTRY, removed, done, elapsedMs());
        Report report = report(plan);
        report.deleted = deleted;
        report.removed = removed;
        report.errors = errors;
        report.hint = GC_HINT;
        report.outcome = Outcome.INTERRUPTED.word;
        report.message = done;
        finish(report, Interrupts.exitCode());
        throw stop;
    }

    private Report report(RegistryCleanPlan plan) {
        Report r = new Report();
        r.dry_run = q.dryRun;
        r.repository = q.registry;
        r.root = q.layout.root.toString();
        r.keep = keep;
        r.blocked_by = plan.blockedBy;
        r.tags = plan.tags;
        r.to_delete = plan.digestsToDelete();
        r.would_delete = counts(plan);
        return r;
    }

    private static Counts counts(RegistryCleanPlan plan) {
        Counts c = new Counts();
        c.tags = plan.tagsToDelete().size();
        c.digests = plan.digestsToDelete().size();
        return c;
    }

    private void print(RegistryCleanPlan plan) {
        console.result(console.bold(q.registry) + " (keep the newest " + keep + " images of immutable tags):");
        if (plan.tags.isEmpty()) {
            console.result("  no tags");
            return;
        }
        Table t = new Table("ACTION", "TAG", "DIGEST", "CREATED", "REASON");
        for (RegistryCleanPlan.TagItem i : plan.tags) {
            String created = i.created == null ? "unknown" : i.created + ("pushed".equals(i.created_from) ? " (pushed)" : "");
            t.add(List.of(Table.cell(i.action, i.delete() ? console::red : console::green), Table.cell(i.tag),
                    Table.cell(ImageRef.shortDigest(i.digest)), Table.cell(created), Table.cell(i.reason)));
        }
        console.result(t.lines("  ", console.width()));
        console.result("");
        console.result(console.bold(summary(counts(plan), q.dryRun ? "would delete" : "to delete")));
    }

    static String summary(Counts c, String verb) {
        return verb + " " + c.tags + " tag" + (c.tags == 1 ? "" : "s") + " (" + c.digests + " digest" + (c.digests == 1 ? "" : "s") + ")";
    }

    private int finish(Report r, int code) {
        r.duration_ms = elapsedMs();
        console.json(r);
        return code;
    }

    private long elapsedMs() {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
