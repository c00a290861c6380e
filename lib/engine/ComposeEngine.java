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

    /**
     * Refuses, before anything is written, a start-first rollout (stack.json "rollout") that the
     * compose file cannot run: a listed service that is not in the file, is not on the rollout network,
     * publishes a fixed host port, has a fixed container_name or a network_mode.
     */
    @Override
    public void validate(String stack, Path sourceDir) {
        StackSettings settings = StackSettings.load(sourceDir);
        if (settings.rollout != null)
            Rollout.services(stack, sourceDir, Rollout.vars(sourceDir), ComposeFile.Rules.V2, settings.rollout);
    }

    @Override public String upDescription() { return "up -d --force-recreate"; }

    @Override
    public String upDescription(StackSettings settings) {
        if (settings.rollout == null) return upDescription();
        return "start-first rollout of " + String.join(", ", settings.rollout.services) + "; up -d --no-deps for the other services";
    }

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
        StackSettings settings = StackSettings.load(releaseDir);
        if (settings.rollout != null) {
            upBeside(stack, releaseDir, settings.rollout);
            return;
        }
        run(compose.get().up(stack, releaseDir), "starting " + stack);
    }

    private void run(List<String> cmd, String what) {
        Proc.of(cmd).timeout(Duration.ofMinutes(10)).progress(line -> console.progress("up: " + line)).check(what);
    }

    private List<Rollout.Service> listed(String stack, Path releaseDir, StackSettings.Rollout rollout) {
        return Rollout.services(stack, releaseDir, Rollout.vars(releaseDir), rules(), rollout);
    }

    private ComposeFile.Rules rules() {
        return compose.get().version == Compose.Version.V1 ? ComposeFile.Rules.V1 : ComposeFile.Rules.V2;
    }

    /** The containers of the stack's own compose project (not those of an old project), from one listing. */
    private List<Container> own(String stack, Path releaseDir) {
        Map<String, Path> one = new HashMap<>();
        one.put(stack, releaseDir.getParent());
        return look(one).containers(stack).stream().filter(c -> c.foreign_project == null).toList();
    }

    /**
     * The `up` of a start-first rollout ({@link Rollout}): containers of the listed services that do not
     * serve go; the other services are brought to the release's configuration (recreated only when it
     * changed); then the release's containers of the listed services are created beside the serving
     * ones, kept off the rollout network, and started. A release whose containers serve already (a
     * restore) keeps them and loses every other container of those services.
     */
    private void upBeside(String stack, Path releaseDir, StackSettings.Rollout rollout) {
        Compose c = compose.get();
        List<Rollout.Service> listed = listed(stack, releaseDir, rollout);
        List<Container> own = own(stack, releaseDir);
        List<String> remove = new ArrayList<>();
        Map<String, Integer> scale = new java.util.LinkedHashMap<>();
        for (Rollout.Service s : listed) {
            Rollout.Plan p = Rollout.plan(s, own, releaseDir);
            remove.addAll(p.remove());
            if (p.start()) scale.put(s.name(), p.scale());
        }
        if (!remove.isEmpty()) {
            console.progress("removing " + remove.size() + " container(s) of " + Rollout.names(listed) + " that do not serve");
            Proc.of(Docker.rm(remove)).timeout(Duration.ofMinutes(2)).check("removing containers that do not serve");
        }
        ServiceImages all = ComposeFile.services(releaseDir, Compose.FILE, Rollout.vars(releaseDir), rules());
        List<String> others = new ArrayList<>();
        for (String name : all.images().keySet()) if (!rollout.lists(name) && !all.optional().contains(name)) others.add(name);
        if (!others.isEmpty()) run(c.upServices(stack, releaseDir, others), "starting " + String.join(", ", others) + " of " + stack);
        if (scale.isEmpty()) return;
        run(c.createBeside(stack, releaseDir, scale), "creating the new containers of " + String.join(", ", scale.keySet()));
        List<Container> now = own(stack, releaseDir);
        List<String> start = new ArrayList<>();
        for (Rollout.Service s : listed) {
            if (!scale.containsKey(s.name())) continue;
            for (Container n : now) {
                if (!s.name().equals(n.service) || !Rollout.inDir(n, releaseDir)) continue;
                // off the network until healthy: the proxy finds only containers that may serve
                if (n.networks.contains(s.network()))
                    Proc.of(Docker.networkDisconnect(s.network(), n.id)).timeout(Duration.ofSeconds(60)).check("keeping " + n.name + " off " + s.network());
                if (!n.running()) start.add(n.id);
                console.progress(s.name() + ": new container " + n.name + " starts; it joins " + s.network() + " once healthy");
            }
        }
        if (!start.isEmpty()) Proc.of(Docker.start(start)).timeout(Duration.ofMinutes(2)).check("starting the new containers");
    }

    /**
     * The healthy end of a start-first rollout: each new container of a listed service joins the
     * rollout network under the service's name; the old ones serve {@code drain_seconds} more (the
     * proxy learns the new ones meanwhile), then are stopped with the service's stop grace period and
     * removed. A failure to stop or remove them is a warning: the release serves.
     */
    @Override
    public void promote(String stack, Path releaseDir, StackSettings settings) {
        if (settings.rollout == null) return;
        List<Rollout.Service> listed = listed(stack, releaseDir, settings.rollout);
        List<Container> own = own(stack, releaseDir);
        List<String> old = new ArrayList<>();
        int stopSeconds = 0;
        for (Rollout.Service s : listed) {
            for (Container n : Rollout.fresh(s, own, releaseDir)) {
                if (!n.running()) continue;
                Proc.of(Docker.networkConnect(s.network(), s.name(), n.id)).timeout(Duration.ofSeconds(60))
                        .check("putting " + n.name + " on " + s.network());
                console.progress(s.name() + ": " + n.name + " serves (joined " + s.network() + ")");
            }
            for (Container o : Rollout.old(s, own, releaseDir)) {
                old.add(o.id);
                stopSeconds = Math.max(stopSeconds, s.stopSeconds());
            }
        }
        if (old.isEmpty()) return;
        int drain = settings.rollout.drain_seconds;
        console.step("draining " + old.size() + " old container(s) of " + Rollout.names(listed) + ": they serve " + drain
                + "s more, then stop (grace " + stopSeconds + "s)");
        try {
            Thread.sleep(drain * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Proc.of(Docker.stop(old, stopSeconds)).timeout(Duration.ofSeconds(stopSeconds + 60L)).check("stopping the old containers");
            Proc.of(Docker.rm(old)).timeout(Duration.ofMinutes(2)).check("removing the old containers");
        } catch (Fail f) {
            console.warn("the new release serves, but its old containers could not be stopped and removed: " + f.oneLine());
        }
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
        Map<String, Rollout.Service> listed = rolloutOf(stack, releaseDir, settings);
        if (cs.stream().allMatch(c -> c.foreign_project != null && !c.running())) problems.add("no containers run for " + stack);
        for (Container c : cs) {
            if (c.foreign_project != null && !c.running()) continue;
            String who = c.service != null ? c.service : c.name;
            Rollout.Service r = c.foreign_project == null && c.service != null ? listed.get(c.service) : null;
            if (r != null) {
                c.role = Rollout.role(c, r.network(), releaseDir);
                // an old or left-over container beside the release's own is not part of the release's health
                if (!Rollout.inDir(c, releaseDir) && cs.stream().anyMatch(x -> r.name().equals(x.service) && Rollout.inDir(x, releaseDir))) continue;
            }
            boolean kept = !listed.isEmpty() && r == null && c.working_dir != null && releaseDir != null
                    && releaseDir.getParent().equals(Path.of(c.working_dir).getParent());
            if (releaseDir != null && c.working_dir != null && !Path.of(c.working_dir).equals(releaseDir) && !kept)
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

    private final Map<Path, Map<String, Rollout.Service>> rollouts = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The listed services of a release with a start-first rollout, by name (empty for other releases or
     * when its compose file cannot say), read once per release dir. Compose's v2 interpolation rules:
     * reading a stack starts no compose process.
     */
    private Map<String, Rollout.Service> rolloutOf(String stack, Path releaseDir, StackSettings settings) {
        if (settings.rollout == null || releaseDir == null) return Map.of();
        return rollouts.computeIfAbsent(releaseDir, d -> {
            try {
                Map<String, Rollout.Service> m = new java.util.LinkedHashMap<>();
                for (Rollout.Service r : Rollout.services(stack, d, Rollout.vars(d), ComposeFile.Rules.V2, settings.rollout)) m.put(r.name(), r);
                return m;
            } catch (Fail f) {
                return Map.of();
            }
        });
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
