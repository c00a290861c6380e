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
        return List.of("docker", "stack", "deploy", "-c", releaseDir.resolve(Compose.FILE).toString(), "--with-registry-auth", "--prune", stack);
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
