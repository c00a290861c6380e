package lib.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Pure builders for the Docker Swarm commands a swarm stack is driven with. */
public final class Swarm {
    private Swarm() {}

    /** The label swarm puts on a stack's services. */
    public static final String NAMESPACE_LABEL = "com.docker.stack.namespace";

    /** Deploys (creates or updates in place) the stack from the release's compose file; services not in it are removed. */
    public static List<String> stackDeploy(String stack, Path releaseDir) {
        return stackDeploy(stack, releaseDir, null);
    }

    /** {@link #stackDeploy(String, Path)} with a second compose file merged over the first (null: none). */
    public static List<String> stackDeploy(String stack, Path releaseDir, Path override) {
        List<String> a = new ArrayList<>(List.of("docker", "stack", "deploy", "-c", releaseDir.resolve(Compose.FILE).toString()));
        if (override != null) a.addAll(List.of("-c", override.toString()));
        a.addAll(List.of("--with-registry-auth", "--prune", stack));
        return List.copyOf(a);
    }

    /** The file the tool writes into a swarm release dir for a start-first rollout (stack.json "rollout"). */
    public static final String ROLLOUT_FILE = "docker-compose.rollout.yml";

    /**
     * The compose file that makes the updates of {@code services} start-first: swarm starts a new task
     * and stops the old one only once the new one runs (healthy, where it has a healthcheck).
     * {@code version} is the main file's version (null: none), which docker stack deploy wants the same.
     */
    public static String rolloutFile(String version, List<String> services) {
        StringBuilder b = new StringBuilder("# written by seisei-deploy for stack.json \"rollout\": start-first updates\n");
        if (version != null) b.append("version: \"").append(version).append("\"\n");
        b.append("services:\n");
        for (String s : services) {
            b.append("  ").append(s).append(":\n    deploy:\n      update_config:\n        order: start-first\n");
        }
        return b.toString();
    }

    public static List<String> stackRm(String stack) {
        return List.of("docker", "stack", "rm", stack);
    }

    /**
     * IDs of the services of every swarm stack, or of {@code stack} alone when it is not null: one
     * listing whatever the number of stacks.
     */
    public static List<String> stacksServices(String stack) {
        return List.of("docker", "service", "ls", "-q", "--filter", "label=" + NAMESPACE_LABEL + (stack == null ? "" : "=" + stack));
    }

    /** Task IDs of services (all recent tasks: running, starting, failed, shut down). */
    public static List<String> servicePs(List<String> serviceIds) {
        return with(List.of("docker", "service", "ps", "-q", "--no-trunc"), serviceIds);
    }

    public static List<String> serviceInspect(List<String> serviceIds) {
        return with(List.of("docker", "service", "inspect"), serviceIds);
    }

    public static List<String> taskInspect(List<String> taskIds) {
        return with(List.of("docker", "inspect", "--type", "task"), taskIds);
    }

    /** The last log lines of one task or one service. */
    public static List<String> logs(String taskOrService, int lines) {
        return List.of("docker", "service", "logs", "--no-task-ids", "--tail", Integer.toString(lines), taskOrService);
    }

    /** Whether this engine is in a swarm and a manager: {"LocalNodeState": "active", "ControlAvailable": true, ...}. */
    public static List<String> info() {
        return List.of("docker", "info", "--format", "{{json .Swarm}}");
    }

    private static List<String> with(List<String> base, List<String> more) {
        List<String> a = new ArrayList<>(base);
        a.addAll(more);
        return List.copyOf(a);
    }
}
