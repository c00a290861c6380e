package lib.engine;

import lib.core.Json;
import lib.model.ImageRef;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A swarm stack as its services and tasks say (`docker service inspect`, `docker inspect --type
 * task`), and whether it runs a release. Pure: the JSON goes in, an {@link Engine.Observation}
 * comes out. A service is healthy when its desired number of tasks run on the image the release
 * pins (a task with a healthcheck counts as running only once healthy; swarm keeps it "starting"
 * until then). A paused or rolled-back update, or repeated failures of the current image, settle
 * the outcome: swarm will not heal it by itself.
 */
public final class SwarmServices {
    private SwarmServices() {}

    /** Failed tasks of a service's current image after which waiting longer is pointless. */
    static final int FAILURES_SETTLE = 3;

    public static class Service {
        public String id;
        /** The name in the compose file ("web"). */
        public String name;
        /** The swarm name ("stack_web"). */
        public String full_name;
        public String image;
        /** Desired replicas; null for a global service. */
        public Integer replicas;
        public String update_state;
        public String update_message;
    }

    public static class Task {
        public String id;
        public String service_id;
        public int slot;
        public String node_id;
        public String state;
        public String desired_state;
        public String error;
        public String image;
        public int exit_code;
        public String timestamp;

        boolean current() { return "running".equals(desired_state) || "ready".equals(desired_state); }

        boolean failed() { return "failed".equals(state) || "rejected".equals(state); }
    }

    public static List<Service> parseServices(String json, String stack) {
        List<Service> out = new ArrayList<>();
        for (JsonNode n : Json.tree(json.isBlank() ? "[]" : json)) out.add(service(n, stack));
        out.sort(Comparator.comparing(s -> s.name));
        return out;
    }

    /** The services of `docker service inspect` by the stack their namespace label names; unlabelled ones are left out. */
    public static Map<String, List<Service>> parseServicesByStack(String json) {
        Map<String, List<Service>> out = new LinkedHashMap<>();
        for (JsonNode n : Json.tree(json.isBlank() ? "[]" : json)) {
            JsonNode ns = n.path("Spec").path("Labels").path(Swarm.NAMESPACE_LABEL);
            if (!ns.isTextual()) continue;
            out.computeIfAbsent(ns.asText(), k -> new ArrayList<>()).add(service(n, ns.asText()));
        }
        for (List<Service> l : out.values()) l.sort(Comparator.comparing(s -> s.name));
        return out;
    }

    private static Service service(JsonNode n, String stack) {
        JsonNode spec = n.path("Spec");
        Service s = new Service();
        s.id = n.path("ID").asText();
        s.full_name = spec.path("Name").asText();
        String prefix = stack + "_";
        s.name = s.full_name.startsWith(prefix) ? s.full_name.substring(prefix.length()) : s.full_name;
        s.image = spec.path("TaskTemplate").path("ContainerSpec").path("Image").asText(null);
        JsonNode replicated = spec.path("Mode").path("Replicated");
        s.replicas = replicated.isMissingNode() ? null : replicated.path("Replicas").asInt(1);
        JsonNode u = n.path("UpdateStatus");
        if (u.isObject()) {
            s.update_state = u.path("State").asText(null);
            s.update_message = u.path("Message").asText(null);
        }
        return s;
    }

    public static List<Task> parseTasks(String json) {
        List<Task> out = new ArrayList<>();
        for (JsonNode n : Json.tree(json.isBlank() ? "[]" : json)) {
            Task t = new Task();
            t.id = n.path("ID").asText();
            t.service_id = n.path("ServiceID").asText();
            t.slot = n.path("Slot").asInt(0);
            t.node_id = n.path("NodeID").asText(null);
            JsonNode st = n.path("Status");
            t.state = st.path("State").asText();
            t.error = st.path("Err").asText(null);
            t.timestamp = st.path("Timestamp").asText("");
            t.exit_code = st.path("ContainerStatus").path("ExitCode").asInt(0);
            t.desired_state = n.path("DesiredState").asText();
            t.image = n.path("Spec").path("ContainerSpec").path("Image").asText(null);
            out.add(t);
        }
        return out;
    }

    /**
     * @param pinned the release's pinned images (empty: any image counts); an image of a pinned
     *               repository must carry the pinned digest
     */
    public static Engine.Observation observe(String stack, List<Service> services, List<Task> tasks, Map<String, ImageRef> pinned) {
        List<Container> containers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean settled = false;
        if (services.isEmpty()) problems.add("no services run for " + stack);
        Map<String, String> pins = new LinkedHashMap<>();
        for (ImageRef r : pinned.values()) if (r.ref != null) pins.put(ImageRef.nameOf(r.ref), ImageRef.canonicalOf(r.ref));
        for (Service s : services) {
            List<Task> mine = tasks.stream().filter(t -> t.service_id.equals(s.id))
                    .sorted(Comparator.comparing((Task t) -> t.timestamp).reversed()).toList();
            String want = s.image == null ? null : pins.get(ImageRef.nameOf(s.image));
            if (want != null && !want.equals(ImageRef.canonicalOf(s.image)))
                problems.add(s.name + " is set to run " + s.image + ", the release pins " + want);
            int running = 0;
            int current = 0;
            for (Task t : mine) {
                if (!t.current()) continue;
                current++;
                containers.add(container(stack, s, t));
                if ("running".equals(t.state) && onPin(t.image, pins)) running++;
            }
            int desired = s.replicas != null ? s.replicas : current;
            if (running >= desired && desired > 0) continue;
            if (desired == 0 && s.replicas != null) continue;
            List<Task> failures = mine.stream().filter(t -> t.failed() && t.image != null && t.image.equals(s.image)).toList();
            String last = failures.isEmpty() || failures.get(0).error == null ? "" : " (last task error: " + failures.get(0).error + ")";
            problems.add(s.name + ": " + running + "/" + (s.replicas != null ? s.replicas : Math.max(desired, 1)) + " tasks running"
                    + (want != null ? " on the pinned image" : "") + last);
            // the latest failed task, so that diagnostics show its error and logs
            if (!failures.isEmpty() && running == 0 && !failures.get(0).current()) containers.add(container(stack, s, failures.get(0)));
            String u = s.update_state == null ? "" : s.update_state;
            if (u.equals("paused") || u.startsWith("rollback")) {
                problems.add(s.name + ": update " + u.replace('_', ' ') + (s.update_message == null ? "" : ": " + s.update_message));
                settled = true;
            }
            if (failures.size() >= FAILURES_SETTLE) settled = true;
        }
        return new Engine.Observation(containers, problems, settled);
    }

    private static boolean onPin(String image, Map<String, String> pins) {
        if (image == null) return false;
        String want = pins.get(ImageRef.nameOf(image));
        return want == null || want.equals(ImageRef.canonicalOf(image));
    }

    /** A task in the shape the health, drift and diagnostics code reads: the swarm counterpart of a container. */
    static Container container(String stack, Service s, Task t) {
        Container c = new Container();
        c.id = t.id;
        c.name = s.full_name + "." + (s.replicas != null ? Integer.toString(t.slot) : t.node_id);
        c.service = s.name;
        c.project = stack;
        c.image_ref = t.image;
        c.state = t.state;
        c.exit_code = t.exit_code;
        if (t.error != null && !t.error.isBlank()) c.health_log.add("task error: " + t.error);
        return c;
    }

    /** Swarm's own names for a set of tasks' services, for the commands an operator runs next. */
    static String fullName(Container c) {
        return c.project + "_" + c.service;
    }
}
