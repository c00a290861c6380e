package lib.engine;

import lib.core.Json;
import lib.model.ImageRef;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** What `docker inspect` says about one container, reduced to what the scripts compare. */
public class Container {
    public String id;
    public String name;
    public String service;
    public String project;
    /** The image reference the container was created from (repo@sha256:... for pinned releases). */
    public String image_ref;
    /** The local image ID (config digest) it runs. */
    public String image_id;
    public String state;
    /** healthy, unhealthy, starting, or null without a healthcheck. */
    public String health;
    public String working_dir;
    /**
     * The compose project of a container that belongs to a stack under another project than the
     * stack's name (one the shell scripts started inside a release dir); null for the stack's own.
     */
    public String foreign_project;
    public int exit_code;
    public List<String> health_log = new ArrayList<>();
    /** The networks the container is attached to (from the listing; empty when unknown). */
    public List<String> networks = new ArrayList<>();
    /**
     * What a container of a start-first rollout service does now ({@link Rollout#role}): serving, a new
     * one not serving yet, an old one still serving; null for other containers.
     */
    public String role;

    public boolean running() { return "running".equals(state); }

    /** Parses the JSON array printed by `docker inspect`. */
    public static List<Container> parseInspect(String json) {
        List<Container> out = new ArrayList<>();
        JsonNode arr = Json.tree(json.isBlank() ? "[]" : json);
        for (JsonNode n : arr) {
            Container c = new Container();
            c.id = n.path("Id").asText();
            c.name = n.path("Name").asText().replaceFirst("^/", "");
            JsonNode labels = n.path("Config").path("Labels");
            c.service = text(labels, Docker.SERVICE_LABEL);
            c.project = text(labels, Docker.PROJECT_LABEL);
            c.working_dir = text(labels, Docker.WORKING_DIR_LABEL);
            c.image_ref = n.path("Config").path("Image").asText();
            c.image_id = n.path("Image").asText();
            state(c, n.path("State"));
            out.add(c);
        }
        return out;
    }

    private static final java.util.regex.Pattern HEALTH = java.util.regex.Pattern.compile("\\((healthy|unhealthy|health: starting)\\)");
    private static final java.util.regex.Pattern EXIT = java.util.regex.Pattern.compile("^(?:Exited|Restarting) \\((-?\\d+)\\)");
    private static final java.util.regex.Pattern IMAGE_ID = java.util.regex.Pattern.compile("^sha256:[0-9a-f]{64}$");

    /**
     * A container as the compose listing shows it: its health and exit code read from the status
     * ("Up 5 minutes (healthy)", "Exited (137) 2 seconds ago"); no health probe log (see
     * {@link Engine#probes}), no image ID.
     */
    public static Container listed(Running.Listed l) {
        Container c = new Container();
        c.id = l.id();
        int comma = l.name().indexOf(',');
        c.name = comma < 0 ? l.name() : l.name().substring(0, comma);
        c.project = blankNull(l.project());
        c.service = blankNull(l.service());
        c.working_dir = blankNull(l.workingDir());
        c.image_ref = l.image();
        c.state = l.state();
        for (String n : l.networks().split(",")) if (!n.isBlank()) c.networks.add(n.strip());
        java.util.regex.Matcher h = HEALTH.matcher(l.status());
        if (h.find()) c.health = h.group(1).equals("health: starting") ? "starting" : h.group(1);
        java.util.regex.Matcher x = EXIT.matcher(l.status());
        if (x.find()) c.exit_code = Integer.parseInt(x.group(1));
        return c;
    }

    /** True when the listing shows an image ID instead of the reference the container was created from. */
    public boolean imageShownById() {
        return image_ref != null && IMAGE_ID.matcher(image_ref).matches();
    }

    private static String blankNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Parses the lines printed by {@link Docker#inspectCompose}: one JSON array a container. */
    public static List<Container> parseCompose(String lines) {
        List<Container> out = new ArrayList<>();
        for (String line : lines.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode a = Json.tree(line);
            Container c = new Container();
            c.id = a.path(0).asText();
            c.name = a.path(1).asText().replaceFirst("^/", "");
            c.image_ref = a.path(2).asText();
            c.image_id = a.path(3).asText();
            state(c, a.path(4));
            c.project = a.path(5).isTextual() ? a.path(5).asText() : null;
            c.service = a.path(6).isTextual() ? a.path(6).asText() : null;
            c.working_dir = a.path(7).isTextual() ? a.path(7).asText() : null;
            out.add(c);
        }
        return out;
    }

    /** Status, exit code and health (with the probes' log) from a container's State. */
    private static void state(Container c, JsonNode st) {
        c.state = st.path("Status").asText();
        c.exit_code = st.path("ExitCode").asInt();
        JsonNode h = st.path("Health");
        if (!h.isMissingNode() && !h.isNull()) {
            c.health = h.path("Status").asText();
            for (JsonNode probe : h.path("Log")) {
                c.health_log.add("exit " + probe.path("ExitCode").asInt() + ": " + probe.path("Output").asText().strip());
            }
        }
    }

    /** The digest the container's image reference is pinned to, or null. */
    public String pinnedDigest() {
        ImageRef r = ImageRef.parse(image_ref);
        return r == null ? null : r.digest;
    }

    private static String text(JsonNode labels, String key) {
        JsonNode v = labels.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
