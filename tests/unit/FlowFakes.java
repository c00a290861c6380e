package unit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lib.cli.Console;
import lib.core.Fail;
import lib.engine.Container;
import lib.engine.Engine;
import lib.engine.ServiceImages;
import lib.flow.Context;
import lib.flow.Hooks;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.CurrentManifest;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.StackSettings;

/**
 * Stand-ins for the collaborators of the flows, for unit tests of their branches: an engine whose
 * releases are healthy or not as the test says and that records what it was asked, hooks that record
 * and fail on demand, a console that captures, a fixed clock. Files (root, history, release dirs) are
 * real, in a temp dir.
 */
final class FlowFakes {
    static final String REPO = "registry.example/team/app";

    final Path dir;
    final Layout layout;
    final Path source;
    final FakeEngine engine = new FakeEngine();
    final FakeHooks hooks = new FakeHooks();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final Context cx;

    FlowFakes(Path dir) {
        this.dir = dir;
        this.layout = new Layout(dir.resolve("root"));
        this.source = dir.resolve("src");
        Console console = new Console(false, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        var clock = java.time.Clock.offset(java.time.Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC),
                java.time.Duration.ZERO);
        this.cx = new Context(layout, console, "tester", "run-1", new HistoryLog(layout.historyLog(), clock), s -> engine, hooks,
                new TickingClock(), () -> {
                    throw Fail.failed("the registry is not asked in these tests");
                });
    }

    /** A clock one second later at every reading, so release ids differ without waiting. */
    static final class TickingClock extends java.time.Clock {
        private long second = Instant.parse("2026-03-01T10:00:00Z").getEpochSecond();

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public synchronized Instant instant() { return Instant.ofEpochSecond(second++); }
    }

    /** A stack source with a compose file and stack.json naming the environment and the repository. */
    String stack(String name, String env) {
        try {
            Path d = source.resolve(name);
            Files.createDirectories(d);
            Files.writeString(d.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
            Files.writeString(d.resolve("stack.json"), "{\"environment\": \"" + env + "\", \"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \""
                    + REPO + "\"}]}");
            return name;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A stack source like {@link #stack} whose stack.json asks for a start-first rollout of web. */
    String rolloutStack(String name, String env) {
        stack(name, env);
        try {
            Files.writeString(source.resolve(name).resolve("stack.json"), "{\"environment\": \"" + env + "\", \"images\": [{\"var\": \"IMAGE_REF\","
                    + " \"repository\": \"" + REPO + "\"}], \"rollout\": {\"services\": [\"web\"], \"drain_seconds\": 0}}");
            return name;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A digest file naming {@code tag} of the repository with a digest made of {@code c}. */
    Path digests(String tag, char c) {
        try {
            String digest = "sha256:" + String.valueOf(c).repeat(64);
            Path f = dir.resolve("digests-" + tag + ".json");
            Files.writeString(f, "{\"git_sha\": \"x\", \"images\": {\"app\": {\"tag\": \"" + tag + "\", \"ref\": \"" + REPO + "@" + digest
                    + "\", \"digest\": \"" + digest + "\"}}}");
            return f;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    String out() { return out.toString(StandardCharsets.UTF_8); }

    String err() { return err.toString(StandardCharsets.UTF_8); }

    List<HistoryRecord> history() {
        List<HistoryRecord> all = new ArrayList<>(cx.history().find(r -> true, 1000));
        java.util.Collections.reverse(all);
        return all;
    }

    /** The history as "action:outcome" words, oldest first. */
    List<String> historyWords() {
        return history().stream().map(r -> r.action + ":" + r.outcome).toList();
    }

    String link(String stack) {
        return layout.currentReleaseId(stack);
    }

    CurrentManifest manifest(String stack) {
        return CurrentManifest.read(layout, stack);
    }

    /** An engine that runs nothing: each release dir is healthy unless the test marked its tag unhealthy. */
    static class FakeEngine implements Engine {
        final List<String> calls = new ArrayList<>();
        final Set<String> unhealthyTags = new HashSet<>();
        final Map<String, Fail> failing = new HashMap<>();
        Path running;

        @Override public String name() { return COMPOSE; }
        @Override public void validate(String stack, Path sourceDir) {}
        @Override public String upDescription() { return "fake up"; }

        private void call(String what, Path dir) {
            calls.add(what + " " + (dir == null ? "" : dir.getFileName()));
            Fail f = failing.get(what);
            if (f != null) throw f;
        }

        @Override public void pull(String stack, Path releaseDir) { call("pull", releaseDir); }
        @Override public void ensureImages(List<String> refs) { call("ensure", null); }
        @Override public void up(String stack, Path releaseDir) {
            call("up", releaseDir);
            running = releaseDir;
        }
        @Override public void down(String stack, Path releaseDir) {
            call("down", releaseDir);
            running = null;
        }
        @Override public void promote(String stack, Path releaseDir, StackSettings settings) { call("promote", releaseDir); }

        @Override
        public Observation observe(String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
            Container c = new Container();
            c.name = stack + "-web-1";
            c.service = "web";
            c.state = "running";
            c.image_ref = pinned == null || pinned.isEmpty() ? null : pinned.values().iterator().next().ref;
            boolean bad = running == null || unhealthyTags.stream().anyMatch(t -> running.getFileName().toString().startsWith(t + "__"));
            if (running == null) return new Observation(List.of(), List.of("no containers run for " + stack), true);
            c.health = bad ? "unhealthy" : "healthy";
            return new Observation(List.of(c), bad ? List.of("web is unhealthy") : List.of(), bad);
        }

        @Override public List<String> events(String stack, String since, String until) { return List.of(); }
        @Override public ServiceImages serviceImages(String stack, Path releaseDir) { return null; }
        @Override public List<String> logs(Container c, int lines) { return List.of("true"); }
        @Override public String more(Container c) { return "nothing more"; }
    }

    /** Hooks that run nothing: each call is recorded; a hook named in {@code failing} fails. */
    static final class FakeHooks implements Hooks {
        final List<String> calls = new ArrayList<>();
        final Set<String> failing = new HashSet<>();

        @Override
        public boolean run(String name, String relPath, Path releaseDir, Map<String, String> vars, int timeoutSeconds, Console console) {
            calls.add(name + " " + vars.get("SEISEI_ACTION") + " " + releaseDir.getFileName());
            if (failing.contains(name)) throw Fail.failed(name + " hook failed (exit 1): backup disk full");
            return true;
        }
    }
}
