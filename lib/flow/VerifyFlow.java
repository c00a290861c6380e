package lib.flow;

import lib.history.Action;
import lib.history.Outcome;

import lib.engine.Engines;

import lib.cli.Console;
import lib.cli.Table;
import lib.core.AtomicFiles;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Json;
import lib.engine.Drift;
import lib.engine.Health;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.VerificationRecord;
import lib.status.StackState;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;

/**
 * verify: the records the production gate reads (mark, revoke, list), and `check`, which compares
 * a running stack with its manifest and runs its health checks.
 */
public final class VerifyFlow {
    private final Context cx;
    private final Layout layout;
    private final Console console;

    public VerifyFlow(Context cx) {
        this.cx = cx;
        this.layout = cx.layout();
        this.console = cx.console();
    }

    /**
     * Records that a person accepted what staging stack {@code from} runs under {@code tag}. Refused
     * (nothing written) with {@link Exit#USAGE} when the stack is unknown, not staging or runs another
     * tag; {@link Exit#DRIFT} when its link, manifest, release dir and containers disagree;
     * {@link Exit#UNHEALTHY} when it is not healthy. It holds the stack's lock while it looks, so it
     * never marks what a deploy or rollback is changing (it waits for one that runs).
     */
    public int mark(String tag, String from, String note, Waits waits) {
        Names.tag(tag);
        Names.stack(from);
        if (note != null) Names.text("--note", note, 1000, false);
        String refused = "cannot mark " + tag + ": ";
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, from);
        } catch (Fail f) {
            throw new Fail(Exit.DRIFT, refused + f.oneLine());
        }
        if (m == null) {
            if (Files.exists(layout.stackLink(from), LinkOption.NOFOLLOW_LINKS))
                throw new Fail(Exit.DRIFT, refused + from + " has a link but no manifest " + layout.manifest(from) + "; see `status " + from + "`");
            throw Fail.usage(refused + "stack " + from + " has never been deployed under " + layout.root);
        }
        if (!Names.STAGING.equals(m.env))
            throw Fail.usage(refused + from + " is a " + m.env + " stack; mark from the staging stack where " + tag + " was tested");
        if (!tag.equals(m.image_tag))
            throw Fail.usage(refused + from + " runs " + m.image_tag + " (" + m.release_id + "), not " + tag
                    + "; deploy " + tag + " to it and test it first");

        try (Lifecycle.Held lock = new Lifecycle(cx, from, waits, System.nanoTime()).lockOnly("verify mark " + tag + " --from " + from)) {
            return markLocked(tag, from, note, waits, refused);
        }
    }

    private int markLocked(String tag, String from, String note, Waits waits, String refused) {
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, from);
        } catch (Fail f) {
            throw new Fail(Exit.DRIFT, refused + f.oneLine());
        }
        if (m == null || !tag.equals(m.image_tag))
            throw new Fail(Exit.DRIFT, refused + from + " changed while this mark waited for its lock; see `status " + from + "`");
        if (m.activating())
            throw new Fail(Exit.DRIFT, refused + "the activation of " + m.release_id + " on " + from
                    + " was interrupted; deploy or roll back " + from + " first");
        Engines engines = cx.engines();
        console.step("checking " + from + " (" + m.release_id + ")");
        StackState s = StackState.gather(layout, from, engines, console);
        if (s.engineError != null) throw Fail.failed(refused + "cannot ask the engine about " + from + ": " + s.engineError);
        if (!s.problems.isEmpty())
            throw new Fail(Exit.DRIFT, refused + String.join("; ", s.problems));
        if (s.drift == null)
            throw new Fail(Exit.DRIFT, refused + "there is no release of " + from + " to compare its containers with");
        if (!s.drift.isEmpty())
            throw new Fail(Exit.DRIFT, refused + from + " does not run what its manifest pins: " + Drift.summary(s.drift));
        Health.Report health = s.report;
        if (!health.healthy() && !health.settled()) {
            int seconds = waits.healthSeconds(s.settings);
            console.step("waiting for " + from + " to be healthy (up to " + seconds + "s)");
            health = new Health(engines.of(s.settings), console).await(from, s.releaseDir, s.settings, seconds);
        }
        if (!health.healthy()) throw new Fail(Exit.UNHEALTHY, refused + from + " is not healthy: " + health.summary());
        console.ok(from + " runs " + tag + " as its manifest pins, and is healthy");

        VerificationRecord previous = null;
        try {
            previous = VerificationRecord.read(layout, tag);
        } catch (Fail f) {
            console.warn("replacing an unreadable record: " + f.oneLine());
        }
        VerificationRecord r = new VerificationRecord();
        r.tag = tag;
        r.image_ref = m.image_ref;
        r.image_digest = m.image_digest;
        r.images = new LinkedHashMap<>(m.images);
        r.from_stack = from;
        r.from_release_id = m.release_id;
        r.verified_by = cx.actor();
        r.verified_at_utc = Clock.utc(cx.clock());
        r.note = note;
        if (previous != null && previous.image_digest != null && !previous.image_digest.equals(r.image_digest))
            console.warn("the record of " + tag + " had digest " + previous.image_digest + " (verified by " + previous.verified_by
                    + " at " + previous.verified_at_utc + "); it now holds " + r.image_digest);
        r.write(layout);

        HistoryRecord h = HistoryRecord.of(Action.VERIFY, Outcome.SUCCESS).withStack(from).withActor(cx.actor(), cx.runId())
                .withFrom(m.release_id).withMessage(note);
        h.at_utc = r.verified_at_utc;
        h.env = m.env;
        h.image_tag = tag;
        h.image_ref = r.image_ref;
        h.image_digest = r.image_digest;
        h.images = new LinkedHashMap<>(r.images);
        cx.history().append(h);

        console.ok("verified " + tag + " (" + r.image_digest + ") from " + from + "; production may deploy it");
        console.result("verified " + tag + " " + r.image_ref + " from " + from + " " + m.release_id + " by " + cx.actor());
        console.json(r);
        return Exit.OK;
    }

    /**
     * Turns the legacy marker of {@code tag} (an empty file, as the source documents' `touch` made it)
     * into a full record: the digests come from the newest release of {@code tag} on staging stack
     * {@code from} that ran successfully (its success marker or history line), or that the stack runs
     * now. Refused with {@link Exit#USAGE}, writing nothing, when there is no legacy marker or no such
     * release, or the stack is not a staging stack.
     */
    public int upgrade(String tag, String from, String note) {
        Names.tag(tag);
        Names.stack(from);
        if (note != null) Names.text("--note", note, 1000, false);
        String refused = "cannot upgrade the marker of " + tag + ": ";
        VerificationRecord marker = VerificationRecord.read(layout, tag);
        if (marker == null) throw Fail.usage(refused + "there is no verification record of " + tag + "; use `verify mark " + tag + " --from " + from + "`");
        if (marker.images != null && !marker.images.isEmpty())
            throw Fail.usage(refused + "its record already holds digests (" + marker.image_digest + ")");
        if (!java.nio.file.Files.isDirectory(layout.stackReleasesDir(from)))
            throw Fail.usage(refused + "stack " + from + " has no releases under " + layout.root);
        String live = layout.currentReleaseId(from);
        List<HistoryRecord> ran = lib.history.ReleaseHistory.successfulDeploys(layout, cx.history(), from).stream()
                .filter(r -> tag.equals(r.image_tag) && r.images != null && !r.images.isEmpty())
                .filter(r -> r.isSuccessfulRelease() || r.release_id.equals(live))
                .toList();
        if (ran.isEmpty())
            throw Fail.usage(refused + "no release of " + tag + " on " + from + " ran successfully (by its marker or history) or runs now;"
                    + " deploy " + tag + " to " + from + ", test it and run `verify mark " + tag + " --from " + from + "`");
        HistoryRecord source = ran.get(0);
        String env = source.env;
        if (env == null) {
            CurrentManifest m = CurrentManifest.read(layout, from);
            env = m != null && m.env != null ? m.env : lib.model.StackSettings.environmentFromName(from);
        }
        if (!Names.STAGING.equals(env))
            throw Fail.usage(refused + from + " is not a staging stack (" + (env == null ? "unknown environment" : env) + ")");

        VerificationRecord r = new VerificationRecord();
        r.tag = tag;
        r.images = new LinkedHashMap<>(source.images);
        lib.model.ImageRef primary = lib.model.ImageRef.primary(r.images);
        r.image_ref = primary.ref;
        r.image_digest = primary.digest;
        r.from_stack = from;
        r.from_release_id = source.release_id;
        r.verified_by = cx.actor();
        r.verified_at_utc = Clock.utc(cx.clock());
        r.note = "upgraded from a legacy marker" + (note == null ? "" : ": " + note);
        r.write(layout);
        HistoryRecord h = HistoryRecord.of(Action.VERIFY, Outcome.SUCCESS).withStack(from).withActor(cx.actor(), cx.runId())
                .withFrom(source.release_id).withMessage(r.note);
        h.at_utc = r.verified_at_utc;
        h.env = env;
        h.image_tag = tag;
        h.image_ref = r.image_ref;
        h.image_digest = r.image_digest;
        h.images = new LinkedHashMap<>(r.images);
        cx.history().append(h);
        console.ok("upgraded the legacy marker of " + tag + ": digests of " + source.release_id + " on " + from);
        console.result("verified " + tag + " " + r.image_ref + " from " + from + " " + source.release_id + " (upgraded legacy marker)");
        console.json(r);
        return Exit.OK;
    }

    /** Deletes the record of {@code tag}: the gate refuses the tag again until it is marked anew. */
    public int revoke(String tag, String reason) {
        Names.tag(tag);
        if (reason != null) Names.text("--reason", reason, 1000, false);
        Path p = layout.verifiedRecord(tag);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) throw Fail.usage("tag " + tag + " has no verification record under " + layout.root);
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) throw Fail.failed(p + " is a directory, not a verification record");
        VerificationRecord old = null;
        try {
            old = VerificationRecord.read(layout, tag);
        } catch (Fail f) {
            console.warn("removing an unreadable record: " + f.oneLine());
        }
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw Fail.failed("cannot delete " + p + ": " + e.getMessage(), e);
        }
        AtomicFiles.fsyncDir(p.getParent());

        HistoryRecord h = HistoryRecord.of(Action.REVOKE, Outcome.SUCCESS).withActor(cx.actor(), cx.runId()).withReason(reason);
        h.image_tag = tag;
        if (old != null) {
            h.stack = old.from_stack;
            h.image_ref = old.image_ref;
            h.image_digest = old.image_digest;
            h.images = old.images == null || old.images.isEmpty() ? null : new LinkedHashMap<>(old.images);
            h.from_release_id = old.from_release_id;
        }
        cx.history().append(h);

        console.ok("revoked " + tag + "; deploying it to production needs a new `verify mark`");
        console.result("revoked " + tag + (old != null && old.image_digest != null ? " " + old.image_digest : ""));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("tag", tag);
        out.put("revoked", true);
        if (old != null) out.set("record", Json.MAPPER.valueToTree(old));
        if (reason != null) out.put("reason", reason);
        console.json(out);
        return Exit.OK;
    }

    /** Every record, newest first; exit 7 when a record is unreadable (the gate would refuse it). */
    public int list() {
        Path dir = layout.verifiedDir();
        List<VerificationRecord> records = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.sorted().toList();
            } catch (IOException e) {
                throw Fail.failed("cannot list " + dir + ": " + e.getMessage(), e);
            }
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                try {
                    Names.tag(name);
                } catch (Fail f) {
                    problems.add("ignoring " + p + ": not a tag name");
                    continue;
                }
                try {
                    VerificationRecord r = VerificationRecord.read(layout, name);
                    if (r != null) records.add(r);
                } catch (Fail f) {
                    problems.add(f.oneLine());
                }
            }
        }
        records.sort(Comparator.comparing((VerificationRecord r) -> r.verified_at_utc == null ? "" : r.verified_at_utc).reversed()
                .thenComparing(r -> r.tag));

        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("root", layout.root.toString());
        ArrayNode arr = out.putArray("records");
        for (VerificationRecord r : records) {
            ObjectNode n = Json.MAPPER.valueToTree(r);
            n.put("legacy", r.images == null || r.images.isEmpty());
            arr.add(n);
        }
        ArrayNode ps = out.putArray("problems");
        problems.forEach(ps::add);
        console.json(out);

        if (records.isEmpty()) {
            console.result("no verification records under " + layout.root);
        } else {
            Table t = new Table("TAG", "DIGEST", "FROM", "RELEASE", "VERIFIED BY", "AT", "NOTE");
            for (VerificationRecord r : records) {
                boolean legacy = r.images == null || r.images.isEmpty();
                t.add(List.of(Table.cell(r.tag, console::bold),
                        legacy ? Table.cell("(legacy marker, no digest)", console::yellow) : Table.cell(lib.model.ImageRef.shortDigest(r.image_digest)),
                        Table.cell(r.from_stack), Table.cell(r.from_release_id), Table.cell(r.verified_by),
                        Table.cell(r.verified_at_utc == null ? "" : r.verified_at_utc + " (" + Clock.ago(r.verified_at_utc) + ")"),
                        Table.cell(r.note)));
            }
            console.result(t.lines("", console.width()));
        }
        for (String p : problems) console.warn(p);
        return problems.isEmpty() ? Exit.OK : Exit.DRIFT;
    }

    /**
     * Runs the stack's health checks now and compares its containers with its manifest. Exit 0 when
     * both hold, {@link Exit#DRIFT} when not, {@link Exit#FAILED} when the engine cannot be asked.
     */
    public int check(String stack) {
        Names.stack(stack);
        if (!StackState.known(layout, stack))
            throw Fail.usage("unknown stack " + stack + ": no link and no manifest under " + layout.root);
        StackState s = StackState.gather(layout, stack, cx.engines(), console);
        boolean healthy = "healthy".equals(s.health);
        String outcome = s.engineError != null ? "unknown" : Boolean.TRUE.equals(s.consistent) && healthy ? "ok"
                : !Boolean.TRUE.equals(s.consistent) ? "drift" : "unhealthy";

        ObjectNode out = Json.MAPPER.valueToTree(s);
        out.put("outcome", outcome);
        console.json(out);

        console.result(console.bold(stack) + " (" + (s.env == null ? "unknown environment" : s.env) + ")  tag " + orDash(s.image_tag)
                + "  release " + orDash(s.release_id) + "  digest " + orDash(lib.model.ImageRef.shortDigest(s.image_digest)));
        console.result("  health  " + paintHealth(s.health) + (s.health_problems.isEmpty() ? "" : ": " + String.join("; ", s.health_problems)));
        if (s.drift != null) {
            console.result("  drift   " + (s.drift.isEmpty() ? console.green("none") : console.red(s.drift.size() + " difference(s)")));
            for (Drift.Difference d : s.drift) console.result("    - " + d.message);
        } else if (s.engineError == null) {
            console.result("  drift   " + console.yellow("unknown") + " (no release to compare the containers with)");
        }
        if (!s.problems.isEmpty()) {
            console.result("  " + console.red("inconsistent") + ":");
            for (String p : s.problems) console.result("    - " + p);
        }
        if (s.in_progress != null) console.warn(stack + ": " + s.in_progress + "; its state may be changing");

        switch (outcome) {
            case "ok" -> {
                console.ok(stack + " runs what its manifest pins and is healthy");
                return Exit.OK;
            }
            case "unknown" -> throw Fail.failed("cannot ask the engine about " + stack + ": " + s.engineError);
            default -> {
                List<String> why = new ArrayList<>();
                if (!s.problems.isEmpty()) why.add(s.problems.size() + " inconsistenc" + (s.problems.size() == 1 ? "y" : "ies"));
                if (s.drift != null && !s.drift.isEmpty()) why.add(s.drift.size() + " difference(s) from the manifest");
                if (!healthy) why.add(s.health);
                console.error(stack + ": " + String.join(", ", why));
                return Exit.DRIFT;
            }
        }
    }

    private String paintHealth(String h) {
        if (h == null) return "-";
        return switch (h) {
            case "healthy" -> console.green(h);
            case "unhealthy" -> console.red(h);
            default -> console.yellow(h);
        };
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
