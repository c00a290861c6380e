package lib.clean;

import lib.core.Fail;
import lib.core.Json;
import lib.core.Parallel;
import lib.model.CurrentManifest;
import lib.model.DigestManifest;
import lib.model.Layout;
import lib.model.Names;
import lib.model.VerificationRecord;
import lib.registry.Registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Gathers what {@link RegistryCleanPlan} decides from: what the root names (release dirs through
 * {@link ReleaseDirs}, current manifests, verification records, digest files in release dirs) and
 * the repository's tags with their digests and ages, asked of the registry.
 */
public final class RegistryCleanInputs {
    private RegistryCleanInputs() {}

    static final String CREATED_LABEL = "org.opencontainers.image.created";
    private static final int PARALLEL = 8;

    /** What the root names of {@code repository}; a record that cannot be read fails the clean. */
    public static RegistryCleanPlan.References references(Layout layout, String repository, Function<String, String> lockedBy) {
        ReleaseDirs.Disk disk = ReleaseDirs.read(layout, ReleaseDirs.stackNames(layout), null, lockedBy, true);
        return RegistryCleanPlan.References.of(repository, disk.stacks, manifests(layout), verified(layout), digestFiles(layout, disk.stacks));
    }

    static Map<String, CurrentManifest> manifests(Layout layout) {
        Map<String, CurrentManifest> out = new LinkedHashMap<>();
        for (String n : ReleaseDirs.list(layout.currentDir())) {
            if (!n.endsWith(".json")) continue;
            String stack = n.substring(0, n.length() - 5);
            if (!Names.isStack(stack)) continue;
            out.put(stack, CurrentManifest.read(layout, stack));
        }
        return out;
    }

    static Map<String, VerificationRecord> verified(Layout layout) {
        Map<String, VerificationRecord> out = new LinkedHashMap<>();
        for (String tag : ReleaseDirs.list(layout.verifiedDir())) {
            if (Names.isTag(tag)) out.put(tag, VerificationRecord.read(layout, tag));
        }
        return out;
    }

    static Map<String, DigestManifest> digestFiles(Layout layout, List<CleanPlan.StackInput> stacks) {
        Map<String, DigestManifest> out = new LinkedHashMap<>();
        for (CleanPlan.StackInput s : stacks) {
            for (CleanPlan.Dir d : s.dirs) {
                Path f = layout.stackReleasesDir(s.stack).resolve(d.name).resolve(DigestManifest.FILE);
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    out.put(CleanPlan.key(s.stack, d.name), Json.read(f, DigestManifest.class, "digest file"));
            }
        }
        return out;
    }

    /** A manifest of a tag: its digest, the digest of its image config (null when it has none), and Last-Modified. */
    record Pointer(String tag, String digest, String config, String lastModified) {}

    /** Every tag of the repository with its digest and age, asked in parallel; tags that vanish meanwhile are left out. */
    public static List<RegistryCleanPlan.TagInfo> tags(Registry registry, String repository) {
        List<String> tags = registry.tags(repository);
        ExecutorService pool = Parallel.pool("registry-clean", PARALLEL);
        try {
            List<Future<Pointer>> pointers = new ArrayList<>();
            for (String tag : tags) pointers.add(pool.submit(() -> pointer(registry, repository, tag)));
            Map<String, Future<Instant[]>> configs = new LinkedHashMap<>();
            List<Pointer> found = new ArrayList<>();
            for (Future<Pointer> f : pointers) {
                Pointer p = get(f);
                if (p == null) continue;
                found.add(p);
                if (p.config() != null) configs.computeIfAbsent(p.config(), c -> pool.submit(() -> {
                    byte[] blob = registry.blob(repository, c);
                    return blob == null ? new Instant[2] : created(blob);
                }));
            }
            List<RegistryCleanPlan.TagInfo> out = new ArrayList<>();
            for (Pointer p : found) {
                Instant[] c = p.config() == null ? new Instant[2] : get(configs.get(p.config()));
                Instant pushed = httpDate(p.lastModified());
                Instant at = c[0] != null ? c[0] : c[1] != null ? c[1] : pushed;
                String from = c[0] != null ? "label" : c[1] != null ? "config" : pushed != null ? "pushed" : null;
                out.add(new RegistryCleanPlan.TagInfo(p.tag(), p.digest(), at, from));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Pointer pointer(Registry registry, String repository, String tag) {
        Registry.Manifest m = registry.manifest(repository, tag);
        if (m == null) return null;
        JsonNode n = Json.tree(new String(m.body(), StandardCharsets.UTF_8));
        String config = configDigest(n);
        String child = config == null ? childDigest(n) : null;
        if (child != null) {
            Registry.Manifest c = registry.manifest(repository, child);
            if (c != null) config = configDigest(Json.tree(new String(c.body(), StandardCharsets.UTF_8)));
        }
        return new Pointer(tag, m.digest(), config, m.lastModified());
    }

    /** The config blob digest of an image manifest; null for an index or an old schema-1 manifest. */
    public static String configDigest(JsonNode manifest) {
        String d = manifest.path("config").path("digest").asText(null);
        return Names.isDigest(d) ? d : null;
    }

    /** The manifest of an index that stands for its age: linux/amd64 when there is one, else the first. */
    public static String childDigest(JsonNode index) {
        String first = null;
        for (JsonNode m : index.path("manifests")) {
            String d = m.path("digest").asText(null);
            if (!Names.isDigest(d)) continue;
            JsonNode p = m.path("platform");
            if ("linux".equals(p.path("os").asText()) && "amd64".equals(p.path("architecture").asText())) return d;
            if (first == null && !"unknown".equals(p.path("os").asText())) first = d;
        }
        return first;
    }

    /**
     * When an image was made, from its config blob: {label, created field}, each null when absent,
     * unreadable, or the zero time of a reproducible build.
     */
    public static Instant[] created(byte[] config) {
        Instant[] out = new Instant[2];
        try {
            JsonNode n = Json.tree(new String(config, StandardCharsets.UTF_8));
            out[0] = instant(n.path("config").path("Labels").path(CREATED_LABEL).asText(null));
            out[1] = instant(n.path("created").asText(null));
        } catch (Fail e) {
            return out;
        }
        return out;
    }

    /** An RFC 3339 time, or null when unparseable or not after 1970-01-01 (a zeroed timestamp). */
    static Instant instant(String s) {
        if (s == null || s.isBlank()) return null;
        Instant t;
        try {
            t = OffsetDateTime.parse(s.strip()).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
        return t.isAfter(Instant.EPOCH.plusSeconds(86400)) ? t : null;
    }

    static Instant httpDate(String s) {
        if (s == null) return null;
        try {
            return ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static <T> T get(Future<T> f) {
        return Parallel.await(f, "the registry");
    }
}
