///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * clean-images on a big root: 1,000 release dirs (10 stacks x 100 releases, every 7th one failed)
 * spread over a 100,000-line history, so the history has to be read back to its start. Prints the
 * wall time of `clean-images --dry-run` through ./jbang and as a plain `java -jar` (the install-fast
 * path), and the time the tool measures itself (start of the command to the printed plan).
 * Goal: the dry run under 2 s. Needs the engine (the dry run asks it for images and containers).
 *
 *   ./jbang bench/CleanBench.java [runs]        default 5
 */
public class CleanBench {
    static final int STACKS = 10;
    static final int RELEASES = 1_000;
    static final int LINES = 100_000;
    static final DateTimeFormatter COMPACT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path repo = findRepo();
        Path work = Files.createTempDirectory("seisei-clean-bench-");
        try {
            Path root = work.resolve("root");
            long t0 = System.nanoTime();
            build(root);
            System.out.printf("built %d release dirs in %d stacks and %d history lines (%.1f MB) in %d ms%n", RELEASES, STACKS, LINES,
                    Files.size(root.resolve("releases/deploy_history.log")) / 1e6, (System.nanoTime() - t0) / 1_000_000);

            List<String> viaJbang = List.of(repo.resolve("jbang").toString(), repo.resolve("clean-images.java").toString(),
                    "--dry-run", "--json", "--root", root.toString());
            Result warm = run(viaJbang, repo);
            if (warm.exit != 0) throw new IllegalStateException("clean-images failed (exit " + warm.exit + "):\n" + warm.err);
            System.out.println("plan: " + field(warm.out, "release_dirs") + " release dirs and " + field(warm.out, "images")
                    + " images would go (history read back to its start)");
            report("via ./jbang", viaJbang, repo, runs);
            List<Long> launcher = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long t = System.nanoTime();
                run(List.of(repo.resolve("jbang").toString(), "--version"), repo);
                launcher.add((System.nanoTime() - t) / 1_000_000);
            }
            System.out.printf("%-36s wall median %5d ms%n", "the launcher alone (./jbang --version):", median(launcher));

            Path jar = work.resolve("clean-images.jar");
            Result export = run(List.of(repo.resolve("jbang").toString(), "export", "portable", "--force", "-O", jar.toString(),
                    repo.resolve("clean-images.java").toString()), repo);
            if (export.exit == 0) {
                List<String> viaJar = List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(),
                        "--dry-run", "--json", "--root", root.toString());
                run(viaJar, repo);
                report("via java -jar (install-fast path)", viaJar, repo, runs);
            } else {
                System.out.println("jbang export failed; skipping the java -jar figures");
            }
            System.out.println("goal: the dry run under 2000 ms");
            String load = Files.exists(Path.of("/proc/loadavg")) ? Files.readString(Path.of("/proc/loadavg")).split(" ")[0] : "?";
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average " + load + ", Java "
                    + System.getProperty("java.version"));
        } finally {
            delete(work);
        }
    }

    static void report(String how, List<String> cmd, Path repo, int runs) throws Exception {
        List<Long> wall = new ArrayList<>();
        List<Long> self = new ArrayList<>();
        List<Long> external = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            Result r = run(cmd, repo);
            wall.add((System.nanoTime() - t) / 1_000_000);
            if (r.exit != 0) throw new IllegalStateException("clean-images failed (exit " + r.exit + "):\n" + r.err);
            self.add(Long.parseLong(field(r.out, "duration_ms")));
            external.add(Long.parseLong(field(r.out, "external_ms")));
        }
        System.out.printf("%-36s wall median %5d ms (min %d, max %d); measured by the tool %d ms, of which docker %d ms%n", how + ":",
                median(wall), min(wall), max(wall), median(self), median(external));
    }

    /** The root: 10 stacks, each a link to its newest successful release, and the history. */
    static void build(Path root) throws IOException {
        Path releases = root.resolve("releases");
        Files.createDirectories(releases.resolve("current"));
        Files.createDirectories(root.resolve("stacks"));
        String[] live = new String[STACKS];
        StringBuilder history = new StringBuilder(LINES * 700);
        int release = 0;
        for (int line = 0; line < LINES; line++) {
            Instant at = T0.plusSeconds(60L * line);
            String ts = COMPACT.format(at);
            if (line % (LINES / RELEASES) == 0 && release < RELEASES) {
                int k = release++;
                String stack = stack(k % STACKS);
                String tag = "v" + k;
                String id = tag + "__" + ts;
                boolean failed = k % 7 == 3;
                writeRelease(releases.resolve("stacks").resolve(stack).resolve(id), stack, tag, id, digest(k), at);
                history.append(record("deploy", failed ? "rolled_back" : "success", stack, tag, id, digest(k), at)).append('\n');
                if (!failed) live[k % STACKS] = id;
            } else if (line % 3 == 0) {
                int s = line % STACKS;
                history.append(record("rollback", "success", stack(s), "old" + line, "old" + line + "__" + ts, digest(1_000_000 + line), at))
                        .append('\n');
            } else {
                int s = line % STACKS;
                history.append(record("deploy", "success", stack(s), "old" + line, "old" + line + "__" + ts, digest(1_000_000 + line), at))
                        .append('\n');
            }
        }
        Files.writeString(releases.resolve("deploy_history.log"), history, StandardCharsets.UTF_8);
        for (int s = 0; s < STACKS; s++) {
            Files.createSymbolicLink(root.resolve("stacks").resolve(stack(s)), releases.resolve("stacks").resolve(stack(s)).resolve(live[s]));
        }
    }

    static String stack(int s) {
        return "bench" + s + "-staging";
    }

    static String repository(String stack) {
        return "127.0.0.1:5000/seisei-bench/" + stack;
    }

    static String digest(long n) {
        return "sha256:" + String.format("%064x", n * 2654435761L);
    }

    static void writeRelease(Path dir, String stack, String tag, String id, String digest, Instant at) throws IOException {
        Files.createDirectories(dir.resolve("config"));
        String ref = repository(stack) + "@" + digest;
        Files.writeString(dir.resolve("release.json"), "{\n  \"stack\" : \"" + stack + "\",\n  \"env\" : \"staging\",\n  \"tag\" : \"" + tag
                + "\",\n  \"release_id\" : \"" + id + "\",\n  \"images\" : {\n    \"IMAGE_REF\" : {\n      \"repository\" : \""
                + repository(stack) + "\",\n      \"tag\" : \"" + tag + "\",\n      \"digest\" : \"" + digest + "\",\n      \"ref\" : \""
                + ref + "\"\n    }\n  },\n  \"created_at_utc\" : \"" + at + "\",\n  \"source_dir\" : \"/opt/stacks/" + stack + "\"\n}\n");
        Files.writeString(dir.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n    restart: unless-stopped\n");
        Files.writeString(dir.resolve(".env"), "APP_PORT=8080\nIMAGE_REF=" + ref + "\n");
        Files.writeString(dir.resolve("stack.json"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + repository(stack)
                + "\"}], \"keep_releases\": 10}\n");
        Files.writeString(dir.resolve("config/app.conf"), "[options]\nworkers = 4\n");
    }

    /** A history line shaped like the ones deploy and rollback write. */
    static String record(String action, String outcome, String stack, String tag, String id, String digest, Instant at) {
        String ref = repository(stack) + "@" + digest;
        return "{\"at_utc\":\"" + at + "\",\"action\":\"" + action + "\",\"outcome\":\"" + outcome + "\",\"stack\":\"" + stack
                + "\",\"env\":\"staging\",\"image_tag\":\"" + tag + "\",\"image_ref\":\"" + ref + "\",\"image_digest\":\"" + digest
                + "\",\"images\":{\"IMAGE_REF\":{\"repository\":\"" + repository(stack) + "\",\"tag\":\"" + tag + "\",\"digest\":\"" + digest
                + "\",\"ref\":\"" + ref + "\"}},\"release_id\":\"" + id + "\",\"release_dir\":\"/srv/releases/stacks/" + stack + "/" + id
                + "\",\"actor\":\"ci\",\"run_id\":\"4711\",\"break_glass\":false,\"break_glass_reason\":\"\",\"duration_ms\":2345}";
    }

    record Result(int exit, String out, String err) {}

    static Result run(List<String> cmd, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("NO_COLOR", "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = Files.createTempFile("clean-bench", ".out");
        Path err = Files.createTempFile("clean-bench", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            int exit = pb.start().waitFor();
            return new Result(exit, Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        return s.get((s.size() - 1) / 2);
    }

    static long min(List<Long> v) { return v.stream().mapToLong(Long::longValue).min().orElse(0); }

    static long max(List<Long> v) { return v.stream().mapToLong(Long::longValue).max().orElse(0); }

    static Path findRepo() {
        for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent())
            if (Files.exists(q.resolve("clean-images.java")) && Files.isDirectory(q.resolve("lib"))) return q;
        throw new IllegalStateException("run from the repository: ./jbang bench/CleanBench.java");
    }

    static void delete(Path top) throws IOException {
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
