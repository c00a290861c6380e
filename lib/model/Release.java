package lib.model;

import lib.core.AtomicFiles;
import lib.core.Clock;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Json;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A solidified release: a copy of the stack source in releases/stacks/STACK/RELEASE_ID, with the
 * pinned image references written into its .env and its facts in release.json. The copy is built
 * under a temp name and renamed into place, so a release dir is either complete or absent.
 */
public class Release {
    public static final String FILE = "release.json";
    /** The release's manifest while (and after) it is live; see {@link CurrentManifest}. */
    public static final String MANIFEST = ".manifest.json";
    /** Written into a release dir when the release first ran healthy (deploy or rollback). */
    public static final String SUCCEEDED = ".succeeded";
    /** Prefix of a release dir being copied: {@code .partial-RELEASE_ID-PID}, renamed into place when complete. */
    public static final String PARTIAL = ".partial-";

    /** What {@link #SUCCEEDED} holds. */
    public static class Success {
        public String at_utc;
        public String action;
        public String actor;
    }

    public String stack;
    public String env;
    public String tag;
    public String release_id;
    public Map<String, ImageRef> images = new LinkedHashMap<>();
    public String created_at_utc;
    public String actor;
    public String source_dir;
    /** compose or swarm (stack.json "engine" when the release was made); null in older releases: compose. */
    public String engine;
    /**
     * What each service runs, as compose resolved the release's compose file and .env when it was
     * deployed; null in older releases and before the deploy's image step.
     */
    public Map<String, Service> services;
    /** How {@link #services} was made: "compose file" (read in Java) or "compose config". */
    public String services_from;

    /** One service of the release: its image (null: built locally), optional when behind a profile. */
    public static class Service {
        public String image;
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
        public boolean optional;
    }

    /** Reads release.json of a release dir; null when it is missing (an incomplete or foreign dir). */
    public static Release read(Path releaseDir) {
        return Json.read(releaseDir.resolve(FILE), Release.class, "release file");
    }

    /** Set on the facts of a release dir another tool made ({@link #legacy}); never written. */
    @com.fasterxml.jackson.annotation.JsonIgnore public boolean legacy;

    /**
     * The facts of a release dir made by another tool (the source documents' shell scripts): a compose
     * file and a .env, no release.json. Its tag and time come from its id, its pinned images from the
     * .env (tag as in the id); null when {@code releaseDir} holds no compose file.
     */
    public static Release legacy(Path releaseDir, String stack) {
        if (!Files.isRegularFile(releaseDir.resolve(Layout.COMPOSE_FILE), LinkOption.NOFOLLOW_LINKS)) return null;
        String id = releaseDir.getFileName().toString();
        Release r = new Release();
        r.legacy = true;
        r.stack = stack;
        r.release_id = id;
        r.tag = Names.tagOfRelease(id);
        r.created_at_utc = timeOf(id);
        r.images = new LinkedHashMap<>();
        for (var e : DotEnv.pinnedImages(DotEnv.read(releaseDir)).entrySet())
            r.images.put(e.getKey(), new ImageRef(e.getValue().repository, r.tag, e.getValue().digest));
        return r;
    }

    /** The release's facts: its release.json, else what {@link #legacy} reads; null when neither tells. */
    public static Release readOrLegacy(Path releaseDir, String stack) {
        Release r = read(releaseDir);
        return r != null ? r : legacy(releaseDir, stack);
    }

    /** The time in a release id, as 2026-01-31T12:00:00Z. */
    public static String timeOf(String releaseId) {
        String rest = releaseId.substring(releaseId.lastIndexOf("__") + 2);
        String ts = rest.length() >= 16 ? rest.substring(0, 16) : rest;
        return ts.substring(0, 4) + "-" + ts.substring(4, 6) + "-" + ts.substring(6, 8) + "T" + ts.substring(9, 11) + ":"
                + ts.substring(11, 13) + ":" + ts.substring(13, 15) + "Z";
    }

    /**
     * Adds what each service runs ({@code from}: how it was read) to the release.json of
     * {@code releaseDir}, atomically; the file's other fields stay as they are.
     */
    public static void recordServices(Path releaseDir, Map<String, Service> services, String from) {
        Path file = releaseDir.resolve(FILE);
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = Json.tree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!(tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) throw Fail.failed(file + " is not a JSON object");
        o.set("services", Json.MAPPER.valueToTree(services));
        o.put("services_from", from);
        Json.writeAtomic(file, o);
    }

    /** Marks the release as having run healthy; the first success is kept. */
    public static void markSucceeded(Path releaseDir, String action, String actor) {
        if (Files.exists(releaseDir.resolve(SUCCEEDED))) return;
        Success ok = new Success();
        ok.at_utc = Clock.nowUtc();
        ok.action = action;
        ok.actor = actor;
        Json.writeAtomic(releaseDir.resolve(SUCCEEDED), ok);
    }

    /** When the release first ran healthy, or null (never, or a release made by other tools). */
    public static Success succeeded(Path releaseDir) {
        try {
            return Json.read(releaseDir.resolve(SUCCEEDED), Success.class, "release success marker");
        } catch (Fail f) {
            return null;
        }
    }

    /** A fresh release id for {@code tag}: tag__yyyyMMddTHHmmssZ, with -2, -3... when taken. */
    public static String newReleaseId(Path stackReleases, String tag, Instant now) {
        String base = Names.tag(tag) + "__" + Clock.compact(now);
        String id = base;
        for (int n = 2; Files.exists(stackReleases.resolve(id), LinkOption.NOFOLLOW_LINKS); n++) id = base + "-" + n;
        return Names.releaseId(id);
    }

    /**
     * Copies {@code source} into a new release dir and pins the images in its .env.
     * Symlinks in the source are refused (a release must not depend on anything outside it).
     */
    public static Path solidify(Layout layout, Path source, Release facts) {
        Path dir = layout.stackReleasesDir(facts.stack);
        Path tmp = dir.resolve(PARTIAL + facts.release_id + "-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(dir);
            Map<String, Long> copied = copyTree(source, tmp);
            if (!copied.containsKey(Layout.COMPOSE_FILE) || !copied.equals(listTree(source)))
                throw Fail.failed(vanished(source));
            writeEnv(tmp.resolve(".env"), facts.images);
            writeSynced(tmp.resolve(FILE), Json.pretty(facts).getBytes(StandardCharsets.UTF_8));
            AtomicFiles.fsyncDir(tmp);
            Path target = dir.resolve(facts.release_id);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw Fail.failed("release dir " + target + " already exists");
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDir(dir);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            if (e instanceof Fail f) throw f;
            if (e instanceof java.nio.file.NoSuchFileException && !Files.isDirectory(source))
                throw Fail.failed(vanished(source) + " (" + e.getMessage() + " is gone)", e);
            throw Fail.failed("cannot create release " + facts.release_id + ": " + e.getMessage(), e);
        }
    }

    private static String vanished(Path source) {
        return "the stack source " + source + " changed or vanished while it was copied; nothing was deployed";
    }

    /** The .env of the source with each image variable set to its pinned reference. */
    static void writeEnv(Path envFile, Map<String, ImageRef> images) throws IOException {
        List<String> lines = Files.exists(envFile) ? new ArrayList<>(Files.readAllLines(envFile, StandardCharsets.UTF_8)) : new ArrayList<>();
        for (var e : images.entrySet()) {
            String line = e.getKey() + "=" + e.getValue().ref;
            boolean replaced = false;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).stripLeading();
                if (l.startsWith(e.getKey() + "=") || l.startsWith("export " + e.getKey() + "=")) {
                    lines.set(i, line);
                    replaced = true;
                }
            }
            if (!replaced) lines.add(line);
        }
        Files.deleteIfExists(envFile);
        writeSynced(envFile, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Copies the regular files of {@code from} (fsynced) and returns what was copied: relative path and size. */
    static Map<String, Long> copyTree(Path from, Path to) throws IOException {
        Map<String, Long> copied = new java.util.TreeMap<>();
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                if (a.isSymbolicLink())
                    throw Fail.usage("stack source contains a symlink " + f + "; releases must be self-contained");
                if (!a.isRegularFile()) return FileVisitResult.CONTINUE;
                Path t = to.resolve(from.relativize(f).toString());
                Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES);
                try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                copied.put(from.relativize(f).toString(), Files.size(t));
                if (copied.size() == 1) Faults.point("mid-copy");
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                AtomicFiles.fsyncDir(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
        return copied;
    }

    /** The regular files under {@code dir} now, as {@link #copyTree} reports them; a vanished dir has none. */
    static Map<String, Long> listTree(Path dir) throws IOException {
        Map<String, Long> files = new java.util.TreeMap<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return files;
        try (var s = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) files.put(dir.relativize(f).toString(), Files.size(f));
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return files;
    }

    static void writeSynced(Path file, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(content));
            ch.force(true);
        }
    }

    /** Deletes a directory tree without following symlinks; quiet when it is absent. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw Fail.failed("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Release ids of a stack on disk (complete ones, with release.json), oldest first by their timestamp. */
    public static List<String> listIds(Layout layout, String stack) {
        Path dir = layout.stackReleasesDir(stack);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            // each key once: comparing by a computed key would compute it at every comparison
            java.util.TreeMap<String, String> byKey = new java.util.TreeMap<>();
            s.map(p -> p.getFileName().toString()).filter(Names::isReleaseId).forEach(id -> byKey.put(sortKey(id), id));
            return List.copyOf(byKey.values());
        } catch (IOException e) {
            throw Fail.failed("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Timestamp first, then the uniqueness suffix, so ids sort by creation time whatever their tag. */
    public static String sortKey(String releaseId) {
        int i = releaseId.lastIndexOf("__");
        String rest = releaseId.substring(i + 2);
        int dash = rest.indexOf('-');
        String ts = dash < 0 ? rest : rest.substring(0, dash);
        int n = dash < 0 ? 1 : Integer.parseInt(rest.substring(dash + 1));
        String seq = Integer.toString(n);
        return ts + "00000".substring(Math.min(5, seq.length())) + seq + releaseId;
    }
}
