package lib.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import lib.cli.Console;
import lib.cli.Table;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Json;
import lib.engine.Engine;
import lib.engine.Engines;
import lib.history.HistoryFormat;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.ReleaseHistory;
import lib.model.CurrentManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;
import lib.model.VerificationRecord;

/**
 * status --takeover: a read-only look at a root before the tool takes it over from the source
 * documents' shell scripts. Per stack, each release dir and how the tool will treat it, the manifest
 * and whether it will be rewritten, the containers that run under an old compose project; for the
 * root, the history lines it cannot read and the legacy verification markers. Exit 0 when nothing
 * needs a person, {@link Exit#DRIFT} when something does (each such line says what to do).
 */
public final class TakeoverReport {
    private final Layout layout;
    private final Console console;
    private final Engines engines;

    public TakeoverReport(Layout layout, Console console, Engines engines) {
        this.layout = layout;
        this.console = console;
        this.engines = engines;
    }

    /** One release dir as the tool will treat it. */
    public static class ReleaseView {
        public String release_id;
        /** tool, legacy (another tool's: no release.json) or incomplete (no compose file either). */
        public String made_by;
        /** ran (success marker or history), failed, unjudged (no history line says), or live. */
        public String judged;
        public int pinned_images;
        public boolean rollback_candidate;
        public boolean live;
    }

    public static class StackView {
        public String stack;
        public String live_release_id;
        /** tool, documents (the source documents' fields: rewritten in the tool's form at the next deploy or rollback), missing, unreadable. */
        public String manifest;
        public List<ReleaseView> releases = new ArrayList<>();
        /** Containers of the stack under another compose project: taken over at the next deploy or rollback. */
        public List<String> old_project_containers = new ArrayList<>();
        public List<String> needs_a_person = new ArrayList<>();
    }

    public int run() {
        List<StackView> stacks = new ArrayList<>();
        List<String> needs = new ArrayList<>();
        Engine engine = null;
        String engineProblem = null;
        try {
            StackSettings d = new StackSettings();
            d.validate(Path.of(StackSettings.FILE));
            engine = engines.of(d);
        } catch (Fail f) {
            engineProblem = f.oneLine();
        }
        for (String stack : stackNames()) {
            StackView v = stack(stack, engine);
            stacks.add(v);
            for (String n : v.needs_a_person) needs.add(stack + ": " + n);
        }
        // the history: lines kept as they are; those no format reads are shown, never rewritten
        int ownLines = 0, otherLines = 0;
        List<String> unreadable = new ArrayList<>();
        Path log = layout.historyLog();
        if (Files.isRegularFile(log)) {
            try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
                int n = 0;
                for (String line : (Iterable<String>) lines::iterator) {
                    n++;
                    if (line.isBlank()) continue;
                    HistoryRecord r = HistoryFormat.parse(line);
                    if (r == null) {
                        if (unreadable.size() < 20) unreadable.add("line " + n + ": " + (line.length() > 100 ? line.substring(0, 100) + "..." : line));
                        else if (unreadable.size() == 20) unreadable.add("...");
                    } else if (r.foreignLine != null) otherLines++;
                    else ownLines++;
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                needs.add("history " + log + " cannot be read: " + e.getMessage());
            }
        }
        // verification records: an empty marker cannot bind the gate to content
        List<String> legacyMarkers = new ArrayList<>();
        for (String tag : names(layout.verifiedDir())) {
            if (!Names.isTag(tag)) continue;
            try {
                VerificationRecord r = VerificationRecord.read(layout, tag);
                if (r != null && (r.images == null || r.images.isEmpty())) legacyMarkers.add(tag);
            } catch (Fail f) {
                needs.add("verification record of " + tag + ": " + f.oneLine());
            }
        }
        for (String tag : legacyMarkers)
            needs.add("verified/" + tag + " is a legacy marker without digests: the production gate refuses " + tag
                    + " until `verify upgrade " + tag + " --from <staging-stack>` (or a new `verify mark`)");
        if (engineProblem != null) needs.add("cannot ask the engine for containers under old compose projects: " + engineProblem);

        if (console.json) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("root", layout.root.toString());
            out.set("stacks", Json.MAPPER.valueToTree(stacks));
            ObjectNode h = out.putObject("history");
            h.put("tool_lines", ownLines);
            h.put("other_format_lines", otherLines);
            h.set("unreadable", Json.MAPPER.valueToTree(unreadable));
            out.set("legacy_markers", Json.MAPPER.valueToTree(legacyMarkers));
            ArrayNode n = out.putArray("needs_a_person");
            needs.forEach(n::add);
            console.json(out);
        }
        console.result("what the tool will make of " + layout.root + " (nothing is changed):");
        for (StackView v : stacks) {
            console.result("");
            console.result(console.bold(v.stack) + "  live " + (v.live_release_id == null ? "-" : v.live_release_id) + "  manifest " + v.manifest
                    + (v.manifest.equals("documents") ? " (rewritten in the tool's form at the next deploy or rollback)" : ""));
            Table t = new Table("RELEASE", "MADE BY", "JUDGED", "PINNED", "ROLLBACK TARGET");
            for (ReleaseView r : v.releases)
                t.add((r.live ? "* " : "  ") + r.release_id, r.made_by, r.judged, Integer.toString(r.pinned_images), r.rollback_candidate ? "yes" : "no");
            console.result(t.lines("  "));
            if (!v.old_project_containers.isEmpty())
                console.result("  containers under an old compose project (stopped and taken over at the next deploy or rollback): "
                        + String.join(", ", v.old_project_containers));
        }
        console.result("");
        console.result("history: " + ownLines + " line(s) of the tool, " + otherLines + " of another form (read, kept as they are), "
                + unreadable.size() + " unreadable (kept as they are, shown here)");
        for (String u : unreadable) console.result("  " + u);
        console.result("verification records: " + (legacyMarkers.isEmpty() ? "no legacy markers" : "legacy markers " + String.join(", ", legacyMarkers)));
        console.result("");
        if (needs.isEmpty()) {
            console.ok("nothing needs a person: the first deploy or rollback takes this root over");
            return Exit.OK;
        }
        console.result("needs a person:");
        for (String n : needs) console.result("  - " + n);
        return Exit.DRIFT;
    }

    private StackView stack(String stack, Engine engine) {
        StackView v = new StackView();
        v.stack = stack;
        try {
            v.live_release_id = layout.currentReleaseId(stack);
        } catch (Fail f) {
            v.needs_a_person.add(f.oneLine());
        }
        Path current = layout.manifest(stack);
        try {
            CurrentManifest m = CurrentManifest.read(layout, stack);
            if (m == null) v.manifest = "missing";
            else {
                boolean own = Files.isSymbolicLink(current) || Json.tree(Files.readString(current)).has("images");
                v.manifest = own ? "tool" : "documents";
                if (m.images.isEmpty()) v.needs_a_person.add("the manifest pins no image (no image_ref repository@sha256:...)");
            }
        } catch (Fail | IOException e) {
            v.manifest = "unreadable";
            v.needs_a_person.add("the manifest " + current + " cannot be read: " + (e instanceof Fail f ? f.oneLine() : e.getMessage()));
        }
        Set<String> candidates = new TreeSet<>();
        Map<String, String> judged = new java.util.HashMap<>();
        for (HistoryRecord r : ReleaseHistory.successfulDeploys(layout, new HistoryLog(layout.historyLog()), stack)) {
            candidates.add(r.release_id);
            judged.put(r.release_id, ReleaseHistory.LEGACY.equals(r.outcome) ? "unjudged" : "ran");
        }
        for (String id : names(layout.stackReleasesDir(stack))) {
            Path dir = layout.releaseDir(stack, Names.isReleaseId(id) ? id : "x__00000000T000000Z");
            if (!Names.isReleaseId(id) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
            ReleaseView r = new ReleaseView();
            r.release_id = id;
            r.live = id.equals(v.live_release_id);
            Release facts;
            try {
                facts = Release.readOrLegacy(dir, stack);
            } catch (Fail f) {
                facts = null;
            }
            r.made_by = facts == null ? "incomplete" : facts.legacy ? "legacy" : "tool";
            r.pinned_images = facts == null || facts.images == null ? 0 : facts.images.size();
            r.rollback_candidate = candidates.contains(id) && r.pinned_images > 0;
            r.judged = judged.getOrDefault(id, "failed");
            if (r.live && r.pinned_images == 0) v.needs_a_person.add("the live release " + id + " pins no image in its .env or release.json");
            v.releases.add(r);
        }
        v.releases.sort((a, b) -> Release.sortKey(b.release_id).compareTo(Release.sortKey(a.release_id)));
        if (engine != null) {
            try {
                for (lib.engine.Container c : engine.foreign(stack, layout.stackReleasesDir(stack)))
                    v.old_project_containers.add(c.foreign_project + "/" + c.id.substring(0, Math.min(12, c.id.length())) + " (" + c.state + ")");
            } catch (Fail f) {
                v.needs_a_person.add("cannot list its containers: " + f.oneLine());
            }
        }
        return v;
    }

    private List<String> stackNames() {
        Set<String> out = new TreeSet<>(StackState.list(layout).stacks());
        for (String n : names(layout.allStackReleasesDir())) if (Names.isStack(n)) out.add(n);
        return new ArrayList<>(out);
    }

    private static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw Fail.failed("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
