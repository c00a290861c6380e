package lib.status;

import lib.engine.Engines;

import lib.cli.Console;
import lib.cli.Table;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Json;
import lib.core.Proc;
import lib.engine.Container;
import lib.engine.Drift;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.ReleaseHistory;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * status: a table of every stack under the root, or the whole state of one stack. Read-only.
 * Exit 0 when everything agrees, {@link Exit#DRIFT} when a stack's link, manifest, release dir or
 * containers disagree, {@link Exit#FAILED} when the engine cannot be asked, {@link Exit#USAGE} for an
 * unknown stack. Health is shown, not judged. Torn history lines are warnings.
 */
public final class StatusReport {
    public static final int MAX_HISTORY = 10_000;

    private final Layout layout;
    private final Console console;

    /** How far back `status STACK` looks for the stack's records: its recent history, read in a few milliseconds. */
    static final long STACK_HISTORY_BYTES = 4L << 20;

    public StatusReport(Layout layout, Console console) {
        this.layout = layout;
        this.console = console;
    }

    public static int checkHistory(int n) {
        if (n < 0 || n > MAX_HISTORY) throw Fail.usage("--history must be 0.." + MAX_HISTORY);
        return n;
    }

    /** The table of every stack, then the newest {@code history} records of the root. */
    public int all(int history) {
        checkHistory(history);
        StackState.Listing listing = StackState.list(layout);
        List<String> warnings = new ArrayList<>(listing.warnings());
        List<HistoryRecord> recent = history(null, r -> true, history, warnings);
        List<StackState> states = listing.stacks().isEmpty() ? List.of()
                : StackState.gatherAll(layout, listing.stacks(), Engines.detect(console), console);

        if (console.json) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("root", layout.root.toString());
            out.set("stacks", Json.MAPPER.valueToTree(states));
            out.set("history", Json.MAPPER.valueToTree(recent));
            out.set("warnings", Json.MAPPER.valueToTree(warnings));
            console.json(out);
        }

        if (states.isEmpty()) {
            console.result("no stacks under " + layout.root);
        } else {
            Table t = new Table("STACK", "ENV", "TAG", "DIGEST", "DEPLOYED", "BY", "BREAK-GLASS", "HEALTH", "AGREE");
            for (StackState s : states) {
                t.add(List.of(Table.cell(s.stack, console::bold), Table.cell(dash(s.env)), Table.cell(dash(s.image_tag)),
                        Table.cell(dash(ImageRef.shortDigest(s.image_digest))), Table.cell(deployed(s.deployed_at_utc)),
                        Table.cell(dash(s.actor)),
                        Boolean.TRUE.equals(s.break_glass) ? Table.cell("BREAK-GLASS", console::red) : Table.cell(""),
                        healthCell(s.health), agreeCell(s)));
            }
            console.result(t.lines("", console.width()));
            List<String> details = new ArrayList<>();
            for (StackState s : states) {
                for (String p : s.problems) details.add(s.stack + ": " + p);
                if (s.drift != null) for (Drift.Difference d : s.drift) details.add(s.stack + ": drift: " + d.message);
                if (!"healthy".equals(s.health)) for (String p : s.health_problems) details.add(s.stack + ": health: " + p);
                if (s.in_progress != null) details.add(s.stack + ": " + s.in_progress);
                for (String n : s.notes) details.add(s.stack + ": " + n);
            }
            if (!details.isEmpty()) {
                console.result("");
                details.forEach(d -> console.result("  " + d));
            }
        }
        if (history > 0 && !recent.isEmpty()) {
            console.result("");
            console.result("recent history (newest first):");
            historyTable(recent, true).lines("  ", console.width()).forEach(console::result);
        }
        for (String w : warnings) console.warn(w);
        return exitCode(states);
    }

    /**
     * Every stack as Prometheus text-format metrics ({@link Metrics}) on stdout, for node_exporter's
     * textfile collector. Exit 0 whenever the metrics were written: disagreement and health are in
     * them, so that a cron line `... > tmp && mv tmp file` replaces the file at every run.
     */
    public int prometheus() {
        StackState.Listing listing = StackState.list(layout);
        List<StackState> states = listing.stacks().isEmpty() ? List.of()
                : StackState.gatherAll(layout, listing.stacks(), Engines.detect(console), console);
        Map<String, Integer> dirs = new java.util.HashMap<>();
        for (StackState s : states) {
            try {
                dirs.put(s.stack, lib.model.Release.listIds(layout, s.stack).size());
            } catch (Fail f) {
                listing.warnings().add(f.oneLine());
            }
        }
        console.result(Metrics.render(states, dirs).stripTrailing());
        for (String w : listing.warnings()) console.warn(w);
        return Exit.OK;
    }

    /** The last {@code lines} log lines of each container, by container name. */
    private java.util.Map<String, String> logs(StackState s, int lines) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        if (s.engine == null || s.report == null) return out;
        for (Container c : s.report.containers()) {
            try {
                Proc.Result r = Proc.of(s.engine.logs(c, lines)).timeout(java.time.Duration.ofSeconds(30)).run();
                out.put(c.name, (r.stdout() + r.stderr()).stripTrailing());
            } catch (Fail f) {
                out.put(c.name, "(logs unavailable: " + f.oneLine() + ")");
            }
        }
        return out;
    }

    /**
     * The whole state of one stack: its manifest, link, containers and last {@code history} records;
     * with {@code logLines} above 0 also that many log lines of each container.
     */
    public int one(String stack, int history, int logLines) {
        Names.stack(stack);
        checkHistory(history);
        if (!StackState.known(layout, stack))
            throw Fail.usage("unknown stack " + stack + ": no link and no manifest under " + layout.root);
        List<String> warnings = new ArrayList<>();
        List<HistoryRecord> recent = history(stack, r -> stack.equals(r.stack), history, warnings);
        StackState s = StackState.gather(layout, stack, Engines.detect(console), console);
        JsonNode manifest = rawManifest(s);

        ObjectNode out = Json.MAPPER.valueToTree(s);
        out.put("root", layout.root.toString());
        if (manifest != null) out.set("manifest", manifest);
        out.set("history", Json.MAPPER.valueToTree(recent));
        out.set("warnings", Json.MAPPER.valueToTree(warnings));
        java.util.Map<String, String> logs = logLines > 0 ? logs(s, logLines) : java.util.Map.of();
        if (logLines > 0) out.set("logs", Json.MAPPER.valueToTree(logs));
        console.json(out);

        console.result(console.bold(stack) + " (" + dash(s.env) + ")");
        console.result("  link        " + s.link + (s.link_target == null ? " (none)" : " -> " + s.link_target));
        console.result("  manifest    " + s.manifest_file + (s.manifest_present ? "" : " (none)"));
        console.result("  release     " + dash(s.release_id) + (s.releaseDir == null && s.release_id != null ? " (dir missing)" : ""));
        console.result("  health      " + paint(s.health) + (s.health_problems.isEmpty() || "healthy".equals(s.health)
                ? "" : ": " + String.join("; ", s.health_problems)));
        console.result("  agree       " + agreeCell(s).paint().apply(agreeCell(s).text()));
        if (s.in_progress != null) console.result("  " + console.yellow(s.in_progress + "; the state may be changing"));
        if (!s.problems.isEmpty()) {
            console.result("");
            console.result(console.red("inconsistencies:"));
            for (String p : s.problems) console.result("  - " + p);
        }
        if (s.drift != null && !s.drift.isEmpty()) {
            console.result("");
            console.result(console.red("drift:"));
            for (Drift.Difference d : s.drift) console.result("  - " + d.message);
        }
        if (!s.notes.isEmpty()) {
            console.result("");
            console.result("notes:");
            for (String n : s.notes) console.result("  - " + n);
        }
        if (manifest != null) {
            console.result("");
            console.result("manifest:");
            Table t = new Table("FIELD", "VALUE");
            flatten("", manifest, t);
            t.lines("  ", console.width()).stream().skip(1).forEach(console::result);
        }
        console.result("");
        if (s.containers.isEmpty()) {
            console.result("containers: " + (s.engineError != null ? "unknown (" + s.engineError + ")" : "none"));
        } else {
            console.result("containers:");
            // a start-first rollout shows which container serves: during a rollout the old one, then the new one
            boolean roles = s.containers.stream().anyMatch(c -> c.role != null);
            Table t = roles ? new Table("NAME", "SERVICE", "ROLE", "STATE", "HEALTH", "IMAGE", "MATCHES")
                    : new Table("NAME", "SERVICE", "STATE", "HEALTH", "IMAGE", "MATCHES");
            for (StackState.ContainerView c : s.containers) {
                List<Table.Cell> row = new java.util.ArrayList<>(List.of(Table.cell(c.name), Table.cell(dash(c.service))));
                if (roles) row.add(Table.cell(dash(c.role), c.role == null ? null : c.role.startsWith("serving") ? console::green : console::yellow));
                row.addAll(List.of(Table.cell(c.state, "running".equals(c.state) ? console::green : console::red),
                        Table.cell(dash(c.health), c.health == null ? null : "healthy".equals(c.health) ? console::green
                                : "starting".equals(c.health) ? console::yellow : console::red),
                        Table.cell(c.image), c.matches == null ? Table.cell("?", console::yellow)
                                : c.matches ? Table.cell("yes", console::green) : Table.cell("no", console::red)));
                t.add(row);
            }
            console.result(t.lines("  ", console.width()));
        }
        for (var e : logs.entrySet()) {
            console.result("");
            console.result("logs of " + e.getKey() + " (last " + logLines + " lines):");
            e.getValue().lines().forEach(l -> console.result("  " + l));
        }
        if (history > 0) {
            console.result("");
            if (recent.isEmpty()) {
                console.result("history: none");
            } else {
                console.result("history (last " + recent.size() + ", newest first):");
                historyTable(recent, false).lines("  ", console.width()).forEach(console::result);
            }
        }
        for (String w : warnings) console.warn(w);
        return exitCode(List.of(s));
    }

    private static int exitCode(List<StackState> states) {
        boolean engineFailed = false;
        for (StackState s : states) {
            if (Boolean.FALSE.equals(s.consistent)) return Exit.DRIFT;
            if (s.engineError != null) engineFailed = true;
        }
        return engineFailed ? Exit.FAILED : Exit.OK;
    }

    private List<HistoryRecord> history(String needle, java.util.function.Predicate<HistoryRecord> match, int n, List<String> warnings) {
        HistoryLog log = new HistoryLog(layout.historyLog());
        Path file = layout.historyLog();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return List.of();
        List<HistoryRecord> out = List.of();
        try {
            out = needle == null ? log.find(match, n, ReleaseHistory.SCAN_LIMIT) : log.findContaining(needle, match, n, STACK_HISTORY_BYTES);
            if (log.tornLastLine())
                warnings.add("history " + file + ": the last line is not a whole record (a write torn by a crash?); it is skipped"
                        + " and closed off at the next append");
        } catch (Fail f) {
            warnings.add("history unreadable: " + f.oneLine());
        }
        return out;
    }

    private JsonNode rawManifest(StackState s) {
        Path file = Path.of(s.manifest_file);
        if (!s.manifest_present) return null;
        try {
            return Json.tree(Files.readString(file));
        } catch (java.io.IOException | Fail e) {
            return Json.MAPPER.valueToTree(s.manifest);
        }
    }

    private static void flatten(String prefix, JsonNode n, Table t) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                JsonNode v = e.getValue();
                String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                if (v.isObject() && v.has("ref") && v.get("ref").isTextual()) t.add(key, v.get("ref").asText());
                else flatten(key, v, t);
            }
        } else if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) flatten(prefix + "[" + i + "]", a.get(i), t);
        } else {
            t.add(prefix, n.isNull() ? "null" : n.asText());
        }
    }

    private Table historyTable(List<HistoryRecord> records, boolean withStack) {
        Table t = withStack ? new Table("AT", "STACK", "ACTION", "OUTCOME", "TAG", "RELEASE", "BY", "NOTE")
                : new Table("AT", "ACTION", "OUTCOME", "TAG", "RELEASE", "BY", "NOTE");
        for (HistoryRecord r : records) {
            List<Table.Cell> row = new ArrayList<>();
            row.add(Table.cell(dash(r.at_utc)));
            if (withStack) row.add(Table.cell(dash(r.stack)));
            row.add(Table.cell(dash(r.action)));
            String o = dash(r.outcome);
            row.add(Table.cell(o, HistoryRecord.SUCCESS.equals(r.outcome) ? console::green
                    : HistoryRecord.ROLLED_BACK.equals(r.outcome) ? console::yellow : console::red));
            row.add(Table.cell(dash(r.image_tag)));
            row.add(Table.cell(dash(r.release_id != null ? r.release_id : r.from_release_id)));
            row.add(Table.cell(dash(r.actor)));
            List<String> note = new ArrayList<>();
            if (Boolean.TRUE.equals(r.break_glass)) note.add("BREAK-GLASS: " + r.break_glass_reason);
            if (r.reason != null && !r.reason.isEmpty()) note.add(r.reason);
            if (r.message != null && !r.message.isEmpty()) note.add(r.message);
            String text = String.join("; ", note);
            row.add(Table.cell(text.length() > 80 ? text.substring(0, 77) + "..." : text));
            t.add(row);
        }
        return t;
    }

    private Table.Cell healthCell(String h) {
        return Table.cell(dash(h), h == null ? null : "healthy".equals(h) ? console::green : "unhealthy".equals(h) ? console::red : console::yellow);
    }

    private String paint(String h) {
        Table.Cell c = healthCell(h);
        return c.paint() == null ? c.text() : c.paint().apply(c.text());
    }

    private Table.Cell agreeCell(StackState s) {
        if (s.in_progress != null && !Boolean.TRUE.equals(s.consistent)) return Table.cell("in progress", console::yellow);
        if (Boolean.TRUE.equals(s.consistent)) return Table.cell("yes", console::green);
        if (s.consistent == null) return Table.cell("unknown", console::yellow);
        List<String> what = new ArrayList<>();
        if (!s.problems.isEmpty()) what.add("link/manifest");
        if (s.drift != null && !s.drift.isEmpty()) what.add("drift");
        return Table.cell("no (" + String.join(", ", what) + ")", console::red);
    }

    private static String deployed(String at) {
        if (at == null || at.isEmpty()) return "-";
        String ago = Clock.ago(at);
        return ago.isEmpty() ? at : at + " (" + ago + ")";
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
