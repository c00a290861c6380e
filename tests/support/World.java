package support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A test's world on the real engine: a temp root and source tree, stacks with unique names and
 * ports, the scripts run as a user runs them, and clean-up of every compose project the test
 * started. Scripts run through the fast path ({@code ./install-fast}'s launchers: the same code
 * without JBang's start-up) when the suite installed it for this run's code (tests/prepare; its
 * prefix in the system property {@code seisei.fast}), otherwise, and always in {@link #jbang}, as
 * {@code ./jbang SCRIPT.java ...}.
 */
public final class World implements AutoCloseable {
    public static final Path REPO = findRepo();
    /** The six scripts (and catalog aliases). */
    public static final List<String> SCRIPTS = List.of("build-image", "deploy", "rollback", "clean-images", "verify", "status");
    public static final String REGISTRY = "127.0.0.1:" + env("SEISEI_REGISTRY_PORT", "5000");
    /** Test images: tags v1, v2, v3 (healthy; /version answers the tag) and broken (healthcheck fails). */
    public static final String APP = REGISTRY + "/seisei-test/app";
    /** Set in CI (the CI variable, not "false"): a case whose precondition is missing fails there instead of being skipped. */
    public static final boolean CI = System.getenv("CI") != null && !System.getenv("CI").isBlank() && !System.getenv("CI").equals("false");
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final int PORT_BASE = 18200 + (int) (ProcessHandle.current().pid() % 20) * 500;
    /** Ports handed out in this JVM: worlds of classes running in parallel never get the same one. */
    private static final java.util.Set<Integer> CLAIMED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public final Path dir;
    public final Path root;
    public final Path source;
    private final List<String> projects = new ArrayList<>();
    private final List<String> swarmStacks = new ArrayList<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();

    public World() {
        try {
            dir = Files.createTempDirectory("seisei-test-");
            root = dir.resolve("root");
            source = dir.resolve("src");
            Files.createDirectories(source);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    public record Run(int exit, String stdout, String stderr) {
        public String all() { return stdout + stderr; }

        @Override
        public String toString() { return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr; }
    }

    /** A unique stack name ending in {@code suffix} (e.g. "-staging"). */
    public String name(String prefix, String suffix) {
        return prefix + SEQ.incrementAndGet() + "x" + (ProcessHandle.current().pid() % 1000) + suffix;
    }

    /**
     * The test stacks' override of the test image's healthcheck interval (0.3 s in the image, for
     * the benchmarks): each probe is an exec in the container, and with dozens of containers alive
     * while the suite runs, probes every 0.3 s cost the engine about a tenth of a core per container
     * (5 containers: 0.49 cores), on a machine whose two cores the suite keeps busy.
     */
    public static final String HEALTHCHECK = "    healthcheck:\n      interval: 1s\n";

    /**
     * Creates a stack source: a compose file with one service "web" running ${IMAGE_REF} on a fresh
     * 127.0.0.1 port (in .env as APP_PORT), probed every second ({@link #HEALTHCHECK}), and
     * stack.json when {@code stackJson} is not null.
     */
    public String stack(String name, String stackJson) {
        int port = freePort(PORT_BASE + SEQ.incrementAndGet());
        ports.put(name, port);
        projects.add(name);
        Path d = source.resolve(name);
        write(d.resolve("docker-compose.yml"), String.join("\n",
                "version: \"2.4\"",
                "services:",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    network_mode: host",
                "    environment:",
                "      PORT: ${APP_PORT}",
                "") + HEALTHCHECK);
        write(d.resolve(".env"), "APP_PORT=" + port + "\n");
        if (stackJson != null) write(d.resolve("stack.json"), stackJson);
        return name;
    }

    /** A staging stack whose stack.json names the test repository. */
    public String stagingStack() {
        return stack(name("web", "-staging"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + APP + "\"}]}");
    }

    public String productionStack() {
        return stack(name("web", "-prod"), "{\"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + APP + "\"}]}");
    }

    /**
     * A staging stack on Docker Swarm: one replicated service "web" on the host network (the
     * external network "host"), its port in .env, stack.json with "engine": "swarm".
     */
    public String swarmStack() {
        String name = stack(name("sw", "-staging"), "{\"engine\": \"swarm\", \"images\": [{\"var\": \"IMAGE_REF\", \"repository\": \"" + APP + "\"}]}");
        swarmStacks.add(name);
        write(source.resolve(name).resolve("docker-compose.yml"), String.join("\n",
                "version: \"3.8\"",
                "services:",
                "  web:",
                "    image: ${IMAGE_REF}",
                "    environment:",
                "      PORT: ${APP_PORT}",
                "    networks: [hostnet]",
                "    deploy:",
                "      replicas: 1",
                "      restart_policy:",
                "        delay: 1s",
                "networks:",
                "  hostnet:",
                "    external: true",
                "    name: host",
                ""));
        return name;
    }

    public int port(String stack) { return ports.get(stack); }

    /** What the stack's web service answers on /version now, or null when nothing answers. */
    public String version(String stack) {
        try {
            var c = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build();
            var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port(stack) + "/version"))
                    .timeout(java.time.Duration.ofSeconds(3)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body().strip() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The fast path's prefix when the suite installed it for this run, else null. */
    public static Path fastPrefix() {
        String p = System.getProperty("seisei.fast");
        return p == null || p.isBlank() || !Files.isExecutable(Path.of(p, "bin", "seisei-deploy")) ? null : Path.of(p);
    }

    /** The command that starts a script: its fast-path launcher when installed, else JBang. */
    public static List<String> launcher(String script) {
        Path fast = fastPrefix();
        return fast != null ? List.of(fast.resolve("bin/seisei-" + script).toString()) : jbangLauncher(script);
    }

    static List<String> jbangLauncher(String script) {
        return List.of(REPO.resolve("jbang").toString(), REPO.resolve(script + ".java").toString());
    }

    /** Runs a script as its command line gives it (the fast path when installed, else JBang). */
    public Run script(String script, String... args) {
        List<String> cmd = new ArrayList<>(launcher(script));
        cmd.addAll(List.of(args));
        return exec(cmd, Map.of());
    }

    /** Runs a script through the repo's JBang launcher, as `jbang SCRIPT.java` runs it, whatever the fast path. */
    public Run jbang(String script, String... args) {
        List<String> cmd = new ArrayList<>(jbangLauncher(script));
        cmd.addAll(List.of(args));
        return exec(cmd, Map.of());
    }

    /**
     * Runs a script with {@code cwd} as its current directory (build-image builds the checkout it runs
     * in): through the repo's JBang launcher when {@code viaJBang}, else as {@link #script} does.
     */
    public Run scriptIn(Path cwd, boolean viaJBang, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "-C", cwd.toString()));
        cmd.addAll(viaJBang ? jbangLauncher(script) : launcher(script));
        cmd.addAll(List.of(args));
        return exec(cmd, Map.of());
    }

    /** Like {@link #script} with this world's --root appended, and --source for the scripts that read stack sources. */
    public Run run(String script, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(where(script));
        return script(script, a.toArray(String[]::new));
    }

    /** --root, and --source where the script reads stack sources (deploy; rollback goes back to release dirs). */
    private List<String> where(String script) {
        return script.equals("deploy") ? List.of("--root", root.toString(), "--source", source.toString()) : List.of("--root", root.toString());
    }

    public Run exec(List<String> cmd, Map<String, String> extraEnv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().put("NO_COLOR", "1");
            pb.environment().put("SEISEI_ACTOR", "tester");
            pb.environment().remove("SEISEI_ROOT");
            pb.environment().remove("SEISEI_SOURCE");
            pb.environment().putAll(extraEnv);
            return collect(pb, dir, 300);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /**
     * Runs {@code pb} with stdin from /dev/null and its output in temp files under {@code dir}, for at
     * most {@code seconds}; its exit code and output.
     */
    public static Run collect(ProcessBuilder pb, Path dir, int seconds) throws IOException {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + pb.command());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Starts a script (with {@link #run}'s --root and --source) in its own process group (setsid) without waiting; output goes to files in the world dir. */
    public Process start(Map<String, String> extraEnv, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(launcher(script));
        cmd.addAll(List.of(args));
        cmd.addAll(where(script));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().put("NO_COLOR", "1");
            pb.environment().put("SEISEI_ACTOR", "tester");
            pb.environment().put("SEISEI_TEST_FAULTS", lib.core.Faults.SWITCH);
            pb.environment().putAll(extraEnv);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("started.out").toFile()));
            pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("started.err").toFile()));
            return pb.start();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** SIGKILL to the whole process group of a process started with {@link #start}. */
    public static void killGroup(Process p) {
        sh("kill", "-KILL", "--", "-" + p.pid());
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs any command (docker, docker-compose...) and returns its result. */
    public static Run sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            p.waitFor(120, TimeUnit.SECONDS);
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Skips the calling test when {@code met} is false, saying why; fails it instead when {@link #CI} is set. */
    public static void require(boolean met, String reason) {
        if (met) return;
        if (CI) org.junit.jupiter.api.Assertions.fail(reason + " (not skipped: CI is set)");
        org.junit.jupiter.api.Assumptions.assumeTrue(false, reason);
    }

    /** The registry's digest for APP:tag (Docker-Content-Digest). */
    public static String registryDigest(String tag) {
        return new lib.registry.Registry().digestOf(APP, tag);
    }

    /** IDs of the containers of a compose project (stack). */
    public static List<String> containers(String stack) {
        return sh("docker", "ps", "-a", "-q", "--filter", "label=com.docker.compose.project=" + stack).stdout().lines()
                .filter(s -> !s.isBlank()).toList();
    }

    /**
     * A snapshot of a tree (or of one file): every path with its type, content hash and link target,
     * links not followed, so two snapshots are equal only when nothing was created, removed or changed.
     * Devices, pipes and sockets are noted, never read.
     */
    public static Map<String, String> snapshot(Path top) {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) return m;
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.toList()) {
                String rel = top.relativize(p).toString();
                if (Files.isSymbolicLink(p)) m.put(rel, "link:" + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p)) m.put(rel, "dir");
                else if (!Files.isRegularFile(p)) m.put(rel, "special");
                // reading a lock file would drop this process's POSIX lock on it
                else if (rel.endsWith(".lock")) m.put(rel, "lock:" + Files.size(p));
                else m.put(rel, "file:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
        return m;
    }

    /**
     * One snapshot of several trees (or files), each path keyed by its absolute name: for a check that
     * nothing changed under the root nor anywhere a link in it leads.
     */
    public static Map<String, String> snapshot(java.util.Collection<Path> tops) {
        Map<String, String> m = new TreeMap<>();
        for (Path top : tops) {
            for (var e : snapshot(top).entrySet()) m.put(e.getKey().isEmpty() ? top.toString() : top.resolve(e.getKey()).toString(), e.getValue());
            if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) m.put(top.toString(), "absent");
        }
        return m;
    }

    /**
     * Where the symlinks under {@code tree} lead outside it (resolved one step, as the link says), so
     * that a check can snapshot those places too.
     */
    public static List<Path> linkTargetsOutside(Path tree) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) return out;
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.filter(Files::isSymbolicLink).toList()) {
                Path target = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
                if (!target.startsWith(tree) && !out.contains(target)) out.add(target);
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return out;
    }

    public Map<String, String> snapshot() { return snapshot(root); }

    public static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Brings down every compose project and swarm stack this world created and deletes its files. */
    @Override
    public void close() {
        for (String st : swarmStacks) sh("docker", "stack", "rm", st);
        for (String p : projects) {
            List<String> ids = containers(p);
            if (!ids.isEmpty()) {
                List<String> cmd = new ArrayList<>(List.of("docker", "rm", "-f"));
                cmd.addAll(ids);
                sh(cmd.toArray(String[]::new));
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
        }
    }

    /** A free port from {@code start} on that no world of this JVM has, with the one above it (a sidecar's) unclaimed too. */
    private static synchronized int freePort(int start) {
        for (int p = start; p < start + 200; p++) {
            if (CLAIMED.contains(p) || CLAIMED.contains(p + 1)) continue;
            CLAIMED.add(p);
            CLAIMED.add(p + 1);
            try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", p));
                return p;
            } catch (IOException ignored) {
            }
        }
        throw new IllegalStateException("no free port near " + start);
    }

    private static Path findRepo() {
        String e = System.getenv("SEISEI_REPO");
        Path p = e != null ? Path.of(e) : Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) if (Files.exists(q.resolve("deploy.java")) && Files.isDirectory(q.resolve("lib"))) return q;
        throw new IllegalStateException("cannot find the repository (run from the checkout or set SEISEI_REPO)");
    }

    private static String env(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? d : v;
    }
}
