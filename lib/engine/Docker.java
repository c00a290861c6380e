package lib.engine;

import java.util.ArrayList;
import java.util.List;

/** Pure builders for the plain `docker` commands the scripts run. */
public final class Docker {
    private Docker() {}

    public static final String PROJECT_LABEL = "com.docker.compose.project";

    /** IDs of all containers (running or not) of a compose project. */
    public static List<String> projectContainers(String project) {
        return List.of("docker", "ps", "-a", "-q", "--no-trunc", "--filter", "label=" + PROJECT_LABEL + "=" + project);
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

    /** Every container of any compose project, one line each: id, state, project, project dir (tab-separated). */
    public static List<String> composeContainers() {
        return List.of("docker", "ps", "-a", "--no-trunc", "--filter", "label=" + PROJECT_LABEL, "--format",
                "{{.ID}}\t{{.State}}\t{{.Label \"" + PROJECT_LABEL + "\"}}\t{{.Label \"" + WORKING_DIR_LABEL + "\"}}");
    }

    public static final String WORKING_DIR_LABEL = "com.docker.compose.project.working_dir";

    /** A container as {@link #composeContainers} lists it. */
    public record Listed(String id, String state, String project, String workingDir) {
        public boolean running() { return "running".equals(state); }
    }

    /** Parses the lines {@link #composeContainers} prints; lines of another shape are skipped. */
    public static List<Listed> parseComposeContainers(String text) {
        List<Listed> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 4 && !f[0].isBlank()) out.add(new Listed(f[0].strip(), f[1].strip(), f[2].strip(), f[3].strip()));
        }
        return out;
    }

    public static List<String> stop(List<String> ids, int seconds) {
        List<String> a = new ArrayList<>(List.of("docker", "stop", "-t", Integer.toString(seconds)));
        a.addAll(ids);
        return List.copyOf(a);
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

    public static List<String> imageInspect(List<String> refs) {
        List<String> a = new ArrayList<>(List.of("docker", "image", "inspect"));
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
