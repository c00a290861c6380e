package lib.engine;

import lib.cli.Console;
import lib.core.Fail;
import lib.core.Json;
import lib.core.Proc;
import lib.model.DotEnv;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a release on Docker Swarm from a manager node: `docker stack deploy` of the release's
 * compose file, with the release's .env (its pinned images) as the environment swarm interpolates
 * from, and health read from the services' specs and tasks ({@link SwarmServices}).
 */
public final class SwarmEngine implements Engine {
    private final Console console;

    public SwarmEngine(Console console) {
        this.console = console;
    }

    @Override public String name() { return SWARM; }

    @Override public String upDescription() { return "docker stack deploy --with-registry-auth --prune"; }

    /** Refuses options swarm ignores or rejects, and an engine that is not a swarm manager. */
    @Override
    public void validate(String stack, Path sourceDir) {
        Path file = sourceDir.resolve(Compose.FILE);
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw Fail.usage("cannot read " + file + ": " + e.getMessage());
        }
        List<String> bad = SwarmFile.unsupported(yaml);
        if (!bad.isEmpty())
            throw Fail.usage(file + ": " + String.join(", ", bad) + " (a swarm stack cannot use it: docker stack deploy ignores or rejects it)");
        Proc.Result r = Proc.of(Swarm.info()).timeout(Duration.ofSeconds(30)).check("asking the engine about its swarm");
        JsonNode s = Json.tree(r.stdout().isBlank() ? "{}" : r.stdout());
        if (!"active".equals(s.path("LocalNodeState").asText()))
            throw Fail.usage("stack " + stack + " runs on swarm, but this engine is not in a swarm (state "
                    + Names.quote(s.path("LocalNodeState").asText("unknown")) + "); run the scripts on a swarm manager");
        if (!s.path("ControlAvailable").asBoolean(false))
            throw Fail.usage("stack " + stack + " runs on swarm, but this node is not a swarm manager; run the scripts on a manager");
        StackSettings settings = StackSettings.load(sourceDir);
        if (settings.rollout != null) {
            Object raw = ComposeFile.top(sourceDir, Compose.FILE).get("services");
            for (String name : settings.rollout.services) {
                if (!(raw instanceof Map<?, ?> sm) || !sm.containsKey(name))
                    throw Fail.usage("stack.json rollout: rollout.services names " + name + ", which is not a service of " + file);
            }
        }
    }

    /** Pulls the pinned images on this manager: a registry that cannot serve them fails the deploy before the switch. */
    @Override
    public void pull(String stack, Path releaseDir) {
        Release r = Release.read(releaseDir);
        for (ImageRef i : r == null ? List.<ImageRef>of() : r.images.values()) {
            String ref = i.ref;
            Proc.of(Docker.pull(ref)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                    .check("pulling " + ref);
        }
    }

    /** Nothing: each node pulls the pinned digests itself (the deploy passes registry credentials along). */
    @Override
    public void ensureImages(List<String> refs) {}

    /**
     * `docker stack deploy` of the release; with a start-first rollout (stack.json "rollout") the
     * listed services get {@code update_config.order: start-first} from a second compose file the
     * tool writes into the release dir ({@link Swarm#ROLLOUT_FILE}), merged over the stack's own.
     */
    @Override
    public void up(String stack, Path releaseDir) {
        StackSettings settings = StackSettings.load(releaseDir);
        Path override = null;
        if (settings.rollout != null) {
            Object version = ComposeFile.top(releaseDir, Compose.FILE).get("version");
            override = releaseDir.resolve(Swarm.ROLLOUT_FILE);
            lib.core.AtomicFiles.write(override, Swarm.rolloutFile(version == null ? null : version.toString(), settings.rollout.services));
        }
        Proc.of(Swarm.stackDeploy(stack, releaseDir, override)).dir(releaseDir).env(DotEnv.read(releaseDir)).timeout(Duration.ofMinutes(10))
                .progress(line -> console.progress("deploy: " + line)).check("deploying " + stack + " to the swarm");
    }

    @Override
    public void down(String stack, Path releaseDir) {
        Proc.of(Swarm.stackRm(stack)).timeout(Duration.ofMinutes(5)).check("removing " + stack + " from the swarm");
    }

    @Override
    public Observation observe(String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        Map<String, Path> one = new HashMap<>();
        one.put(stack, null);
        return observe(look(one), stack, releaseDir, settings, pinned);
    }

    @Override
    public Observation observe(Running seen, String stack, Path releaseDir, StackSettings settings, Map<String, ImageRef> pinned) {
        if (seen == null) return observe(stack, releaseDir, settings, pinned);
        return SwarmServices.observe(stack, seen.services(stack), seen.tasks(), pinned);
    }

    /**
     * The services of every stack asked about and their tasks, in four queries whatever their number:
     * one listing of the stacks' services, one inspect of them, one listing of their tasks, one
     * inspect of those. A task pruned between its listing and the inspect is left out.
     */
    @Override
    public Running look(Map<String, Path> stacks) {
        try {
            return lookOnce(stacks);
        } catch (Fail f) {
            // a service removed between the listing and its inspect (a deploy pruning it): once more
            return lookOnce(stacks);
        }
    }

    private Running lookOnce(Map<String, Path> stacks) {
        String only = stacks.size() == 1 ? stacks.keySet().iterator().next() : null;
        List<String> ids = ids(Proc.of(Swarm.stacksServices(only)).timeout(Duration.ofSeconds(30)).run(), "listing the swarm services");
        if (ids.isEmpty()) return Running.ofSwarm(Map.of(), List.of());
        String json = Proc.of(Swarm.serviceInspect(ids)).timeout(Duration.ofSeconds(60)).check("inspecting the swarm services").stdout();
        Map<String, List<SwarmServices.Service>> services = new HashMap<>(SwarmServices.parseServicesByStack(json));
        services.keySet().retainAll(stacks.keySet());
        List<String> mine = new ArrayList<>();
        for (List<SwarmServices.Service> l : services.values()) for (SwarmServices.Service s : l) mine.add(s.id);
        if (mine.isEmpty()) return Running.ofSwarm(Map.of(), List.of());
        List<String> taskIds = ids(Proc.of(Swarm.servicePs(mine)).timeout(Duration.ofSeconds(60)).run(), "listing the swarm tasks");
        String tasks = taskIds.isEmpty() ? "[]" : Proc.of(Swarm.taskInspect(taskIds)).timeout(Duration.ofSeconds(60)).run().stdout();
        return Running.ofSwarm(services, SwarmServices.parseTasks(tasks));
    }

    /** The containers of the stack's tasks on this node; tasks elsewhere are seen by the polls between events. */
    @Override
    public List<String> events(String stack, String since, String until) {
        return Docker.events(Swarm.NAMESPACE_LABEL + "=" + stack, since, until);
    }

    /** Unknown without a compose parser: drift is measured against the pinned images (see {@link Drift}). */
    @Override
    public ServiceImages serviceImages(String stack, Path releaseDir) {
        return null;
    }

    @Override
    public List<String> logs(Container c, int lines) {
        return Swarm.logs(c.id, lines);
    }

    @Override
    public String more(Container c) {
        String svc = SwarmServices.fullName(c);
        return "docker service ps --no-trunc " + svc + "; docker service logs " + svc;
    }

    /** IDs printed one per line; a stack that does not exist has none. */
    private static List<String> ids(Proc.Result r, String what) {
        if (!r.ok()) {
            if ((r.stdout() + r.stderr()).contains("Nothing found in stack")) return List.of();
            throw Fail.failed(what + " failed (exit " + r.exitCode() + "): " + r.lastLine());
        }
        return Arrays.stream(r.stdout().split("\\s+")).filter(s -> !s.isBlank()).toList();
    }
}
