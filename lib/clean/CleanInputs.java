package lib.clean;

import lib.core.Exit;
import lib.core.Fail;
import lib.core.Json;
import lib.core.Proc;
import lib.core.Sizes;
import lib.engine.Compose;
import lib.engine.Container;
import lib.engine.Docker;
import lib.engine.Engine;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.HistoryScan;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackLock;
import lib.model.StackSettings;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Gathers what {@link CleanPlan} decides from: the release dirs under the root, the history, the engine. */
public final class CleanInputs {
    private CleanInputs() {}

    public static final String PARTIAL = ".partial-";
    public static final String DELETING = ".deleting-";
    private static final Pattern COMPOSE_IMAGE = Pattern.compile("^\\s*image:\\s*[\"']?([^\"'\\s#]+)[\"']?\\s*(?:#.*)?$");

    /** One row of `docker system df`. */
    public static class DfRow {
        public String type;
        public String total_count;
        public String active;
        public String size;
        public String reclaimable;
    }

    /** Disk usage: the engine's figures and the size of the release dirs. */
    public static class Usage {
        public List<DfRow> docker = new ArrayList<>();
        public String release_dirs;
        public long release_dirs_bytes;
        public Boolean estimated;
    }

    /** What the engine has: images, containers, disk usage. */
    public static final class Engine {
        public final List<CleanPlan.LocalImage> images;
        public final List<CleanPlan.Use> containers;
        public final List<DfRow> df;

        Engine(List<CleanPlan.LocalImage> images, List<CleanPlan.Use> containers, List<DfRow> df) {
            this.images = images;
            this.containers = containers;
            this.df = df;
        }
    }

    /** The disk side: every stack with its dirs, and the sizes measured on the way. */
    public static final class Disk {
        public final List<CleanPlan.StackInput> stacks;
        public final long releaseDirsBytes;
        /** {@link CleanPlan#key} of the release dirs with a success marker ({@link Release#SUCCEEDED}). */
        public final Set<String> marked;

        Disk(List<CleanPlan.StackInput> stacks, long releaseDirsBytes, Set<String> marked) {
            this.stacks = stacks;
            this.releaseDirsBytes = releaseDirsBytes;
            this.marked = marked;
        }
    }

    /** Stack names under the root: release dirs, links and lock files. */
    public static List<String> stackNames(Layout layout) {
        TreeSet<String> names = new TreeSet<>();
        for (String n : list(layout.allStackReleasesDir())) if (isStack(n) && Files.isDirectory(layout.allStackReleasesDir().resolve(n), LinkOption.NOFOLLOW_LINKS)) names.add(n);
        for (String n : list(layout.stacksDir())) if (isStack(n)) names.add(n);
        for (String n : list(layout.locksDir())) {
            if (n.endsWith(".lock") && isStack(n.substring(0, n.length() - 5))) names.add(n.substring(0, n.length() - 5));
        }
        return new ArrayList<>(names);
    }

    /** True when the root has a release dir, a link or a lock of {@code stack}. */
    public static boolean known(Layout layout, String stack) {
        return Files.exists(layout.stackReleasesDir(stack), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(layout.stackLink(stack), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Reads every stack: its live release (a link pointing outside its releases fails here, before
     * anything is deleted), its keep count, its dirs with their images and sizes.
     *
     * @param lockedBy     who holds a stack's lock (null when free)
     * @param composeRefs  also read the literal image references of each release's compose file
     */
    public static Disk disk(Layout layout, List<String> stacks, Integer keepOption, Function<String, String> lockedBy,
                            boolean composeRefs) {
        Map<String, Long> sizes = new HashMap<>();
        long total = sizes(layout.allStackReleasesDir(), sizes);
        List<CleanPlan.StackInput> out = new ArrayList<>();
        Set<String> marked = new java.util.HashSet<>();
        for (String stack : stacks) {
            String live = layout.currentReleaseId(stack);
            StackSettings settings = null;
            if (live != null && Files.isDirectory(layout.releaseDir(stack, live))) settings = StackSettings.load(layout.releaseDir(stack, live));
            int keep = keepOption != null ? keepOption
                    : settings != null && settings.keep_releases != null ? settings.keep_releases : CleanPlan.DEFAULT_KEEP;
            Set<String> repos = new LinkedHashSet<>();
            if (settings != null) for (StackSettings.Image i : settings.images) if (i.repository != null) repos.add(i.repository);
            List<CleanPlan.Dir> dirs = new ArrayList<>();
            Path dir = layout.stackReleasesDir(stack);
            for (String name : list(dir)) {
                Path p = dir.resolve(name);
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue;
                }
                if (!a.isDirectory()) continue;
                CleanPlan.Kind kind;
                if (Names.isReleaseId(name)) kind = CleanPlan.Kind.RELEASE;
                else if (name.startsWith(PARTIAL) || name.startsWith(DELETING)) kind = CleanPlan.Kind.LEFTOVER;
                else continue;
                // the pinned references of its .env are what compose runs when the release comes back;
                // release.json says the same and is read only when the .env pins nothing
                boolean complete = Files.exists(p.resolve(Release.FILE), LinkOption.NOFOLLOW_LINKS);
                Map<String, ImageRef> images = pinnedInEnv(p.resolve(".env"));
                if (images.isEmpty() && complete) {
                    Release r = readRelease(p);
                    if (r != null) images = r.images;
                }
                if (kind == CleanPlan.Kind.RELEASE && !complete) kind = CleanPlan.Kind.INCOMPLETE;
                if (kind != CleanPlan.Kind.LEFTOVER && Files.exists(p.resolve(Release.SUCCEEDED), LinkOption.NOFOLLOW_LINKS))
                    marked.add(CleanPlan.key(stack, name));
                List<String> compose = composeRefs && kind != CleanPlan.Kind.LEFTOVER ? composeImages(p.resolve(Compose.FILE)) : List.of();
                dirs.add(new CleanPlan.Dir(name, kind, a.lastModifiedTime().toInstant(), sizes.getOrDefault(stack + "/" + name, 0L),
                        images, compose));
            }
            out.add(new CleanPlan.StackInput(stack, live, lockedBy.apply(stack), keep, dirs, repos));
        }
        return new Disk(out, total, marked);
    }

    /**
     * Which releases of {@code stacks} ran successfully: those with a success marker, and those the
     * history has a success record for, from one backwards read of it for the others only.
     */
    public static Set<String> successful(Layout layout, List<CleanPlan.StackInput> stacks, Set<String> marked) {
        Map<String, List<String>> wanted = new LinkedHashMap<>();
        Set<String> out = new java.util.HashSet<>();
        for (CleanPlan.StackInput s : stacks) {
            List<String> ids = new ArrayList<>();
            for (CleanPlan.Dir d : s.dirs) {
                if (d.kind == CleanPlan.Kind.LEFTOVER) continue;
                if (marked.contains(CleanPlan.key(s.stack, d.name))) out.add(CleanPlan.key(s.stack, d.name));
                else ids.add(d.name);
            }
            wanted.put(s.stack, ids);
        }
        CleanPlan.SuccessSearch search = new CleanPlan.SuccessSearch(wanted);
        if (!search.done()) {
            HistoryScan.newestFirst(layout.historyLog(), (buf, from, to) -> {
                HistoryRecord r = quickRecord(buf, from, to, search::wants);
                return r == null || search.accept(r);
            });
        }
        out.addAll(search.found());
        return out;
    }

    private static final HistoryScan.Needle RELEASE_ID_KEY = new HistoryScan.Needle("\"release_id\"");
    private static final HistoryScan.Needle AT_UTC_KEY = new HistoryScan.Needle("\"at_utc\"");

    /** {@link #quickRecord(byte[], int, int, java.util.function.Predicate)} of one line of text. */
    public static HistoryRecord quickRecord(String line, Set<String> wanted) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return quickRecord(b, 0, b.length, wanted::contains);
    }

    /**
     * A history line as far as the search for successful releases needs it: the full record when
     * the line names a wanted release as its release_id, else only its time (at_utc), read from the
     * bytes without a JSON parse: most lines of a long history are about releases no longer on disk.
     * Null for a torn or foreign line.
     */
    public static HistoryRecord quickRecord(byte[] b, int from, int to, java.util.function.Predicate<String> wanted) {
        while (from < to && HistoryScan.isSpace(b[from])) from++;
        while (to > from && HistoryScan.isSpace(b[to - 1])) to--;
        if (to - from < 2 || b[from] != '{' || b[to - 1] != '}') return null;
        for (int i = RELEASE_ID_KEY.indexIn(b, from, to); i >= 0; i = RELEASE_ID_KEY.indexIn(b, i + 1, to)) {
            String v = stringValue(b, i + RELEASE_ID_KEY.length(), to);
            if (v != null && wanted.test(v)) return HistoryLog.parse(new String(b, from, to - from, StandardCharsets.UTF_8));
        }
        HistoryRecord r = new HistoryRecord();
        int a = AT_UTC_KEY.indexIn(b, from, to);
        if (a >= 0) r.at_utc = stringValue(b, a + AT_UTC_KEY.length(), to);
        return r;
    }

    /** The plain string after a key ({@code : "value"}), or null when the value is something else. */
    private static String stringValue(byte[] b, int i, int to) {
        while (i < to && b[i] == ' ') i++;
        if (i >= to || b[i] != ':') return null;
        i++;
        while (i < to && b[i] == ' ') i++;
        if (i >= to || b[i] != '"') return null;
        int start = ++i;
        while (i < to && b[i] != '"') {
            if (b[i] == '\\') return null;
            i++;
        }
        return i >= to ? null : new String(b, start, i - start, StandardCharsets.UTF_8);
    }

    /**
     * Takes the lock of every stack under the root without waiting, so no deploy starts while a
     * clean deletes; the stacks whose lock another process holds go into {@code notLocked} with who
     * holds it. The caller closes the locks it got.
     */
    public static List<StackLock> lockAll(Layout layout, String actor, Map<String, String> notLocked) {
        List<StackLock> locks = new ArrayList<>();
        try {
            for (String stack : stackNames(layout)) {
                try {
                    locks.add(StackLock.acquire(layout, stack, actor, "clean-images", 0, null));
                } catch (Fail f) {
                    if (f.code != Exit.LOCKED) throw f;
                    StackLock.Owner o = StackLock.owner(layout, stack);
                    notLocked.put(stack, o == null ? "another process" : o.describe());
                }
            }
        } catch (RuntimeException e) {
            for (StackLock l : locks) l.close();
            throw e;
        }
        return locks;
    }

    /** Who holds the stack's lock now, or null. */
    public static String lockHolder(Layout layout, String stack) {
        if (!StackLock.isHeld(layout, stack)) return null;
        StackLock.Owner o = StackLock.owner(layout, stack);
        return o == null ? "another process" : o.describe();
    }

    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "clean-engine");
        t.setDaemon(true);
        return t;
    });

    /**
     * Images, containers and disk usage, asked of the engine in parallel; {@link #await} the answer.
     * What each image frees alone is asked only for the images a plan removes ({@link #uniqueSizes}):
     * on a big host `docker system df -v` is the slowest question.
     */
    public static Future<Engine> engineAsync() {
        Future<List<CleanPlan.LocalImage>> images = POOL.submit(CleanInputs::images);
        Future<List<CleanPlan.Use>> containers = POOL.submit(CleanInputs::containers);
        Future<List<DfRow>> df = POOL.submit(CleanInputs::df);
        return POOL.submit(() -> new Engine(get(images), get(containers), get(df)));
    }

    public static Engine await(Future<Engine> engine) {
        return get(engine);
    }

    /** `docker system df` alone, for the usage after a clean. */
    public static List<DfRow> diskUsageRows() {
        return df();
    }

    /** Disk usage now: `docker system df` and the size of the release dirs. */
    public static Usage usage(Layout layout, List<DfRow> df, long releaseDirsBytes) {
        Usage u = new Usage();
        u.docker = df;
        u.release_dirs = layout.allStackReleasesDir().toString();
        u.release_dirs_bytes = releaseDirsBytes;
        return u;
    }

    public static long releaseDirsBytes(Layout layout) {
        return sizes(layout.allStackReleasesDir(), new HashMap<>());
    }

    static List<CleanPlan.LocalImage> images() {
        Proc.Result ids = Proc.of(Docker.imageIds()).timeout(Duration.ofSeconds(60)).check("listing images");
        List<String> list = new ArrayList<>(new LinkedHashSet<>(Arrays.stream(ids.stdout().split("\\s+")).filter(s -> !s.isBlank()).toList()));
        if (list.isEmpty()) return List.of();
        // an image removed between the listing and the inspect is left out; the others still print
        Proc.Result r = Proc.of(Docker.imageInspect(list)).timeout(Duration.ofSeconds(60)).run();
        return parseImageInspect(r.stdout());
    }

    /** Parses the JSON array printed by `docker image inspect`. */
    public static List<CleanPlan.LocalImage> parseImageInspect(String json) {
        List<CleanPlan.LocalImage> out = new ArrayList<>();
        for (JsonNode n : Json.tree(json.isBlank() ? "[]" : json)) {
            List<String> tags = new ArrayList<>();
            for (JsonNode t : n.path("RepoTags")) tags.add(t.asText());
            List<String> digests = new ArrayList<>();
            for (JsonNode d : n.path("RepoDigests")) digests.add(d.asText());
            out.add(new CleanPlan.LocalImage(n.path("Id").asText(), tags, digests, n.path("Size").asLong(), null));
        }
        return out;
    }

    /** What removing each image alone frees (UniqueSize of `docker system df -v`), by image ID; empty when unknown. */
    public static Map<String, Long> uniqueSizes() {
        Map<String, Long> m = new HashMap<>();
        Proc.Result r = diskUsage(Docker.systemDfVerbose());
        if (!r.ok()) return m;
        for (String line : r.stdout().split("\n")) {
            if (line.isBlank()) continue;
            JsonNode root;
            try {
                root = Json.tree(line);
            } catch (Fail f) {
                continue;
            }
            for (JsonNode i : root.path("Images")) {
                Long unique = Sizes.parse(i.path("UniqueSize").asText());
                if (unique != null) m.putIfAbsent(i.path("ID").asText(), unique);
            }
        }
        return m;
    }

    static List<CleanPlan.Use> containers() {
        Proc.Result ids = Proc.of(Docker.allContainers()).timeout(Duration.ofSeconds(30)).check("listing containers");
        List<String> list = Arrays.stream(ids.stdout().split("\\s+")).filter(s -> !s.isBlank()).toList();
        if (list.isEmpty()) return List.of();
        Proc.Result r = Proc.of(Docker.inspect(list)).timeout(Duration.ofSeconds(30)).run();
        List<Container> found = Container.parseInspect(r.stdout());
        if (found.size() < list.size()) {
            // a container that vanished is fine; one that could not be inspected might use an image
            // (one created since the listing is not asked about: removing an image it uses fails)
            Proc.Result again = Proc.of(Docker.allContainers()).timeout(Duration.ofSeconds(30)).check("listing containers");
            Set<String> seen = new java.util.HashSet<>();
            for (Container c : found) seen.add(c.id);
            Set<String> listed = new java.util.HashSet<>(list);
            for (String id : again.stdout().split("\\s+")) {
                if (!id.isBlank() && listed.contains(id) && !seen.contains(id))
                    throw Fail.failed("cannot inspect container " + id + ": " + r.lastLine() + " (nothing was deleted)");
            }
        }
        List<CleanPlan.Use> out = new ArrayList<>();
        for (Container c : found) out.add(new CleanPlan.Use(c.id, c.name, c.image_id, c.image_ref));
        return out;
    }

    static List<DfRow> df() {
        Proc.Result r = diskUsage(Docker.systemDf());
        List<DfRow> out = new ArrayList<>();
        if (!r.ok()) return out;
        for (String line : r.stdout().split("\n")) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = Json.tree(line);
                DfRow d = new DfRow();
                d.type = n.path("Type").asText();
                d.total_count = n.path("TotalCount").asText();
                d.active = n.path("Active").asText();
                d.size = n.path("Size").asText();
                d.reclaimable = n.path("Reclaimable").asText();
                out.add(d);
            } catch (Fail ignored) {
            }
        }
        return out;
    }

    /** Runs a `docker system df`, waiting while another one runs (the engine refuses two at once). */
    private static Proc.Result diskUsage(List<String> command) {
        Proc.Result r = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            r = Proc.of(command).timeout(Duration.ofSeconds(120)).run();
            if (r.ok() || !r.stderr().contains("already running")) return r;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
        return r;
    }

    /** Literal image references of a compose file (values with ${...} are left out). */
    public static List<String> composeImages(Path composeFile) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(composeFile, StandardCharsets.UTF_8)) {
                Matcher m = COMPOSE_IMAGE.matcher(line);
                if (m.matches() && !m.group(1).contains("$")) out.add(m.group(1));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** The VAR=repo@sha256:... lines of a release's .env. */
    static Map<String, ImageRef> pinnedInEnv(Path envFile) {
        Map<String, ImageRef> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(envFile, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (l.startsWith("export ")) l = l.substring(7).strip();
                int eq = l.indexOf('=');
                if (eq <= 0 || l.startsWith("#")) continue;
                String value = l.substring(eq + 1).strip().replaceAll("^[\"']|[\"']$", "");
                try {
                    ImageRef ref = ImageRef.parsePinned(value, null);
                    if (ref != null) out.put(l.substring(0, eq).strip(), ref);
                } catch (Fail ignored) {
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    private static Release readRelease(Path dir) {
        try {
            Release r = Release.read(dir);
            return r == null || r.images == null ? null : r;
        } catch (Fail f) {
            return null;
        }
    }

    /** Sums file sizes under {@code top}, also per STACK/ENTRY into {@code perEntry}; 0 when absent. */
    static long sizes(Path top, Map<String, Long> perEntry) {
        long[] total = {0};
        if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) return 0;
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    long n = a.isSymbolicLink() ? 0 : a.size();
                    total[0] += n;
                    Path rel = top.relativize(f);
                    if (rel.getNameCount() >= 3) perEntry.merge(rel.getName(0) + "/" + rel.getName(1), n, Long::sum);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw Fail.failed("cannot measure " + top + ": " + e.getMessage(), e);
        }
        return total[0];
    }

    static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw Fail.failed("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isStack(String n) {
        try {
            Names.stack(n);
            return true;
        } catch (Fail f) {
            return false;
        }
    }

    private static <T> T get(Future<T> f) {
        return get(f, "the engine");
    }

    /** The answer of {@code f}; a Fail inside it as it is, anything else as a failure asking {@code whom}. */
    static <T> T get(Future<T> f, String whom) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Fail fail) throw fail;
            throw Fail.failed("asking " + whom + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Fail.failed("interrupted while asking " + whom);
        }
    }
}
