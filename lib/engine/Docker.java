package lib.engine;

import java.util.ArrayList;
import java.util.List;

/** Pure builders for the plain `docker` commands the scripts run. */
public final class Docker {
    private Docker() {}

    public static final String PROJECT_LABEL = "com.docker.compose.project";

    public static final String WORKING_DIR_LABEL = "com.docker.compose.project.working_dir";
    public static final String SERVICE_LABEL = "com.docker.compose.service";

    /**
     * Every container of every compose project (running or not), one line each, the fields separated
     * by tabs: ID, project, project working dir, service, name, image, state, status ("Up 5 minutes
     * (healthy)", "Exited (1) 2 seconds ago"), networks (comma-separated). What a reading of many stacks is made of: one listing,
     * no inspect. The image is the reference the container was created from, or its image ID when
     * that reference now names another image.
     */
    public static List<String> composeContainers() {
        return List.of("docker", "ps", "-a", "--no-trunc", "--filter", "label=" + PROJECT_LABEL, "--format",
                "{{.ID}}\t{{.Label \"" + PROJECT_LABEL + "\"}}\t{{.Label \"" + WORKING_DIR_LABEL + "\"}}\t{{.Label \"" + SERVICE_LABEL
                        + "\"}}\t{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Status}}\t{{.Networks}}");
    }

    /** IDs of every container on the engine. */
    public static List<String> allContainers() {
        return List.of("docker", "ps", "-a", "-q", "--no-trunc");
    }

    /**
     * Follows the engine's container events for containers labelled {@code label} (key=value) from
     * {@code since} until {@code until} (Unix seconds, fractions allowed), then ends by itself: each
     * start, exit, removal or health change prints one line. The healthcheck's own exec events are
     * left out.
     */
    public static List<String> events(String label, String since, String until) {
        return List.of("docker", "events", "--since", since, "--until", until, "--filter", "type=container", "--filter", "label=" + label,
                "--filter", "event=start", "--filter", "event=die", "--filter", "event=destroy", "--filter", "event=health_status",
                "--format", "{{.Action}} {{.Actor.ID}}");
    }

    public static List<String> stop(List<String> ids, int seconds) {
        List<String> a = new ArrayList<>(List.of("docker", "stop", "-t", Integer.toString(seconds)));
        a.addAll(ids);
        return List.copyOf(a);
    }

    /** Attaches a container to a network, reachable there under {@code alias} too. */
    public static List<String> networkConnect(String network, String alias, String id) {
        return List.of("docker", "network", "connect", "--alias", alias, network, id);
    }

    public static List<String> networkDisconnect(String network, String id) {
        return List.of("docker", "network", "disconnect", network, id);
    }

    public static List<String> start(List<String> ids) {
        List<String> a = new ArrayList<>(List.of("docker", "start"));
        a.addAll(ids);
        return List.copyOf(a);
    }

    public static List<String> rm(List<String> ids) {
        List<String> a = new ArrayList<>(List.of("docker", "rm", "-f"));
        a.addAll(ids);
        return List.copyOf(a);
    }

    public static List<String> inspect(List<String> ids) {
        List<String> a = new ArrayList<>(List.of("docker", "inspect", "--type", "container"));
        a.addAll(ids);
        return List.copyOf(a);
    }

    /**
     * What status and the health wait need of each container, one JSON array a line: ID, name,
     * configured image, image ID, State (with Health), and the compose project, service and working
     * dir labels (null when absent). A tenth of `docker inspect`'s whole output. Only for containers
     * that carry compose labels (the template indexes them).
     */
    public static List<String> inspectCompose(List<String> ids) {
        List<String> a = new ArrayList<>(List.of("docker", "inspect", "--type", "container", "--format",
                "[{{json .Id}},{{json .Name}},{{json .Config.Image}},{{json .Image}},{{json .State}},"
                        + "{{json (index .Config.Labels \"" + PROJECT_LABEL + "\")}},{{json (index .Config.Labels \"" + SERVICE_LABEL + "\")}},"
                        + "{{json (index .Config.Labels \"" + WORKING_DIR_LABEL + "\")}}]"));
        a.addAll(ids);
        return List.copyOf(a);
    }

    public static List<String> imageInspect(List<String> refs) {
        List<String> a = new ArrayList<>(List.of("docker", "image", "inspect"));
        a.addAll(refs);
        return List.copyOf(a);
    }

    /** The image ID of each of {@code refs} found locally; "No such image: REF" on stderr for the others. */
    public static List<String> imageInspectIds(List<String> refs) {
        List<String> a = new ArrayList<>(List.of("docker", "image", "inspect", "--format", "{{.Id}}"));
        a.addAll(refs);
        return List.copyOf(a);
    }

    public static List<String> pull(String ref) {
        return List.of("docker", "pull", ref);
    }

    public static List<String> rmi(String ref) {
        return List.of("docker", "rmi", ref);
    }

    public static List<String> systemDf() {
        return List.of("docker", "system", "df", "--format", "{{json .}}");
    }

    /** Per-image sizes, with what removing each alone frees (UniqueSize). */
    public static List<String> systemDfVerbose() {
        return List.of("docker", "system", "df", "-v", "--format", "{{json .}}");
    }

    /** IDs of every image (tagged, pinned or dangling; not intermediate build layers). */
    public static List<String> imageIds() {
        return List.of("docker", "images", "-q", "--no-trunc");
    }

    public static List<String> logs(String container, int lines) {
        return List.of("docker", "logs", "--tail", Integer.toString(lines), container);
    }
}
