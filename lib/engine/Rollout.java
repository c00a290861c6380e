package lib.engine;

import lib.core.Fail;
import lib.model.DotEnv;
import lib.model.Layout;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-first rollouts of compose services (stack.json "rollout"; README "Zero-downtime rollouts"),
 * the pure part: what the compose file says of each listed service, the refusals, the plan of an
 * `up` and the role of each container. {@link ComposeEngine} runs it.
 * <p>
 * A listed service's containers are found by the proxy under the service's name on the rollout
 * network. A new container starts beside the running ones <em>off</em> that network, and joins it
 * (with the service's name as alias) only once healthy; the old ones then keep serving for the drain
 * time and are stopped with the service's stop grace period, and removed. A new container that never
 * gets healthy never joined the network: it is removed at the next `up` (the restore of the release
 * that ran, or the next rollback target), after its diagnostics were read.
 */
public final class Rollout {
    private Rollout() {}

    /** Compose's default stop grace period. */
    public static final int DEFAULT_STOP_SECONDS = 10;

    /** A listed service as the compose file has it: the engine's name of its rollout network, its replicas, its stop grace period. */
    public record Service(String name, String network, int replicas, int stopSeconds) {}

    /** The variables compose interpolates {@code dir}'s compose file with: its .env, overridden by this process's environment. */
    public static Map<String, String> vars(Path dir) {
        Map<String, String> vars = new HashMap<>(DotEnv.read(dir));
        vars.putAll(System.getenv());
        return vars;
    }

    /**
     * The listed services of the compose file in {@code dir}, checked: each must be a service of the
     * file, sit on the rollout network, and have nothing that forbids a second container beside the
     * first (a fixed host port, a fixed container_name, a network_mode). Fails with one line (exit 2)
     * naming the first problem.
     */
    public static List<Service> services(String project, Path dir, Map<String, String> vars, ComposeFile.Rules rules,
                                         StackSettings.Rollout rollout) {
        Path file = dir.resolve(Layout.COMPOSE_FILE);
        try {
            Map<String, Object> top = ComposeFile.top(dir, Layout.COMPOSE_FILE);
            if (top.containsKey("include"))
                throw Fail.usage("stack.json rollout: " + file + " includes other compose files (include:), which a rollout cannot check");
            List<Service> out = new ArrayList<>();
            for (String name : rollout.services) {
                Map<String, Object> o = ComposeFile.serviceOptions(dir, Layout.COMPOSE_FILE, vars, rules, name);
                String why = refusal(name, o, rollout.network, vars, rules);
                if (why != null) throw Fail.usage("stack.json rollout: " + why + " (" + file + ")");
                out.add(new Service(name, networkName(project, top, rollout.network, vars, rules), replicas(o, vars, rules),
                        stopSeconds(o.get("stop_grace_period"), vars, rules)));
            }
            return out;
        } catch (Fail f) {
            if (f.code == lib.core.Exit.USAGE) throw f;
            throw Fail.usage("stack.json rollout: cannot read the compose file: " + f.oneLine());
        }
    }

    /** Why service {@code name} (its options {@code o}; null: no such service) cannot roll out start-first, or null. */
    static String refusal(String name, Map<String, Object> o, String network, Map<String, String> vars, ComposeFile.Rules rules) {
        if (o == null) return "rollout.services names " + name + ", which is not a service of the compose file";
        if (o.get("container_name") != null)
            return "service " + name + " has a fixed container_name (" + text(o.get("container_name"), vars, rules)
                    + "): a second container of it cannot start beside the first";
        if (o.get("network_mode") != null)
            return "service " + name + " uses network_mode: " + text(o.get("network_mode"), vars, rules) + "; a start-first rollout needs it on"
                    + " the compose network " + network + " where the proxy finds it by name";
        if (o.get("ports") instanceof List<?> ports) {
            for (Object p : ports) {
                String fixed = fixedHostPort(p, vars, rules);
                if (fixed != null)
                    return "service " + name + " publishes the fixed host port " + fixed + ": a second container of it cannot bind it too;"
                            + " let the proxy publish the port and reach " + name + " on the network " + network;
            }
        }
        if (!onNetwork(o.get("networks"), network))
            return "service " + name + " is not on the network " + network + " (rollout.network), where the proxy finds it by name";
        return null;
    }

    private static final Pattern SHORT_PORT = Pattern.compile("^(?:(?:\\[[^\\]]*\\]|[^:\\[]*):)?([^:]*):([^:]+)$");

    /**
     * The host port a {@code ports} entry binds, when it names one: "8080:80", "127.0.0.1:8080:80",
     * "8000-8001:80", or the long syntax with {@code published}; null for a container port alone
     * ("80"; the engine picks a free host port) or "127.0.0.1::80".
     */
    static String fixedHostPort(Object entry, Map<String, String> vars, ComposeFile.Rules rules) {
        if (entry instanceof Map<?, ?> m) {
            Object published = m.get("published");
            String p = published == null ? "" : text(published, vars, rules);
            return p.isEmpty() ? null : p;
        }
        String s = text(entry, vars, rules);
        if (s == null) return null;
        s = s.replaceFirst("/(tcp|udp|sctp)$", "");
        Matcher x = SHORT_PORT.matcher(s);
        if (!x.matches()) return null;
        String host = x.group(1);
        return host.isEmpty() ? null : host;
    }

    /** True when a service's {@code networks} (absent: the default network; a list; a mapping) includes {@code network}. */
    static boolean onNetwork(Object networks, String network) {
        if (networks == null) return network.equals(StackSettings.Rollout.DEFAULT_NETWORK);
        if (networks instanceof List<?> l) return l.stream().anyMatch(n -> network.equals(String.valueOf(n)));
        if (networks instanceof Map<?, ?> m) return m.containsKey(network);
        return false;
    }

    /**
     * The engine's name of the compose network {@code key}: its {@code name:}, the name of an external
     * network, else PROJECT_KEY (the project is the stack name, already in Compose's normal form).
     */
    static String networkName(String project, Map<String, Object> top, String key, Map<String, String> vars, ComposeFile.Rules rules) {
        Object networks = top.get("networks");
        Object def = networks instanceof Map<?, ?> m ? m.get(key) : null;
        if (def instanceof Map<?, ?> d) {
            if (d.get("name") != null) return text(d.get("name"), vars, rules);
            Object ext = d.get("external");
            if (ext instanceof Map<?, ?> e && e.get("name") != null) return text(e.get("name"), vars, rules);
            if (Boolean.TRUE.equals(ext) || "true".equals(String.valueOf(ext))) return key;
        }
        return project + "_" + key;
    }

    /** How many containers of the service run: {@code scale}, else {@code deploy.replicas}, else 1. */
    static int replicas(Map<String, Object> o, Map<String, String> vars, ComposeFile.Rules rules) {
        Object n = o.get("scale");
        if (n == null && o.get("deploy") instanceof Map<?, ?> d) n = d.get("replicas");
        if (n == null) return 1;
        try {
            return Math.max(1, Integer.parseInt(text(n, vars, rules).strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|ns)");

    /** A compose duration ("10s", "1m30s", "500ms") in whole seconds, rounded up; {@link #DEFAULT_STOP_SECONDS} when absent or unreadable. */
    static int stopSeconds(Object v, Map<String, String> vars, ComposeFile.Rules rules) {
        if (v == null) return DEFAULT_STOP_SECONDS;
        String s = text(v, vars, rules).strip();
        if (s.matches("\\d+")) return Integer.parseInt(s);
        Matcher m = DURATION.matcher(s);
        double seconds = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) return DEFAULT_STOP_SECONDS;
            double n = Double.parseDouble(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                case "s" -> n;
                case "ms" -> n / 1e3;
                case "us" -> n / 1e6;
                default -> n / 1e9;
            };
            end = m.end();
        }
        if (end != s.length() || end == 0) return DEFAULT_STOP_SECONDS;
        return (int) Math.ceil(seconds);
    }

    private static String text(Object v, Map<String, String> vars, ComposeFile.Rules rules) {
        return v == null ? null : ComposeFile.interpolate(String.valueOf(v), vars, rules);
    }

    /**
     * What an `up` of {@code dir} does with one listed service's containers ({@code own}: those of the
     * stack's own project): when containers of {@code dir} serve already (a restore), they are kept and
     * every other one goes; otherwise those not serving go (stopped ones, failed attempts), and
     * {@code replicas} new ones start beside those that serve: compose is asked for {@code scale} in all.
     */
    public record Plan(String service, List<String> remove, boolean start, int scale) {}

    public static Plan plan(Service s, List<Container> own, Path dir) {
        List<String> remove = new ArrayList<>();
        List<Container> mine = own.stream().filter(c -> s.name().equals(c.service)).toList();
        boolean live = mine.stream().anyMatch(c -> serving(c, s.network()) && inDir(c, dir));
        int serving = 0;
        for (Container c : mine) {
            boolean keep = live ? serving(c, s.network()) && inDir(c, dir) : serving(c, s.network());
            if (keep) serving++;
            else remove.add(c.id);
        }
        return new Plan(s.name(), remove, !live, live ? serving : serving + s.replicas());
    }

    /** Running and on the rollout network: the proxy may send it requests. */
    public static boolean serving(Container c, String network) {
        return c.running() && c.networks.contains(network);
    }

    public static boolean inDir(Container c, Path dir) {
        return c.working_dir != null && Path.of(c.working_dir).equals(dir);
    }

    /** The new containers of a listed service after its `up`: created from {@code dir} and not on the network yet. */
    public static List<Container> fresh(Service s, List<Container> own, Path dir) {
        return own.stream().filter(c -> s.name().equals(c.service) && inDir(c, dir) && !c.networks.contains(s.network())).toList();
    }

    /** The containers a healthy release of {@code dir} replaces: those of the service from another release that serve. */
    public static List<Container> old(Service s, List<Container> own, Path dir) {
        return own.stream().filter(c -> s.name().equals(c.service) && !inDir(c, dir) && serving(c, s.network())).toList();
    }

    public static final String SERVING = "serving";
    public static final String NEW = "starting (new)";
    public static final String OLD = "serving (old)";
    public static final String LEFT_OVER = "not serving (left over)";

    /** The role of a listed service's container for status: serving, a new one not serving yet, an old one still serving, a left-over. */
    public static String role(Container c, String network, Path dir) {
        boolean serves = serving(c, network);
        if (inDir(c, dir)) return serves ? SERVING : NEW;
        return serves ? OLD : LEFT_OVER;
    }

    /** "web" or "web, api": for progress output. */
    static String names(List<Service> services) {
        return String.join(", ", services.stream().map(Service::name).toList());
    }
}
