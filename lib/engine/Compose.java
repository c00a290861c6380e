package lib.engine;

import lib.core.Fail;
import lib.core.Proc;
import lib.model.Layout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Docker Compose, v2 (`docker compose`) or v1 (`docker-compose`). The builders are pure: they
 * return argument lists and do no I/O. Every command names the project (the stack), the project
 * directory (the release dir) and the compose file, so the same containers are addressed whichever
 * release dir compose is started from.
 */
public final class Compose {
    public enum Version { V1, V2 }

    public static final String FILE = Layout.COMPOSE_FILE;
    /** Environment variable that forces the flavour: "v1" or "v2". */
    public static final String FORCE_ENV = "SEISEI_COMPOSE";

    public final Version version;

    public Compose(Version version) {
        this.version = version;
    }

    private static Compose detected;

    /** Finds the compose flavour once per process: $SEISEI_COMPOSE, else `docker compose version`, else `docker-compose` on PATH. */
    public static synchronized Compose detect() {
        if (detected == null) detected = find();
        return detected;
    }

    private static Compose find() {
        String forced = System.getenv(FORCE_ENV);
        if ("v1".equals(forced)) return new Compose(Version.V1);
        if ("v2".equals(forced)) return new Compose(Version.V2);
        try {
            if (Proc.of(List.of("docker", "compose", "version")).timeout(Duration.ofSeconds(20)).run().ok())
                return new Compose(Version.V2);
        } catch (Fail ignored) {
        }
        if (onPath("docker-compose")) return new Compose(Version.V1);
        throw Fail.failed("neither `docker compose` (v2) nor `docker-compose` (v1) is installed");
    }

    /** True when an executable of that name is on PATH (found without running it: v1 is slow to start). */
    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }

    public List<String> base(String project, Path projectDir) {
        List<String> a = new ArrayList<>();
        if (version == Version.V2) {
            a.add("docker");
            a.add("compose");
        } else {
            a.add("docker-compose");
        }
        a.addAll(List.of("--ansi", "never", "-p", project, "--project-directory", projectDir.toString(),
                "-f", projectDir.resolve(FILE).toString()));
        return a;
    }

    public List<String> pull(String project, Path dir) {
        return with(base(project, dir), "pull");
    }

    public List<String> up(String project, Path dir) {
        return with(base(project, dir), "up", "-d", "--force-recreate", "--remove-orphans");
    }

    /**
     * Brings {@code services} (the services a start-first rollout does not list) to the release's
     * configuration without touching the others: each is recreated only when its configuration changed,
     * so an unchanged database keeps running; services no longer in the file are removed.
     */
    public List<String> upServices(String project, Path dir, List<String> services) {
        List<String> a = new ArrayList<>(base(project, dir));
        a.addAll(List.of("up", "-d", "--no-deps", "--remove-orphans"));
        a.addAll(services);
        return List.copyOf(a);
    }

    /**
     * Creates, without starting them and without touching the running ones, the new containers of the
     * services of a start-first rollout: each {@code scale} entry (service to its containers in all)
     * asks for as many more as the release runs, made from this release dir's configuration.
     */
    public List<String> createBeside(String project, Path dir, java.util.Map<String, Integer> scale) {
        List<String> a = new ArrayList<>(base(project, dir));
        a.addAll(List.of("up", "--no-start", "--no-deps", "--no-recreate", "--remove-orphans"));
        for (var e : scale.entrySet()) a.addAll(List.of("--scale", e.getKey() + "=" + e.getValue()));
        a.addAll(scale.keySet());
        return List.copyOf(a);
    }

    public List<String> down(String project, Path dir) {
        return with(base(project, dir), "down", "--remove-orphans");
    }

    private static List<String> with(List<String> base, String... more) {
        base.addAll(List.of(more));
        return List.copyOf(base);
    }
}
