package lib.engine;

import lib.cli.Console;
import lib.core.Proc;
import lib.model.ImageRef;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs the compose builders against the real engine: the default {@link Engine}. */
public final class ComposeEngine implements Engine {
    public final Compose compose;
    private final Console console;

    public ComposeEngine(Compose compose, Console console) {
        this.compose = compose;
        this.console = console;
    }

    public static ComposeEngine detect(Console console) {
        return new ComposeEngine(Compose.detect(), console);
    }

    @Override public String name() { return COMPOSE; }

    @Override public void validate(String stack, Path sourceDir) {}

    @Override public String upDescription() { return "up -d --force-recreate"; }

    @Override
    public void pull(String stack, Path releaseDir) {
        Proc.of(compose.pull(stack, releaseDir)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                .check("pulling the images of " + stack);
    }

    @Override
    public void up(String stack, Path releaseDir) {
        Proc.of(compose.up(stack, releaseDir)).timeout(Duration.ofMinutes(10)).progress(line -> console.progress("up: " + line))
                .check("starting " + stack);
    }

    @Override
    public void down(String stack, Path releaseDir) {
        Proc.of(compose.down(stack, releaseDir)).timeout(Duration.ofMinutes(5)).check("stopping " + stack);
    }

    /** The stack's containers (running or not), from the engine. */
    public List<Container> containers(String stack) {
        return containersWhere(Docker.projectContainers(stack));
    }

    /** Every container on the engine. */
    public List<Container> allContainers() {
        return containersWhere(Docker.allContainers());
    }

    private List<Container> containersWhere(List<String> psCommand) {
        Proc.Result ids = Proc.of(psCommand).timeout(Duration.ofSeconds(30)).check("listing containers");
        List<String> list = new ArrayList<>(Arrays.stream(ids.stdout().split("\\s+")).filter(s -> !s.isBlank()).toList());
        if (list.isEmpty()) return List.of();
        Proc.Result r = Proc.of(Docker.inspect(list)).timeout(Duration.ofSeconds(30)).run();
        // a container removed between ps and inspect makes inspect fail for it alone; the others still print
        return Container.parseInspect(r.stdout());
    }

    /** Pulls those of {@code refs} that are not in the local image store. */
    @Override
    public void ensureImages(List<String> refs) {
        for (String ref : refs) {
            if (Proc.of(Docker.imageInspect(List.of(ref))).timeout(Duration.ofSeconds(30)).run().ok()) continue;
            console.warn(ref + " is not in the local image store; pulling it");
            Proc.of(Docker.pull(ref)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                    .check("pulling " + ref);
        }
    }

    /**
     * Every container of the stack belongs to the release dir and runs, and containers with a
     * healthcheck are healthy (unless stack.json turns compose health off). An exited or unhealthy
     * container settles the outcome: it will not heal by itself.
     */
    @Override
    public Observation observe(String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        List<Container> cs = containers(stack);
        List<String> problems = new ArrayList<>();
        boolean settled = false;
        if (cs.isEmpty()) problems.add("no containers run for " + stack);
        for (Container c : cs) {
            String who = c.service != null ? c.service : c.name;
            if (releaseDir != null && c.working_dir != null && !Path.of(c.working_dir).equals(releaseDir))
                problems.add(who + " belongs to another release (" + c.working_dir + ")");
            if (!c.running()) {
                problems.add(who + " is " + c.state + (c.state.equals("exited") ? " (exit " + c.exit_code + ")" : ""));
                if (c.state.equals("exited") || c.state.equals("dead")) settled = true;
            } else if (settings.health.compose && c.health != null && !c.health.equals("healthy")) {
                problems.add(who + " is " + c.health);
                if (c.health.equals("unhealthy")) settled = true;
            }
        }
        return new Observation(cs, problems, settled);
    }

    @Override
    public List<String> events(String stack, String since, String until) {
        return Docker.events(Docker.PROJECT_LABEL + "=" + stack, since, until);
    }

    @Override
    public ServiceImages serviceImages(String stack, Path releaseDir) {
        return ServiceImages.of(compose, stack, releaseDir);
    }

    @Override
    public List<String> logs(Container c, int lines) {
        return Docker.logs(c.id != null && !c.id.isEmpty() ? c.id : c.name, lines);
    }

    @Override
    public String more(Container c) {
        return "docker logs " + c.name + "; docker inspect " + c.name;
    }

    @Override
    public List<Docker.Listed> foreign(String stack, Path stackReleases) {
        Proc.Result r = Proc.of(Docker.composeContainers()).timeout(Duration.ofSeconds(30)).check("listing compose containers");
        String prefix = stackReleases.toString() + "/";
        List<Docker.Listed> out = new ArrayList<>();
        for (Docker.Listed c : Docker.parseComposeContainers(r.stdout()))
            if (!stack.equals(c.project()) && (c.workingDir() + "/").startsWith(prefix)) out.add(c);
        return out;
    }

    @Override
    public void stopContainers(List<String> ids) {
        if (!ids.isEmpty()) Proc.of(Docker.stop(ids, 30)).timeout(Duration.ofMinutes(2)).check("stopping the old project's containers");
    }

    @Override
    public void startContainers(List<String> ids) {
        if (!ids.isEmpty()) Proc.of(Docker.start(ids)).timeout(Duration.ofMinutes(2)).check("starting the old project's containers");
    }

    @Override
    public void removeContainers(List<String> ids) {
        if (!ids.isEmpty()) Proc.of(Docker.rm(ids)).timeout(Duration.ofMinutes(2)).check("removing the old project's containers");
    }

    @Override
    public Observation observeContainers(List<String> ids) {
        Proc.Result r = Proc.of(Docker.inspect(ids)).timeout(Duration.ofSeconds(30)).run();
        List<Container> cs = Container.parseInspect(r.stdout());
        List<String> problems = new ArrayList<>();
        boolean settled = cs.size() < ids.size();
        if (settled) problems.add((ids.size() - cs.size()) + " of the old project's containers are gone");
        for (Container c : cs) {
            if (!c.running()) {
                problems.add(c.name + " is " + c.state);
                if (c.state.equals("exited") || c.state.equals("dead")) settled = true;
            } else if (c.health != null && !c.health.equals("healthy")) {
                problems.add(c.name + " is " + c.health);
                if (c.health.equals("unhealthy")) settled = true;
            }
        }
        return new Observation(cs, problems, settled);
    }
}
