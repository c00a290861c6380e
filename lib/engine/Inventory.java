package lib.engine;

import lib.core.Fail;
import lib.core.Json;
import lib.core.Parallel;
import lib.core.Proc;
import lib.core.Sizes;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * What the engine holds: its images, every container, its disk usage. Each is read with a fixed
 * number of docker queries whatever their number (a listing of IDs, then one inspect of them all),
 * and no compose process. The parsers of docker's answers are pure.
 */
public final class Inventory {
    private Inventory() {}

    /** A local image: its ID, tags (repo:tag), repo@digest references and sizes. */
    public static final class Image {
        public final String id;
        public final List<String> tags;
        public final List<String> digests;
        public final long size;
        /** What removing it alone frees (docker system df -v), or null when unknown. */
        public final Long uniqueSize;

        public Image(String id, List<String> tags, List<String> digests, long size, Long uniqueSize) {
            this.id = id;
            this.tags = tags == null ? List.of() : tags;
            this.digests = digests == null ? List.of() : digests;
            this.size = size;
            this.uniqueSize = uniqueSize;
        }

        public List<String> references() {
            List<String> r = new ArrayList<>(tags);
            r.addAll(digests);
            return r;
        }
    }

    /** One row of `docker system df`. */
    public static class DfRow {
        public String type;
        public String total_count;
        public String active;
        public String size;
        public String reclaimable;
    }

    /** Images, containers and disk usage, read at about the same time. */
    public record Snapshot(List<Image> images, List<Container> containers, List<DfRow> df) {}

    private static final ExecutorService POOL = Parallel.pool("engine-inventory", 0);

    /**
     * Images, containers and disk usage, asked of the engine in parallel; {@link #await} the answer.
     * What each image frees alone is not among them ({@link #uniqueSizes}): on a big host
     * `docker system df -v` is the slowest question, asked only for the images that go.
     */
    public static Future<Snapshot> snapshotAsync() {
        Future<List<Image>> images = POOL.submit(Inventory::images);
        Future<List<Container>> containers = POOL.submit(Inventory::containers);
        Future<List<DfRow>> df = POOL.submit(Inventory::diskUsage);
        return POOL.submit(() -> new Snapshot(await(images), await(containers), await(df)));
    }

    public static <T> T await(Future<T> answer) {
        return Parallel.await(answer, "the engine");
    }

    /** Every image: tagged, pinned or dangling (not intermediate build layers). */
    public static List<Image> images() {
        Proc.Result ids = Proc.of(Docker.imageIds()).timeout(Duration.ofSeconds(60)).check("listing images");
        List<String> list = new ArrayList<>(new LinkedHashSet<>(words(ids.stdout())));
        if (list.isEmpty()) return List.of();
        // an image removed between the listing and the inspect is left out; the others still print
        Proc.Result r = Proc.of(Docker.imageInspect(list)).timeout(Duration.ofSeconds(60)).run();
        return parseImageInspect(r.stdout());
    }

    /** Parses the JSON array printed by `docker image inspect`. */
    public static List<Image> parseImageInspect(String json) {
        List<Image> out = new ArrayList<>();
        for (JsonNode n : Json.tree(json.isBlank() ? "[]" : json)) {
            List<String> tags = new ArrayList<>();
            for (JsonNode t : n.path("RepoTags")) tags.add(t.asText());
            List<String> digests = new ArrayList<>();
            for (JsonNode d : n.path("RepoDigests")) digests.add(d.asText());
            out.add(new Image(n.path("Id").asText(), tags, digests, n.path("Size").asLong(), null));
        }
        return out;
    }

    /**
     * Every container, running or not. One that vanished between the listing and the inspect is left
     * out; one still listed that could not be inspected fails (it might use an image). A container
     * created after the listing is not seen.
     */
    public static List<Container> containers() {
        Proc.Result ids = Proc.of(Docker.allContainers()).timeout(Duration.ofSeconds(30)).check("listing containers");
        List<String> list = words(ids.stdout());
        if (list.isEmpty()) return List.of();
        Proc.Result r = Proc.of(Docker.inspect(list)).timeout(Duration.ofSeconds(30)).run();
        List<Container> found = Container.parseInspect(r.stdout());
        if (found.size() < list.size()) {
            Proc.Result again = Proc.of(Docker.allContainers()).timeout(Duration.ofSeconds(30)).check("listing containers");
            Set<String> seen = new HashSet<>();
            for (Container c : found) seen.add(c.id);
            Set<String> listed = new HashSet<>(list);
            for (String id : words(again.stdout())) {
                if (listed.contains(id) && !seen.contains(id))
                    throw Fail.failed("cannot inspect container " + id + ": " + r.lastLine() + " (nothing was deleted)");
            }
        }
        return found;
    }

    /** `docker system df`: one row per type (images, containers, volumes, build cache); none when it fails. */
    public static List<DfRow> diskUsage() {
        Proc.Result r = systemDf(Docker.systemDf());
        return r.ok() ? parseDiskUsage(r.stdout()) : new ArrayList<>();
    }

    /** Parses the JSON lines of `docker system df --format '{{json .}}'`; unreadable lines are left out. */
    public static List<DfRow> parseDiskUsage(String lines) {
        List<DfRow> out = new ArrayList<>();
        for (String line : lines.split("\n")) {
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

    /** What removing each image alone frees (UniqueSize of `docker system df -v`), by image ID; empty when unknown. */
    public static Map<String, Long> uniqueSizes() {
        Proc.Result r = systemDf(Docker.systemDfVerbose());
        return r.ok() ? parseUniqueSizes(r.stdout()) : new HashMap<>();
    }

    /** Parses the JSON of `docker system df -v --format '{{json .}}'` into UniqueSize by image ID. */
    public static Map<String, Long> parseUniqueSizes(String lines) {
        Map<String, Long> m = new HashMap<>();
        for (String line : lines.split("\n")) {
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

    /** Runs a `docker system df`, waiting while another one runs (the engine refuses two at once). */
    private static Proc.Result systemDf(List<String> command) {
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

    private static List<String> words(String text) {
        return Arrays.stream(text.split("\\s+")).filter(s -> !s.isBlank()).toList();
    }
}
