package support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Docker Swarm on two nodes made on this machine for a test: two network namespaces joined by one
 * veth pair with private addresses ({@value #SUBNET}.1 manager, .2 worker), a dockerd in each
 * (started with {@code nsenter --net=...}, not {@code ip netns exec}, which remounts /sys and hides
 * the cgroup mounts), a registry served with TLS on the manager's veth address (a certificate for
 * that IP from a CA made here, the CA in /etc/docker/certs.d), the test images built on the manager
 * and pushed there, the manager initialised on its veth address and the worker joined. The
 * machine's own engine is not used; traffic stays inside the two namespaces.
 *
 * <p>Everything it makes is named with {@value #PREFIX}: the namespaces, the veth ends, the data
 * roots and registry storage under {@link #WORK}, the exec roots and sockets under {@link #RUN}
 * (short paths: a unix socket path has at most 107 bytes), and the certs.d entry for
 * {@link #REGISTRY}. {@link #close} stops both engines and the registry and removes all of it;
 * {@link #start} first removes what a crashed run left (a run whose owner process is alive is
 * refused), and {@link #leftovers} lists anything still there.
 */
public final class TwoNodeSwarm implements AutoCloseable {
    public static final String PREFIX = "seisei2n";
    /** A /24 of 10/8 that nothing here uses (checked by {@link #unmet}). */
    public static final String SUBNET = "10.123.47";
    public static final String REGISTRY = SUBNET + ".1:5443";
    /** The test images, tags v1, v2 and v3, on the namespaces' registry. */
    public static final String APP = REGISTRY + "/seisei-test/app";
    public static final Path WORK = Path.of("/var/tmp", PREFIX);
    public static final Path RUN = Path.of("/run", PREFIX);
    public static final Path CERTS_D = Path.of("/etc/docker/certs.d");
    static final Path CERTS_ENTRY = CERTS_D.resolve(REGISTRY);
    static final String CA_NAME = "seisei-deploy two-node test CA";
    /** In {@link #WORK} when this test created /etc/docker/certs.d, so that removing its entry removes the dir too. */
    static final Path CERTS_D_CREATED = WORK.resolve("certs.d-created");
    static final Path OWNER = WORK.resolve("owner");
    static final Duration ENGINE_START = Duration.ofSeconds(60);

    public final Node manager = new Node("m", SUBNET + ".1");
    public final Node worker = new Node("w", SUBNET + ".2");
    private final Map<String, String> digests = new LinkedHashMap<>();
    private Process registry;
    /** Seconds each step of {@link #start} took, for the test's log. */
    public final Map<String, Double> timings = new LinkedHashMap<>();

    /** One node: its namespace, veth end, engine and the paths that engine uses. */
    public static final class Node {
        public final String name;
        public final String address;
        public final String netns;
        final String veth;
        final Path data;
        final Path exec;
        final Path socket;
        final Path log;
        private Process dockerd;

        Node(String name, String address) {
            this.name = name;
            this.address = address;
            this.netns = PREFIX + "-" + name;
            this.veth = PREFIX + "-v" + name;
            this.data = WORK.resolve(name).resolve("data");
            this.log = WORK.resolve(name).resolve("dockerd.log");
            this.exec = RUN.resolve(name);
            this.socket = exec.resolve("docker.sock");
        }

        /** The value of DOCKER_HOST that reaches this node's engine. */
        public String host() { return "unix://" + socket; }

        /** Runs the docker CLI against this node's engine. */
        public World.Run docker(String... args) {
            List<String> cmd = new ArrayList<>(List.of("docker", "-H", host()));
            cmd.addAll(List.of(args));
            return run(Duration.ofSeconds(120), cmd);
        }

        /** Like {@link #docker}, failing unless it exits 0; its stdout, stripped. */
        public String dockerOk(String... args) {
            World.Run r = docker(args);
            if (r.exit() != 0) throw new IllegalStateException("docker " + String.join(" ", args) + " on node " + name + ": " + r);
            return r.stdout().strip();
        }

        /** {@code cmd} run in this node's network namespace (nsenter --net). */
        public List<String> inNetns(List<String> cmd) {
            List<String> c = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + netns));
            c.addAll(cmd);
            return c;
        }

        /** Runs {@code cmd} in this node's network namespace with a time limit. */
        public World.Run exec(Duration limit, String... cmd) {
            return run(limit, inNetns(List.of(cmd)));
        }

        /** The swarm's id of this node. */
        public String nodeId() { return dockerOk("info", "--format", "{{.Swarm.NodeID}}"); }

        /** Starts this node's dockerd in its namespace; {@link #awaitEngine} waits for it. */
        public void startEngine() {
            try {
                Files.createDirectories(data);
                Files.createDirectories(exec);
                ProcessBuilder pb = new ProcessBuilder(inNetns(List.of("dockerd", "--data-root", data.toString(), "--exec-root", exec.toString(),
                        "--pidfile", exec.resolve("dockerd.pid").toString(), "-H", host(),
                        "--bridge=none", "--iptables=false", "--ip6tables=false")));
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                dockerd = pb.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start dockerd for node " + name + ": " + e.getMessage(), e);
            }
        }

        public void awaitEngine() {
            boolean up = await(ENGINE_START, () -> dockerd.isAlive() && docker("version", "--format", "{{.Server.Version}}").exit() == 0);
            if (!up) throw new IllegalStateException("dockerd of node " + name + " did not start:\n" + tail(log, 20));
        }

        /** Stops this node's dockerd as an operator would (SIGTERM: it stops its containers and its containerd) and waits until it is gone. */
        public void stopEngine() {
            if (dockerd == null) return;
            stop(dockerd.toHandle(), Duration.ofSeconds(40));
            dockerd = null;
        }
    }

    /** Why this machine cannot run the two-node swarm, or null when it can. */
    public static String unmet() {
        if (!"0".equals(run(Duration.ofSeconds(10), List.of("id", "-u")).stdout().strip()))
            return "the two-node swarm needs root (network namespaces, a veth pair, two engines)";
        for (String c : List.of("ip", "nsenter", "dockerd", "docker", "docker-registry", "openssl")) {
            if (run(Duration.ofSeconds(10), List.of("sh", "-c", "command -v " + c)).exit() != 0)
                return c + " is not installed (dev/local-engine.sh up installs it)";
        }
        if (!Files.isExecutable(Path.of("/bin/busybox"))) return "/bin/busybox is not installed (busybox-static; dev/local-engine.sh up installs it)";
        if (Files.exists(Path.of("/run/containerd/containerd.sock")))
            return "a system containerd runs (/run/containerd/containerd.sock): the engines in the namespaces would use it and run"
                    + " their containers outside the namespaces";
        String used = subnetInUse();
        if (used != null) return SUBNET + ".0/24 is in use on this machine (" + used + "); the test will not share it";
        return null;
    }

    /** What on this machine's own network uses the test's /24 (an address or a route), or null. */
    static String subnetInUse() {
        List<String> lines = new ArrayList<>();
        lines.addAll(run(Duration.ofSeconds(10), List.of("ip", "-4", "-o", "addr", "show")).stdout().lines().toList());
        lines.addAll(run(Duration.ofSeconds(10), List.of("ip", "-4", "route", "show", "table", "all")).stdout().lines().toList());
        return overlapping(lines);
    }

    /** The first line naming an IPv4 address or prefix (not the default route) that overlaps the test's /24, or null. */
    static String overlapping(List<String> lines) {
        long ours = ipv4(SUBNET + ".0");
        for (String line : lines) {
            for (String word : line.split("\\s+")) {
                if (!word.matches("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?")) continue;
                String[] p = word.split("/");
                int bits = p.length > 1 ? Integer.parseInt(p[1]) : 32;
                if (bits == 0) continue;
                int common = Math.min(bits, 24);
                long mask = (0xffffffffL << (32 - common)) & 0xffffffffL;
                if ((ipv4(p[0]) & mask) == (ours & mask)) return line.strip();
            }
        }
        return null;
    }

    static long ipv4(String a) {
        long v = 0;
        for (String o : a.split("\\.")) v = (v << 8) | Integer.parseInt(o);
        return v;
    }

    /**
     * Makes the two-node swarm: removes a crashed run's leftovers, then namespaces, veth pair, both
     * engines (started together), certificates and registry, swarm, images. On any failure what was
     * made is removed again before the error is thrown.
     */
    public static TwoNodeSwarm start() {
        TwoNodeSwarm s = new TwoNodeSwarm();
        try {
            s.up();
            return s;
        } catch (RuntimeException | Error e) {
            try {
                s.close();
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    private void up() {
        long t = System.nanoTime();
        removeLeftovers();
        mkdirs(WORK);
        mkdirs(RUN);
        World.write(OWNER, ProcessHandle.current().pid() + " " + ProcessHandle.current().info().startInstant().map(Instant::toString).orElse("?") + "\n");
        ok("ip", "netns", "add", manager.netns);
        ok("ip", "netns", "add", worker.netns);
        // both ends are made inside the namespaces: the pair never appears on this machine's own network
        ok("ip", "link", "add", "name", manager.veth, "netns", manager.netns, "type", "veth", "peer", "name", worker.veth, "netns", worker.netns);
        for (Node n : List.of(manager, worker)) {
            ok("ip", "-n", n.netns, "addr", "add", n.address + "/24", "dev", n.veth);
            ok("ip", "-n", n.netns, "link", "set", "lo", "up");
            ok("ip", "-n", n.netns, "link", "set", n.veth, "up");
        }
        lap("namespaces", t);
        t = System.nanoTime();
        manager.startEngine();
        worker.startEngine();
        certificates();
        startRegistry();
        manager.awaitEngine();
        worker.awaitEngine();
        awaitRegistry();
        lap("engines and registry", t);
        t = System.nanoTime();
        manager.dockerOk("swarm", "init", "--advertise-addr", manager.address, "--listen-addr", manager.address + ":2377",
                "--dispatcher-heartbeat", "1s");
        String token = manager.dockerOk("swarm", "join-token", "-q", "worker");
        worker.dockerOk("swarm", "join", "--token", token, "--advertise-addr", worker.address, "--listen-addr", worker.address + ":2377",
                manager.address + ":2377");
        lap("swarm", t);
        t = System.nanoTime();
        for (String tag : List.of("v1", "v2", "v3")) buildAndPush(tag);
        lap("images", t);
    }

    /** The registry's digest of APP:tag, as the push reported it. */
    public String digest(String tag) { return digests.get(tag); }

    /** Builds the test image APP:tag FROM scratch with the static busybox on the manager (as tests/images/build.sh does) and pushes it. */
    private void buildAndPush(String tag) {
        Path ctx = WORK.resolve("build-" + tag);
        mkdirs(ctx);
        try {
            Files.copy(Path.of("/bin/busybox"), ctx.resolve("busybox"));
            Files.copy(World.REPO.resolve("tests/images/app/Dockerfile"), ctx.resolve("Dockerfile"));
            Files.writeString(ctx.resolve("version"), tag + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String ref = APP + ":" + tag;
        World.Run b = run(Duration.ofSeconds(120), List.of("docker", "-H", manager.host(), "build", "-q", "-t", ref, ctx.toString()),
                Map.of("DOCKER_BUILDKIT", "0"));
        if (b.exit() != 0) throw new IllegalStateException("building " + ref + " on the manager: " + b);
        manager.dockerOk("push", "-q", ref);
        for (String d : manager.dockerOk("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", ref).lines().toList()) {
            if (d.startsWith(APP + "@")) digests.put(tag, d.substring(APP.length() + 1));
        }
        if (digests.get(tag) == null) throw new IllegalStateException("no registry digest for " + ref + " after the push");
    }

    /** A CA and a server certificate for the manager's veth IP (subjectAltName IP), the CA trusted by docker for REGISTRY. */
    private void certificates() {
        Path tls = WORK.resolve("tls");
        mkdirs(tls);
        String ec = "ec_paramgen_curve:P-256";
        ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", tls.resolve("ca.key").toString(),
                "-out", tls.resolve("ca.crt").toString(), "-days", "2", "-subj", "/CN=" + CA_NAME);
        ok("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", tls.resolve("server.key").toString(),
                "-out", tls.resolve("server.csr").toString(), "-subj", "/CN=" + manager.address);
        World.write(tls.resolve("server.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                + "extendedKeyUsage=serverAuth\nsubjectAltName=IP:" + manager.address + "\n");
        ok("openssl", "x509", "-req", "-in", tls.resolve("server.csr").toString(), "-CA", tls.resolve("ca.crt").toString(),
                "-CAkey", tls.resolve("ca.key").toString(), "-set_serial", "0x" + Long.toHexString(System.nanoTime() & Long.MAX_VALUE),
                "-days", "2", "-extfile", tls.resolve("server.ext").toString(), "-out", tls.resolve("server.crt").toString());
        if (!Files.isDirectory(CERTS_D)) {
            World.write(CERTS_D_CREATED, "");
            mkdirs(CERTS_D);
        }
        mkdirs(CERTS_ENTRY);
        try {
            Files.copy(tls.resolve("ca.crt"), CERTS_ENTRY.resolve("ca.crt"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void startRegistry() {
        Path dir = WORK.resolve("registry");
        mkdirs(dir.resolve("data"));
        World.write(dir.resolve("config.yml"), String.join("\n",
                "version: 0.1",
                "log:",
                "  level: warn",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"),
                "http:",
                "  addr: " + REGISTRY,
                "  tls:",
                "    certificate: " + WORK.resolve("tls/server.crt"),
                "    key: " + WORK.resolve("tls/server.key"),
                ""));
        try {
            ProcessBuilder pb = new ProcessBuilder(manager.inNetns(List.of("docker-registry", "serve", dir.resolve("config.yml").toString())));
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
            registry = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the registry: " + e.getMessage(), e);
        }
    }

    /** Waits until the registry listens: its own namespace's /proc/PID/net/tcp lists the port in state LISTEN. */
    private void awaitRegistry() {
        String port = String.format(":%04X ", Integer.parseInt(REGISTRY.substring(REGISTRY.indexOf(':') + 1)));
        Path tcp = Path.of("/proc", Long.toString(registry.pid()), "net", "tcp");
        boolean up = await(Duration.ofSeconds(30), () -> {
            if (!registry.isAlive()) return false;
            try {
                return Files.readAllLines(tcp).stream().anyMatch(l -> l.contains(port) && l.trim().split("\\s+")[3].equals("0A"));
            } catch (IOException e) {
                return false;
            }
        });
        if (!up) throw new IllegalStateException("the registry did not start:\n" + tail(WORK.resolve("registry/registry.log"), 20));
    }

    /** Stops both engines and the registry and removes everything {@link #start} made; safe to call more than once. */
    @Override
    public void close() {
        Thread m = new Thread(manager::stopEngine);
        m.start();
        worker.stopEngine();
        try {
            m.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (registry != null) {
            stop(registry.toHandle(), Duration.ofSeconds(10));
            registry = null;
        }
        removeLeftovers();
    }

    /**
     * Removes everything named with {@link #PREFIX}: processes in the namespaces or using the work and
     * exec roots, mounts under them, the namespaces (and with them the veth pair), the certs.d entry
     * (and certs.d when this test created it) and the directories. Refuses when the run that made
     * them is still alive.
     */
    static void removeLeftovers() {
        String owner = Files.isRegularFile(OWNER) ? World.read(OWNER).strip() : null;
        if (owner != null && !owner.startsWith(ProcessHandle.current().pid() + " ") && alive(owner))
            throw new IllegalStateException("another run of the two-node swarm (process " + owner.split(" ")[0] + ") is using it; wait for it to end");
        if (Files.exists(CERTS_ENTRY, LinkOption.NOFOLLOW_LINKS) && !oursCertsEntry())
            throw new IllegalStateException(CERTS_ENTRY + " exists and holds no CA of this test; it is left alone and the test does not run");
        // each step runs even when one before it failed; the first failure is thrown at the end
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> {
            for (String ns : namespaces()) {
                for (String pid : run(Duration.ofSeconds(10), List.of("ip", "netns", "pids", ns)).stdout().split("\\s+")) {
                    if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> stop(p, Duration.ofSeconds(10)));
                }
            }
        });
        attempt(failures, () -> ourProcesses().forEach(p -> stop(p, Duration.ofSeconds(10))));
        attempt(failures, () -> ourMounts().forEach(mp -> run(Duration.ofSeconds(20), List.of("umount", "-l", mp))));
        attempt(failures, () -> namespaces().forEach(ns -> ok("ip", "netns", "del", ns)));
        attempt(failures, () -> hostLinks().forEach(link -> ok("ip", "link", "del", link)));
        attempt(failures, () -> deleteTree(CERTS_ENTRY));
        attempt(failures, () -> {
            if (!Files.exists(CERTS_D_CREATED)) return;
            try (Stream<Path> s = Files.list(CERTS_D)) {
                if (s.findAny().isEmpty()) Files.delete(CERTS_D);
            } catch (IOException ignored) {
                // certs.d is gone already, or others put entries in it since: it stays
            }
        });
        attempt(failures, () -> deleteTree(RUN));
        attempt(failures, () -> deleteTree(WORK));
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("removing the two-node swarm: " + failures.get(0).getMessage(), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | AssertionError e) {
            failures.add(e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e));
        }
    }

    /** What of this test is on the machine: empty when it is as it was before the test. */
    public static List<String> leftovers() {
        List<String> out = new ArrayList<>();
        for (String ns : namespaces()) out.add("network namespace " + ns);
        for (String l : hostLinks()) out.add("network interface " + l);
        for (ProcessHandle p : ourProcesses()) out.add("process " + p.pid() + " " + p.info().commandLine().orElse(""));
        for (String mp : ourMounts()) out.add("mount " + mp);
        for (Path p : List.of(WORK, RUN, CERTS_ENTRY)) if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) out.add(p.toString());
        return out;
    }

    static List<String> namespaces() {
        return run(Duration.ofSeconds(10), List.of("ip", "netns", "list")).stdout().lines().map(l -> l.split("\\s+")[0])
                .filter(n -> n.startsWith(PREFIX + "-")).toList();
    }

    /** Interfaces of this test on the machine's own network (only after a crash between making a veth end and moving it). */
    static List<String> hostLinks() {
        return run(Duration.ofSeconds(10), List.of("ip", "-o", "link", "show")).stdout().lines().map(l -> l.split(":\\s+")[1].split("@")[0])
                .filter(n -> n.startsWith(PREFIX + "-")).toList();
    }

    /** Processes whose command line names the work or exec root: engines, their containerd and shims, the registry. */
    static List<ProcessHandle> ourProcesses() {
        return processesUsing(List.of(WORK, RUN));
    }

    /** Processes (other than this one) whose command line names a path inside one of {@code dirs}. */
    static List<ProcessHandle> processesUsing(List<Path> dirs) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != self).filter(p -> {
            String cmd = cmdline(p.pid());
            return dirs.stream().anyMatch(d -> cmd.contains(d + "/"));
        }).toList();
    }

    /** Mount points under the work and exec roots, deepest first. */
    static List<String> ourMounts() {
        return mountsUnder(List.of(WORK, RUN));
    }

    /** Mount points at or under one of {@code dirs}, deepest first. */
    static List<String> mountsUnder(List<Path> dirs) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mp = unescape(line.split(" ")[4]);
                if (dirs.stream().anyMatch(d -> mp.equals(d.toString()) || mp.startsWith(d + "/"))) out.add(mp);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out.stream().distinct().toList();
    }

    static boolean oursCertsEntry() {
        try (InputStream in = Files.newInputStream(CERTS_ENTRY.resolve("ca.crt"))) {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return c.getSubjectX500Principal().getName().contains("CN=" + CA_NAME);
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether the process "PID START" recorded in the owner file still runs (the same process, not a reused pid). */
    static boolean alive(String owner) {
        String[] p = owner.split(" ");
        try {
            return ProcessHandle.of(Long.parseLong(p[0])).flatMap(h -> h.info().startInstant())
                    .map(i -> p.length > 1 && i.toString().equals(p[1])).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** SIGTERM, then SIGKILL when it is still there after {@code grace}; waits until it is gone. */
    static void stop(ProcessHandle p, Duration grace) {
        if (!p.isAlive()) return;
        p.destroy();
        try {
            p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // a process that outlives SIGKILL is listed by leftovers()
            }
        }
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    static String unescape(String mountPoint) {
        return mountPoint.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** Deletes a tree without following links; mounts under it were unmounted before. */
    static void deleteTree(Path top) {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + top + ": " + e.getMessage(), e);
        }
    }

    /** Polls {@code done} every 250 ms until it holds or {@code limit} passes. */
    public static boolean await(Duration limit, BooleanSupplier done) {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            if (done.getAsBoolean()) return true;
            if (System.nanoTime() > end) return false;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    static World.Run run(Duration limit, List<String> cmd) {
        return run(limit, cmd, Map.of());
    }

    /** Runs a command with a time limit (World.collect: output through files, so a chatty command never blocks). */
    static World.Run run(Duration limit, List<String> cmd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        try {
            return World.collect(pb, Path.of(System.getProperty("java.io.tmpdir")), (int) limit.toSeconds());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
    }

    static String ok(String... cmd) {
        World.Run r = run(Duration.ofSeconds(60), List.of(cmd));
        if (r.exit() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + r);
        return r.stdout();
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    private void lap(String step, long t0) {
        timings.put(step, (System.nanoTime() - t0) / 1e9);
    }
}
