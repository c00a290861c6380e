package lib.engine;

import lib.cli.Console;
import lib.core.Fail;
import lib.core.Proc;
import lib.model.ImageRef;
import lib.model.Release;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs the compose builders against the real engine: the default {@link Engine}. Compose itself is
 * found on first use: reading a stack starts no compose process.
 */
public final class ComposeEngine implements Engine {
    private final Supplier<Compose> compose;
    private final Console console;

    public ComposeEngine(Compose compose, Console console) {
        this(() -> compose, console);
    }

    private ComposeEngine(Supplier<Compose> compose, Console console) {
        this.compose = compose;
        this.console = console;
    }

    /** The engine with the compose flavour of this machine, found when first needed. */
    public static ComposeEngine detect(Console console) {
        return new ComposeEngine(Compose::detect, console);
    }

    @Override public String name() { return COMPOSE; }

    @Override public void validate(String stack, Path sourceDir) {}

    @Override public String upDescription() { return "up -d --force-recreate"; }

    /**
     * Records what each service of the release runs (release.json "services": its compose file read in
     * Java; `compose config` only when the Java reader does not follow the file), then makes every
     * image it needs available: the images already in the local store are found with one `docker
     * image inspect`, the others are pulled with `docker pull`, the pinned ones by digest. An image a
     * service names by tag (postgres:16) is pulled when it is missing, not refreshed at every deploy:
     * pin it to move it. Compose is not started here unless the Java reader gave up.
     */
    @Override
    public void pull(String stack, Path releaseDir) {
        ServiceImages services = record(stack, releaseDir);
        Release r = Release.read(releaseDir);
        List<String> refs = new ArrayList<>();
        if (r != null) for (ImageRef i : r.images.values()) if (i.ref != null && !refs.contains(i.ref)) refs.add(i.ref);
        for (String i : services.named()) if (!refs.contains(i)) refs.add(i);
        List<String> missing = Images.missing(refs);
        Images.pull(missing, console);
    }

    /** What the release's services run, derived now and recorded in its release.json. */
    private ServiceImages record(String stack, Path releaseDir) {
        Compose c = compose.get();
        try {
            ServiceImages s = ServiceImages.derive(releaseDir, System.getenv(),
                    c.version == Compose.Version.V1 ? ComposeFile.Rules.V1 : ComposeFile.Rules.V2);
            Release.recordServices(releaseDir, s.record(), ServiceImages.FROM_FILE);
            return s;
        } catch (Fail f) {
            console.progress("the compose file is read by compose itself (" + f.oneLine() + ")");
        }
        ServiceImages s = ServiceImages.ofCompose(c, stack, releaseDir);
        Release.recordServices(releaseDir, s.record(), ServiceImages.FROM_COMPOSE);
        return s;
    }

    @Override
    public void up(String stack, Path releaseDir) {
        Proc.of(compose.get().up(stack, releaseDir)).timeout(Duration.ofMinutes(10)).progress(line -> console.progress("up: " + line))
                .check("starting " + stack);
    }

    @Override
    public void down(String stack, Path releaseDir) {
        Proc.of(compose.get().down(stack, releaseDir)).timeout(Duration.ofMinutes(5)).check("stopping " + stack);
    }

    /** Pulls those of {@code refs} that are not in the local image store (found with one inspect). */
    @Override
    public void ensureImages(List<String> refs) {
        List<String> missing = Images.missing(refs);
        for (String ref : missing) console.warn(ref + " is not in the local image store; pulling it");
        Images.pull(missing, console);
    }

    /**
     * The containers of every stack asked about, from one listing of the compose containers with
     * their state and health ({@link Running#owners} says whose each is). The few the listing shows by
     * image ID (the reference they were created from now names another image) are inspected for that
     * reference, in one more query.
     */
    @Override
    public Running look(Map<String, Path> stacks) {
        Proc.Result ps = Proc.of(Docker.composeContainers()).timeout(Duration.ofSeconds(30)).check("listing containers");
        List<Running.Listed> listed = Running.parseListing(ps.stdout());
        Map<String, String> owners = Running.owners(listed, stacks);
        List<Container> cs = new ArrayList<>();
        List<String> byId = new ArrayList<>();
        for (Running.Listed l : listed) {
            if (!owners.containsKey(l.id())) continue;
            Container c = Container.listed(l);
            cs.add(c);
            if (c.imageShownById()) byId.add(c.id);
        }
        if (!byId.isEmpty()) {
            Map<String, Container> inspected = new HashMap<>();
            for (Container c : inspect(byId)) inspected.put(c.id, c);
            for (Container c : cs) if (inspected.containsKey(c.id)) c.image_ref = inspected.get(c.id).image_ref;
        }
        return Running.ofContainers(Running.byStack(cs, owners));
    }

    /** The containers of {@code ids} as `docker inspect` shows them; one removed meanwhile is left out. */
    private static List<Container> inspect(List<String> ids) {
        Proc.Result r = Proc.of(Docker.inspectCompose(ids)).timeout(Duration.ofSeconds(60)).run();
        return Container.parseCompose(r.stdout());
    }

    /** The health probes' log of each container with a healthcheck, from one inspect. */
    @Override
    public void probes(List<Container> containers) {
        List<String> ids = new ArrayList<>();
        for (Container c : containers) if (c.health != null && c.health_log.isEmpty() && c.id != null) ids.add(c.id);
        if (ids.isEmpty()) return;
        Map<String, Container> inspected = new HashMap<>();
        for (Container c : inspect(ids)) inspected.put(c.id, c);
        for (Container c : containers) {
            Container i = inspected.get(c.id);
            if (i != null && c.health_log.isEmpty()) c.health_log.addAll(i.health_log);
        }
    }

    @Override
    public Observation observe(String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        Map<String, Path> one = new HashMap<>();
        one.put(stack, releaseDir == null ? null : releaseDir.getParent());
        return observe(look(one), stack, releaseDir, settings, pinned);
    }

    /**
     * Every container of the stack belongs to the release dir and runs, and containers with a
     * healthcheck are healthy (unless stack.json turns compose health off). An exited or unhealthy
     * container settles the outcome: it will not heal by itself. A stopped container of an old
     * project is the stack's, but not part of its health.
     */
    @Override
    public Observation observe(Running seen, String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        if (seen == null) return observe(stack, releaseDir, settings, pinned);
        List<Container> cs = seen.containers(stack);
        List<String> problems = new ArrayList<>();
        boolean settled = false;
        if (cs.stream().allMatch(c -> c.foreign_project != null && !c.running())) problems.add("no containers run for " + stack);
        for (Container c : cs) {
            if (c.foreign_project != null && !c.running()) continue;
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
        return ServiceImages.of(releaseDir, null);
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
    public List<Container> foreign(String stack, Path stackReleases) {
        return look(Map.of(stack, stackReleases)).containers(stack).stream().filter(c -> c.foreign_project != null).toList();
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
