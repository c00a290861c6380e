package lib.status;

import lib.cli.Console;
import lib.core.Fail;
import lib.engine.ComposeFile;
import lib.engine.Container;
import lib.engine.Drift;
import lib.engine.Engine;
import lib.engine.Engines;
import lib.engine.Health;
import lib.engine.Running;
import lib.engine.ServiceImages;
import lib.model.CurrentManifest;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackLock;
import lib.model.StackSettings;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Everything known about one stack now: its link, its manifest, the release dir they name, the
 * containers the engine runs for it, their health, and whether all of these agree. Gathering never
 * fails on a broken stack: every inconsistency becomes a line in {@link #problems}, every
 * difference between the release and the containers a {@link Drift.Difference}. Read-only.
 */
public final class StackState {
    public String stack;
    public String env;
    public String image_tag;
    public String image_ref;
    public String image_digest;
    /** The release that was checked: the manifest's, else the link's. */
    public String release_id;
    public String release_dir;
    public String deployed_at_utc;
    public String actor;
    public String run_id;
    public Boolean break_glass;
    public String break_glass_reason;
    public String link;
    /** What the link points at, as written in it. */
    public String link_target;
    public String link_release_id;
    public String manifest_file;
    public boolean manifest_present;
    /** healthy, starting, unhealthy, or unknown (the engine could not be asked). */
    public String health;
    public List<String> health_problems = new ArrayList<>();
    /** True when link, manifest, release dir and containers agree; null when the engine could not be asked. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public Boolean consistent;
    /** Inconsistencies between the link, the manifest and the release dirs. */
    public List<String> problems = new ArrayList<>();
    /**
     * Differences between the release and the running containers; null when the engine could not be
     * asked or there is no release to compare with.
     */
    public List<Drift.Difference> drift;
    public List<ContainerView> containers = new ArrayList<>();
    /** A deploy or rollback of the stack holds its lock now (its state may be changing). */
    public boolean locked;
    /** What holds the lock, as "deploy in progress (pid, actor, since)"; null when nothing does. */
    public String in_progress;

    @JsonIgnore public CurrentManifest manifest;
    @JsonIgnore public Health.Report report;
    @JsonIgnore public StackSettings settings;
    /** The release dir checked against, when it exists. */
    @JsonIgnore public Path releaseDir;
    /** The stack's engine, or null when it could not be asked. */
    @JsonIgnore public Engine engine;
    /** Why the engine could not be asked, or null. */
    @JsonIgnore public String engineError;
    /** The release's facts (release.json), when its dir has readable ones. */
    @JsonIgnore public Release release;
    /** The images the manifest pins (else the release's), or null. */
    @JsonIgnore public Map<String, ImageRef> pinned;
    /** What is worth knowing and is not a disagreement: containers of the stack under an old compose project. */
    public List<String> notes = new ArrayList<>();

    public static class ContainerView {
        public String name;
        public String service;
        public String image;
        public String state;
        public String health;
        /** False when the container is part of a drift; null when there is no release to compare with. */
        public Boolean matches;
        /** The compose project of a container the stack has under an old project; absent for its own. */
        public String foreign_project;
        /**
         * For a service of a start-first rollout: "serving", "starting (new)" (not serving yet),
         * "serving (old)" (the one a rollout replaces), "not serving (left over)"; absent otherwise.
         */
        public String role;
    }

    /** The stacks under the root: links in stacks/ and manifests in releases/current/, sorted. */
    public record Listing(List<String> stacks, List<String> warnings) {}

    public static Listing list(Layout layout) {
        TreeSet<String> names = new TreeSet<>();
        List<String> warnings = new ArrayList<>();
        for (Path p : entries(layout.stacksDir(), warnings)) {
            String n = p.getFileName().toString();
            if (n.startsWith(".")) continue;
            if (Names.isStack(n)) names.add(n);
            else warnings.add("ignoring " + p + ": not a stack name");
        }
        for (Path p : entries(layout.currentDir(), warnings)) {
            String n = p.getFileName().toString();
            if (n.startsWith(".")) continue;
            String base = n.endsWith(".json") ? n.substring(0, n.length() - 5) : null;
            if (base != null && Names.isStack(base)) names.add(base);
            else warnings.add("ignoring " + p + ": not a manifest of a stack");
        }
        return new Listing(new ArrayList<>(names), warnings);
    }

    /** True when the root has a link or a manifest for {@code stack}. */
    public static boolean known(Layout layout, String stack) {
        return Files.exists(layout.stackLink(stack), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(layout.manifest(stack), LinkOption.NOFOLLOW_LINKS);
    }

    private static List<Path> entries(Path dir, List<String> warnings) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            warnings.add("cannot list " + dir + ": " + e.getMessage());
            return List.of();
        }
    }

    /** Gathers the state of {@code stack}; never fails on an inconsistent stack. */
    public static StackState gather(Layout layout, String stack, Engines engines, Console console) {
        return gatherAll(layout, List.of(stack), engines, console).get(0);
    }

    /** HTTP checks of different stacks run side by side, at most this many at once. */
    static final int HTTP_CHECKS = 8;

    /**
     * Gathers the state of every stack in {@code stacks}, in their order: what the disk says of each,
     * then one reading of each engine for all its stacks ({@link Engine#look}: a fixed number of
     * queries whatever the number of stacks, no compose process), then each stack judged from it,
     * the HTTP checks of different stacks side by side. Never fails on an inconsistent stack.
     */
    public static List<StackState> gatherAll(Layout layout, List<String> stacks, Engines engines, Console console) {
        // most stacks run on compose: its reading of all of them starts at once, beside the disk reads
        Map<String, Path> homes = new LinkedHashMap<>();
        for (String stack : stacks) homes.put(stack, layout.stackReleasesDir(stack));
        Engine compose = null;
        java.util.concurrent.Future<Object> early = null;
        try {
            compose = engines.of(defaultSettings());
            Engine first = compose;
            early = EARLY.submit(() -> look(first, homes));
        } catch (Fail f) {
            // no default engine: each stack's own is asked below
        }
        // the disk reads of many stacks are spread over the cores (each stack's are independent)
        List<StackState> states = stacks.size() < 8 ? new ArrayList<>(stacks.stream().map(st -> disk(layout, st)).toList())
                : new ArrayList<>(stacks.parallelStream().map(st -> disk(layout, st)).toList());
        Map<Engine, Map<String, Path>> byEngine = new LinkedHashMap<>();
        for (StackState s : states) {
            try {
                s.engine = engines.of(s.settings);
                byEngine.computeIfAbsent(s.engine, k -> new LinkedHashMap<>()).put(s.stack, homes.get(s.stack));
            } catch (Fail f) {
                unknown(s, f.oneLine());
            }
        }
        Map<Engine, Object> seen = new HashMap<>();
        for (var e : byEngine.entrySet()) {
            seen.put(e.getKey(), e.getKey() == compose ? lib.core.Parallel.await(early, "the engine") : look(e.getKey(), e.getValue()));
        }
        List<Runnable> slow = new ArrayList<>();
        for (StackState s : states) {
            if (s.engine == null) continue;
            Object r = seen.get(s.engine);
            if (r instanceof Fail f) {
                unknown(s, f.oneLine());
                s.engine = null;
                continue;
            }
            Running running = r instanceof Running x ? x : null;
            Runnable judge = () -> judge(s, running, console);
            if (s.settings.health.http.isEmpty()) judge.run();
            else slow.add(judge);
        }
        runBounded(slow, HTTP_CHECKS);
        for (StackState s : states) finish(s);
        return states;
    }

    private static final Object NOT_READ = new Object();
    private static final java.util.concurrent.ExecutorService EARLY = lib.core.Parallel.pool("status-engine", 1);

    /** What {@code engine} runs for {@code homes}: a {@link Running}, {@link #NOT_READ}, or the {@link Fail} that asking it ended in. */
    private static Object look(Engine engine, Map<String, Path> homes) {
        try {
            Running r = engine.look(homes);
            return r == null ? NOT_READ : r;
        } catch (Fail f) {
            return f;
        }
    }

    /** Runs {@code work} on at most {@code threads} threads and waits for all of it. */
    private static void runBounded(List<Runnable> work, int threads) {
        if (work.isEmpty()) return;
        if (work.size() == 1) {
            work.get(0).run();
            return;
        }
        java.util.concurrent.ExecutorService pool = lib.core.Parallel.pool("status-checks", Math.min(threads, work.size()));
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (Runnable w : work) done.add(pool.submit(w));
            for (java.util.concurrent.Future<?> f : done) lib.core.Parallel.await(f, "the health checks");
        } finally {
            pool.shutdown();
        }
    }

    /** What the disk says of {@code stack}: link, manifest, lock, release dir, settings. */
    private static StackState disk(Layout layout, String stack) {
        StackState s = new StackState();
        s.stack = Names.stack(stack);
        readLink(layout, s);
        readManifest(layout, s);
        compareLinkAndManifest(s);
        s.locked = StackLock.isHeld(layout, stack);
        if (s.locked) s.in_progress = inProgress(layout, stack, s.manifest);
        else if (s.manifest != null && s.manifest.activating())
            s.problems.add("the " + (s.manifest.action == null ? "deploy" : s.manifest.action) + " of " + s.manifest.release_id
                    + " was interrupted during its activation (its process is gone); the next deploy or rollback puts "
                    + (s.manifest.previous_release_id == null ? "the stack back to no release" : s.manifest.previous_release_id + " back"));

        CurrentManifest m = s.manifest;
        String rid = null;
        if (m != null && Names.isReleaseId(m.release_id) && isDir(layout.releaseDir(stack, m.release_id))) rid = m.release_id;
        else if (m == null && s.link_release_id != null && isDir(layout.releaseDir(stack, s.link_release_id))) rid = s.link_release_id;
        s.release_id = m != null ? m.release_id : s.link_release_id;
        s.releaseDir = rid == null ? null : layout.releaseDir(stack, rid);
        s.release_dir = s.releaseDir != null ? s.releaseDir.toString() : m != null ? m.release_dir : null;

        s.pinned = m != null ? m.images : null;
        String unreadable = null;
        if (s.releaseDir != null) {
            try {
                s.release = Release.readOrLegacy(s.releaseDir, stack);
            } catch (Fail f) {
                unreadable = f.oneLine();
            }
        }
        if (m == null && s.releaseDir != null) {
            Release r = s.release;
            if (unreadable != null) {
                s.problems.add(unreadable);
            } else if (r != null) {
                s.pinned = r.images;
                s.env = r.env;
                s.image_tag = r.tag;
                ImageRef p = ImageRef.primary(r.images);
                if (p != null) {
                    s.image_ref = p.ref;
                    s.image_digest = p.digest;
                }
            } else {
                s.problems.add("release dir " + s.releaseDir + " has no " + Release.FILE);
            }
        }
        if (s.env == null) s.env = StackSettings.environmentFromName(stack);
        s.settings = settings(s);
        return s;
    }

    /** Health and drift of one stack from what its engine runs ({@code seen}: null, ask the engine now). */
    private static void judge(StackState s, Running seen, Console console) {
        try {
            Map<String, ImageRef> releasePins = s.release != null && s.release.images != null ? s.release.images : Map.of();
            s.report = new Health(s.engine, console).check(seen, s.stack, s.releaseDir, s.settings, releasePins);
            ServiceImages services = null;
            if (s.releaseDir != null) {
                try {
                    ServiceImages recorded = s.release != null ? ServiceImages.recorded(s.release) : null;
                    services = recorded != null ? recorded : s.engine.serviceImages(s.stack, s.releaseDir);
                } catch (ComposeFile.Unsupported u) {
                    services = null;
                } catch (Fail f) {
                    s.problems.add(f.oneLine());
                }
            }
            boolean comparable = services != null || (s.pinned != null && !s.pinned.isEmpty());
            s.drift = comparable ? Drift.compute(services == null ? null : services.images(),
                    services == null ? null : services.optional(), s.pinned, s.report.containers()) : null;
            s.health = healthWord(s.report);
            s.health_problems = new ArrayList<>(s.report.problems());
            for (Container c : s.report.containers()) {
                s.containers.add(view(c, s.drift));
                if (c.foreign_project != null)
                    s.notes.add(c.name + " belongs to an old compose project " + Names.quote(c.foreign_project) + " (" + c.state
                            + (c.working_dir == null ? "" : ", started in " + c.working_dir) + ")");
            }
        } catch (Fail f) {
            unknown(s, f.oneLine());
        }
    }

    /** Whether link, manifest, release and containers agree, once everything is known. */
    private static void finish(StackState s) {
        s.consistent = !s.problems.isEmpty() ? Boolean.FALSE : s.drift == null ? null : s.drift.isEmpty();
        // while a deploy or rollback changes the stack, a difference is a step of it, not a disagreement
        if (s.locked && !Boolean.TRUE.equals(s.consistent)) s.consistent = null;
    }

    /** "deploy in progress (pid, actor, since)", from the lock's owner record and the manifest's state. */
    private static String inProgress(Layout layout, String stack, CurrentManifest m) {
        StackLock.Owner o = StackLock.owner(layout, stack);
        String what = o == null || o.command == null ? "a deploy or rollback" : o.command.split(" ")[0];
        String who = o == null ? "" : " (pid " + o.pid + ", " + o.actor + ", since " + o.since + ")";
        String step = m != null && m.activating() ? "; activating " + m.release_id : "";
        return what + " in progress" + who + step;
    }

    private static void readLink(Layout layout, StackState s) {
        Path link = layout.stackLink(s.stack);
        s.link = link.toString();
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isSymbolicLink(link)) {
            try {
                s.link_target = Files.readSymbolicLink(link).toString();
            } catch (IOException e) {
                s.problems.add("cannot read the link " + link + ": " + e.getMessage());
                return;
            }
        }
        try {
            s.link_release_id = layout.currentReleaseId(s.stack);
        } catch (Fail f) {
            s.problems.add(f.oneLine());
            return;
        }
        Path dir = layout.releaseDir(s.stack, s.link_release_id);
        if (!isDir(dir)) s.problems.add("the link " + link + " points at release " + s.link_release_id + " whose dir " + dir + " is missing");
    }

    private static void readManifest(Layout layout, StackState s) {
        Path file = layout.manifest(s.stack);
        s.manifest_file = file.toString();
        CurrentManifest m;
        try {
            m = CurrentManifest.read(layout, s.stack);
        } catch (Fail f) {
            s.problems.add("the manifest is unreadable: " + f.oneLine());
            return;
        }
        if (m == null) return;
        s.manifest = m;
        s.manifest_present = true;
        s.env = m.env;
        s.image_tag = m.image_tag;
        s.image_ref = m.image_ref;
        s.image_digest = m.image_digest;
        s.deployed_at_utc = m.deployed_at_utc;
        s.actor = m.actor;
        s.run_id = m.run_id;
        s.break_glass = m.break_glass;
        s.break_glass_reason = m.break_glass_reason;
        if (!s.stack.equals(m.stack)) s.problems.add("the manifest " + file + " names another stack " + Names.quote(m.stack));
        if (!Names.isReleaseId(m.release_id)) {
            s.problems.add("the manifest " + file + " names an invalid release " + Names.quote(m.release_id));
        } else {
            Path dir = layout.releaseDir(s.stack, m.release_id);
            if (!isDir(dir)) s.problems.add("the manifest names release " + m.release_id + " but its dir " + dir + " is missing");
        }
        if (m.images == null || m.images.isEmpty()) s.problems.add("the manifest " + file + " pins no images");
    }

    private static void compareLinkAndManifest(StackState s) {
        boolean hasLink = s.link_target != null || s.link_release_id != null;
        boolean manifestUnreadable = s.problems.stream().anyMatch(p -> p.startsWith("the manifest is unreadable"));
        if (s.manifest == null && hasLink && !manifestUnreadable)
            s.problems.add("the link points at " + (s.link_release_id != null ? s.link_release_id : s.link_target)
                    + " but there is no manifest " + s.manifest_file);
        if (s.manifest != null && !hasLink && !Files.exists(Path.of(s.link), LinkOption.NOFOLLOW_LINKS))
            s.problems.add("the manifest says " + s.manifest.release_id + " but there is no link " + s.link);
        if (s.manifest != null && s.link_release_id != null && !s.link_release_id.equals(s.manifest.release_id))
            s.problems.add("the link points at " + s.link_release_id + " but the manifest says " + s.manifest.release_id);
    }

    private static StackSettings settings(StackState s) {
        if (s.releaseDir != null) {
            try {
                return StackSettings.load(s.releaseDir);
            } catch (Fail f) {
                s.problems.add(f.oneLine());
            }
        }
        return defaultSettings();
    }

    /** The settings of a stack without stack.json. */
    private static StackSettings defaultSettings() {
        StackSettings d = new StackSettings();
        d.validate(Path.of(StackSettings.FILE));
        return d;
    }

    private static void unknown(StackState s, String why) {
        s.health = "unknown";
        s.health_problems = new ArrayList<>(List.of("cannot ask the engine: " + why));
        s.engineError = why;
        s.drift = null;
    }

    static String healthWord(Health.Report r) {
        if (r.healthy()) return "healthy";
        boolean starting = r.containers().stream().anyMatch(c -> "starting".equals(c.health));
        return !r.settled() && starting ? "starting" : "unhealthy";
    }

    private static ContainerView view(Container c, List<Drift.Difference> drift) {
        ContainerView v = new ContainerView();
        v.name = c.name;
        v.service = c.service;
        v.image = c.image_ref;
        v.state = c.state;
        v.health = c.health;
        v.matches = drift == null ? null : drift.stream().noneMatch(d -> c.name.equals(d.container));
        v.foreign_project = c.foreign_project;
        v.role = c.role;
        return v;
    }

    private static boolean isDir(Path p) {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }
}
