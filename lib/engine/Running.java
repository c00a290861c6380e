package lib.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine runs for a set of stacks, read at once with a fixed number of queries whatever the
 * number of stacks ({@link Engine#look}): each stack's containers (compose), or its services and their
 * tasks (swarm). {@link Engine#observe(Running, String, Path, lib.model.StackSettings, Map)} judges one
 * stack from it without asking the engine again.
 * <p>
 * A compose container belongs to a stack when its compose project is the stack's name, or when its
 * project's working dir lies inside the stack's releases dir: the shell scripts the tool replaces ran
 * `docker-compose up -d` inside a release dir, so their project is the release dir's name. Those are
 * marked with {@link Container#foreign_project}.
 */
public final class Running {
    private final Map<String, List<Container>> containers;
    private final Map<String, List<SwarmServices.Service>> services;
    private final List<SwarmServices.Task> tasks;

    Running(Map<String, List<Container>> containers, Map<String, List<SwarmServices.Service>> services, List<SwarmServices.Task> tasks) {
        this.containers = containers;
        this.services = services;
        this.tasks = tasks;
    }

    /** The compose containers of {@code stack}, its own project's and old projects' alike. */
    public List<Container> containers(String stack) {
        return containers.getOrDefault(stack, List.of());
    }

    /** The swarm services of {@code stack}. */
    public List<SwarmServices.Service> services(String stack) {
        return services.getOrDefault(stack, List.of());
    }

    /** The tasks of every service read. */
    public List<SwarmServices.Task> tasks() {
        return tasks;
    }

    /** One line of the compose container listing ({@link Docker#composeContainers()}). */
    public record Listed(String id, String project, String workingDir, String service, String name, String image, String state,
                         String status, String networks) {}

    /** Parses the lines of {@link Docker#composeContainers()}: its fields separated by tabs. */
    public static List<Listed> parseListing(String text) {
        List<Listed> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            out.add(new Listed(f[0].strip(), field(f, 1), field(f, 2), field(f, 3), field(f, 4), field(f, 5), field(f, 6), field(f, 7), field(f, 8)));
        }
        return out;
    }

    private static String field(String[] f, int i) {
        return i < f.length ? f[i].strip() : "";
    }

    /**
     * Which listed container belongs to which stack: ID to stack name, in listing order. {@code homes}
     * maps each stack asked about to the dir of its releases (null: only its own project counts).
     * A working dir is compared with each home as written and as its real path (a root reached
     * through a symlink).
     */
    public static Map<String, String> owners(List<Listed> listed, Map<String, Path> homes) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<Path, String> byHome = null;
        for (Listed l : listed) {
            if (homes.containsKey(l.project())) {
                out.put(l.id(), l.project());
                continue;
            }
            if (l.workingDir().isEmpty()) continue;
            if (byHome == null) byHome = homesIndex(homes);
            Path w;
            try {
                w = Path.of(l.workingDir()).normalize();
            } catch (InvalidPathException e) {
                continue;
            }
            for (Path p = w.getParent(); p != null; p = p.getParent()) {
                String stack = byHome.get(p);
                if (stack != null) {
                    out.put(l.id(), stack);
                    break;
                }
            }
        }
        return out;
    }

    private static Map<Path, String> homesIndex(Map<String, Path> homes) {
        Map<Path, String> m = new HashMap<>();
        for (var e : homes.entrySet()) {
            if (e.getValue() == null) continue;
            Path home = e.getValue().toAbsolutePath().normalize();
            m.put(home, e.getKey());
            try {
                if (Files.exists(home)) m.putIfAbsent(home.toRealPath(), e.getKey());
            } catch (IOException ignored) {
                // an unreadable home is matched as written
            }
        }
        return m;
    }

    /** The containers by stack: {@code owners} says whose each is; a container of another project is marked with it. */
    static Map<String, List<Container>> byStack(List<Container> inspected, Map<String, String> owners) {
        Map<String, List<Container>> out = new HashMap<>();
        for (Container c : inspected) {
            String stack = owners.get(c.id);
            if (stack == null) continue;
            if (c.project != null && !c.project.equals(stack)) c.foreign_project = c.project;
            out.computeIfAbsent(stack, k -> new ArrayList<>()).add(c);
        }
        return out;
    }

    public static Running ofContainers(Map<String, List<Container>> containers) {
        return new Running(containers, Map.of(), List.of());
    }

    static Running ofSwarm(Map<String, List<SwarmServices.Service>> services, List<SwarmServices.Task> tasks) {
        return new Running(Map.of(), services, tasks);
    }
}
