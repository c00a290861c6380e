package support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the GitHub and GitLab runners share: a fresh home and workspace per job, the tools a
 * runner image has (bash, git, jq, ssh, docker, java; JBang through this repo's ./jbang, pinned to
 * the version the examples install), the app's git repository to check out, and the scripts served
 * over HTTP the way a raw-file URL of the seisei-deploy repository serves them.
 */
public abstract class CiRunner implements AutoCloseable {
    /** The app repository CI builds (a local "remote"). */
    public final Path origin;
    /** The URL the examples' SEISEI_SCRIPTS setting points at: this checkout, served on 127.0.0.2 (not "localhost", which JBang trusts without asking). */
    public final String scripts;
    protected final Path dir;
    /** A dir with `jbang`: what setup-jbang (GitHub) or the JBang installer (GitLab) puts on the PATH. */
    protected final Path jbangBin;
    /** Compiled scripts, kept across the test's jobs (a real runner would compile them once per job). */
    private final Path jbangCache;
    private final HttpServer site;
    private final AtomicInteger jobs = new AtomicInteger();

    protected CiRunner(Path dir, Path origin) {
        try {
            this.dir = Files.createDirectories(dir);
            this.origin = origin;
            jbangBin = Files.createDirectories(dir.resolve("jbang-bin"));
            Files.createSymbolicLink(jbangBin.resolve("jbang"), World.REPO.resolve("jbang"));
            jbangCache = Files.createDirectories(dir.resolve("jbang-cache"));
            site = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 0);
            site.createContext("/", ex -> {
                Path f = World.REPO.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
                byte[] body = f.startsWith(World.REPO) && Files.isRegularFile(f) && ex.getRequestMethod().equals("GET") ? Files.readAllBytes(f) : null;
                ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
                if (body != null) try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
                ex.close();
            });
            site.start();
            scripts = "http://127.0.0.2:" + site.getAddress().getPort();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A fresh dir for a job: its home, workspace and temp dir are in it. */
    protected Path jobDir(String name) {
        try {
            Path d = dir.resolve("job-" + jobs.incrementAndGet() + "-" + name);
            Files.createDirectories(d.resolve("home"));
            Files.createDirectories(d.resolve("tmp"));
            return d;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A clone of the app repository at {@code sha} in {@code ws}: on branch main (GitHub's checkout of a push) or detached (GitLab's). */
    protected void checkout(Path ws, String sha, boolean detached) {
        run(List.of("git", "clone", "-q", origin.toString(), ws.toString()), dir, Map.of());
        List<String> co = detached ? List.of("git", "-C", ws.toString(), "checkout", "-q", "--detach", sha)
                : List.of("git", "-C", ws.toString(), "checkout", "-q", "-B", "main", sha);
        World.Run r = run(co, dir, Map.of());
        if (r.exit() != 0) throw new AssertionError("checkout: " + r);
    }

    /** The environment a runner starts a job's shell with: nothing of this test's own environment leaks in. */
    protected Map<String, String> baseEnv(Path job, boolean jbangOnPath) {
        Map<String, String> e = new LinkedHashMap<>();
        String path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        e.put("PATH", jbangOnPath ? jbangBin + ":" + path : path);
        e.put("HOME", job.resolve("home").toString());
        e.put("LANG", "C.UTF-8");
        e.put("CI", "true");
        // docker and the scripts' registry client read the runner user's docker config; JBang its home
        e.put("DOCKER_CONFIG", job.resolve("home/.docker").toString());
        e.put("JBANG_DIR", job.resolve("home/.jbang").toString());
        e.put("JBANG_CACHE_DIR", jbangCache.toString());
        // where ./jbang keeps the JBang it resolved once (the installed JBang of a real runner)
        e.put("XDG_CACHE_HOME", Path.of(System.getProperty("user.home"), ".cache").toString());
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null) e.put("JAVA_HOME", javaHome);
        return e;
    }

    /** Runs a command with exactly {@code env} (nothing inherited when it is not empty), stdin from /dev/null. */
    protected World.Run run(List<String> cmd, Path cwd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        try {
            return World.collect(pb, dir, 600);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Copies a file, making its dir. */
    protected static void copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Override
    public void close() {
        site.stop(0);
    }
}
