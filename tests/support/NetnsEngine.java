package support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Docker engine of a test's own inside a network namespace the test makes: bridge networking and
 * iptables on (they live in the namespace), a registry on the namespace's own 127.0.0.1, images built
 * FROM scratch and pushed there. Nothing reaches the machine's own network: the namespace has only
 * its loopback and the bridges its engine makes. Commands run in it with {@link #inNetns} (nsenter
 * --net) and {@link #env} (DOCKER_HOST of its socket).
 *
 * <p>Everything it makes is named with {@value #PREFIX}: the namespace, the data root, registry
 * storage and build contexts under {@link #WORK}, the exec root and socket under {@link #RUN}.
 * {@link #close} stops the engine and the registry and removes all of it; {@link #start} first removes
 * what a crashed run left (a run whose owner process is alive is refused); {@link #leftovers} lists
 * anything still there. Shares its process and clean-up helpers with {@link TwoNodeSwarm}.
 */
public final class NetnsEngine implements AutoCloseable {
    public static final String PREFIX = "seiseizdt";
    public static final String NETNS = PREFIX + "-n";
    public static final Path WORK = Path.of("/var/tmp", PREFIX);
    public static final Path RUN = Path.of("/run", PREFIX);
    public static final String REGISTRY = "127.0.0.1:5000";
    static final Path OWNER = WORK.resolve("owner");
    static final Path DATA = WORK.resolve("data");
    static final Path LOG = WORK.resolve("dockerd.log");
    static final Path SOCKET = RUN.resolve("docker.sock");

    private Process dockerd;
    private Process registry;

    /** The value of DOCKER_HOST that reaches this engine. */
    public static String host() { return "unix://" + SOCKET; }

    /** The environment a command needs to use this engine. */
    public static Map<String, String> env() { return Map.of("DOCKER_HOST", host()); }

    /** {@code cmd} run in the namespace. */
    public static List<String> inNetns(List<String> cmd) {
        List<String> c = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + NETNS));
        c.addAll(cmd);
        return c;
    }

    /** Why this machine cannot run it, or null when it can. */
    public static String unmet() {
        if (!"0".equals(TwoNodeSwarm.run(Duration.ofSeconds(10), List.of("id", "-u")).stdout().strip()))
            return "the namespace engine needs root (a network namespace, an engine of its own)";
        for (String c : List.of("ip", "nsenter", "dockerd", "docker", "docker-registry", "docker-compose", "caddy", "ldd")) {
            if (TwoNodeSwarm.run(Duration.ofSeconds(10), List.of("sh", "-c", "command -v " + c)).exit() != 0)
                return c + " is not installed (dev/local-engine.sh up installs it)";
        }
        if (!Files.isExecutable(Path.of("/bin/busybox"))) return "/bin/busybox is not installed (busybox-static)";
        if (Files.exists(Path.of("/run/containerd/containerd.sock")))
            return "a system containerd runs (/run/containerd/containerd.sock): the engine in the namespace would use it and run"
                    + " its containers outside the namespace";
        return null;
    }

    /** Makes the namespace, its engine and registry; on any failure what was made is removed again. */
    public static NetnsEngine start() {
        NetnsEngine e = new NetnsEngine();
        try {
            e.up();
            return e;
        } catch (RuntimeException | Error x) {
            try {
                e.close();
            } catch (RuntimeException again) {
                x.addSuppressed(again);
            }
            throw x;
        }
    }

    private void up() {
        removeLeftovers();
        TwoNodeSwarm.mkdirs(DATA);
        TwoNodeSwarm.mkdirs(RUN);
        World.write(OWNER, ProcessHandle.current().pid() + " " + ProcessHandle.current().info().startInstant().map(Instant::toString).orElse("?") + "\n");
        TwoNodeSwarm.ok("ip", "netns", "add", NETNS);
        TwoNodeSwarm.ok("ip", "-n", NETNS, "link", "set", "lo", "up");
        dockerd = spawn(List.of("dockerd", "--data-root", DATA.toString(), "--exec-root", RUN.toString(), "--pidfile",
                RUN.resolve("dockerd.pid").toString(), "-H", host()), LOG);
        Path reg = WORK.resolve("registry");
        TwoNodeSwarm.mkdirs(reg.resolve("data"));
        World.write(reg.resolve("config.yml"), String.join("\n", "version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:",
                "    rootdirectory: " + reg.resolve("data"), "http:", "  addr: " + REGISTRY, ""));
        registry = spawn(List.of("docker-registry", "serve", reg.resolve("config.yml").toString()), reg.resolve("registry.log"));
        boolean ok = TwoNodeSwarm.await(TwoNodeSwarm.ENGINE_START, () -> dockerd.isAlive() && docker("version").exit() == 0);
        if (!ok) throw new IllegalStateException("the namespace's dockerd did not start:\n" + TwoNodeSwarm.tail(LOG, 20));
        ok = TwoNodeSwarm.await(Duration.ofSeconds(30), () -> registry.isAlive()
                && TwoNodeSwarm.run(Duration.ofSeconds(5), inNetns(List.of("busybox", "wget", "-q", "-O", "/dev/null", "http://" + REGISTRY + "/v2/"))).exit() == 0);
        if (!ok) throw new IllegalStateException("the namespace's registry did not start:\n" + TwoNodeSwarm.tail(reg.resolve("registry.log"), 20));
    }

    private static Process spawn(List<String> cmd, Path log) {
        try {
            ProcessBuilder pb = new ProcessBuilder(inNetns(cmd));
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd.get(0) + " in " + NETNS + ": " + e.getMessage(), e);
        }
    }

    /** Runs the docker CLI against this engine. */
    public static World.Run docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", host()));
        cmd.addAll(List.of(args));
        return TwoNodeSwarm.run(Duration.ofSeconds(180), cmd, Map.of("DOCKER_BUILDKIT", "0"));
    }

    /** Like {@link #docker}, failing unless it exits 0; its stdout, stripped. */
    public static String dockerOk(String... args) {
        World.Run r = docker(args);
        if (r.exit() != 0) throw new IllegalStateException("docker " + String.join(" ", args) + " in " + NETNS + ": " + r);
        return r.stdout().strip();
    }

    /**
     * Builds {@code ref} from a context dir under {@link #WORK} holding {@code files} (path in the
     * context to its content: a String, or a Path copied from this machine) and pushes it.
     */
    public static void buildAndPush(String ref, Map<String, Object> files) {
        Path ctx = WORK.resolve("build").resolve(ref.replaceAll("[^A-Za-z0-9.-]", "_"));
        TwoNodeSwarm.deleteTree(ctx);
        try {
            for (var f : files.entrySet()) {
                Path to = ctx.resolve(f.getKey());
                Files.createDirectories(to.getParent());
                if (f.getValue() instanceof Path p) Files.copy(p, to);
                else Files.writeString(to, f.getValue().toString());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        dockerOk("build", "-q", "-t", ref, ctx.toString());
        dockerOk("push", "-q", ref);
    }

    /**
     * {@code binary} with the shared libraries `ldd` names for it, at their own paths: the files of an
     * image FROM scratch that runs a dynamically linked program of this machine (Debian's caddy).
     */
    public static Map<String, Object> withLibraries(Path binary) {
        Map<String, Object> files = new java.util.LinkedHashMap<>();
        files.put(binary.toString().substring(1), binary);
        String out = TwoNodeSwarm.ok("ldd", binary.toString());
        for (String line : out.lines().toList()) {
            for (String word : line.strip().split("\\s+")) {
                if (word.startsWith("/") && !word.startsWith("(")) {
                    try {
                        files.put(word.substring(1), Path.of(word).toRealPath());
                    } catch (IOException e) {
                        throw new IllegalStateException("ldd names " + word + ", which cannot be read: " + e.getMessage(), e);
                    }
                }
            }
        }
        return files;
    }

    /** Stops the engine and the registry and removes everything {@link #start} made; safe to call more than once. */
    @Override
    public void close() {
        if (dockerd != null) {
            TwoNodeSwarm.stop(dockerd.toHandle(), Duration.ofSeconds(40));
            dockerd = null;
        }
        if (registry != null) {
            TwoNodeSwarm.stop(registry.toHandle(), Duration.ofSeconds(10));
            registry = null;
        }
        removeLeftovers();
    }

    /**
     * Removes everything named with {@link #PREFIX}: processes in the namespace or using the work and
     * exec roots, mounts under them, the namespace, the directories. Refuses when the run that made
     * them is still alive.
     */
    static void removeLeftovers() {
        String owner = Files.isRegularFile(OWNER) ? World.read(OWNER).strip() : null;
        if (owner != null && !owner.startsWith(ProcessHandle.current().pid() + " ") && TwoNodeSwarm.alive(owner))
            throw new IllegalStateException("another run of the namespace engine (process " + owner.split(" ")[0] + ") is using it; wait for it to end");
        if (namespaceExists()) {
            for (String pid : TwoNodeSwarm.run(Duration.ofSeconds(10), List.of("ip", "netns", "pids", NETNS)).stdout().split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> TwoNodeSwarm.stop(p, Duration.ofSeconds(10)));
            }
        }
        processes().forEach(p -> TwoNodeSwarm.stop(p, Duration.ofSeconds(10)));
        mounts().forEach(mp -> TwoNodeSwarm.run(Duration.ofSeconds(20), List.of("umount", "-l", mp)));
        if (namespaceExists()) TwoNodeSwarm.ok("ip", "netns", "del", NETNS);
        TwoNodeSwarm.deleteTree(RUN);
        TwoNodeSwarm.deleteTree(WORK);
    }

    /** What of this engine is on the machine: empty when it is as it was before the test. */
    public static List<String> leftovers() {
        List<String> out = new ArrayList<>();
        if (namespaceExists()) out.add("network namespace " + NETNS);
        for (ProcessHandle p : processes()) out.add("process " + p.pid() + " " + p.info().commandLine().orElse(""));
        for (String mp : mounts()) out.add("mount " + mp);
        for (Path p : List.of(WORK, RUN)) if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) out.add(p.toString());
        return out;
    }

    static boolean namespaceExists() {
        return TwoNodeSwarm.run(Duration.ofSeconds(10), List.of("ip", "netns", "list")).stdout().lines()
                .anyMatch(l -> l.split("\\s+")[0].equals(NETNS));
    }

    /** Processes whose command line names the work or exec root: the engine, its containerd and shims, the registry. */
    static List<ProcessHandle> processes() {
        return TwoNodeSwarm.processesUsing(List.of(WORK, RUN));
    }

    static List<String> mounts() {
        return TwoNodeSwarm.mountsUnder(List.of(WORK, RUN));
    }
}
