package lib.model;

import lib.core.Fail;
import lib.core.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stack's optional settings file, stack.json in the stack dir. Every field is optional:
 * <pre>
 * {
 *   "environment": "production",            // staging | production; else from the stack name
 *   "engine": "compose",                    // compose (default) | swarm (docker stack deploy, from a manager)
 *   "images": [                             // default: one image in IMAGE_REF
 *     {"name": "seisei-odoo18", "var": "IMAGE_REF", "repository": "ghcr.io/org/seisei-odoo18"}
 *   ],
 *   "health": {
 *     "timeout_seconds": 120,               // --health-timeout overrides
 *     "compose": true,                      // wait for compose healthchecks / running containers
 *     "http": [{"url": "http://127.0.0.1:8069/web/health", "status": 200, "contains": "ok", "timeout_seconds": 5}]
 *   },
 *   "keep_releases": 10,
 *   "hooks": {"pre_deploy": "hooks/pre-deploy", "post_deploy": "hooks/post-deploy", "timeout_seconds": 900},
 *   "rollout": {                            // start-first rollouts (README "Zero-downtime rollouts"); none: up --force-recreate
 *     "services": ["web"],                  // stateless services that may run twice for a moment; never a database
 *     "network": "default",                 // the compose network the proxy finds them on by name
 *     "drain_seconds": 5                    // old and new both serve this long before the old one stops
 *   }
 * }
 * </pre>
 */
public class StackSettings {
    public static final String FILE = "stack.json";

    public String environment;
    public String engine;
    public List<Image> images;
    public HealthSettings health;
    public Integer keep_releases;
    public HookSettings hooks;
    /** Null: every service is recreated in place at each deploy (`up --force-recreate`). */
    public Rollout rollout;

    public static class Image {
        public String name;
        public String var;
        public String repository;
    }

    public static class HealthSettings {
        public Integer timeout_seconds;
        public Boolean compose;
        public List<HttpCheck> http;
    }

    public static class HttpCheck {
        public String url;
        public Integer status;
        public String contains;
        public Integer timeout_seconds;
    }

    public static class HookSettings {
        public String pre_deploy;
        public String post_deploy;
        public Integer timeout_seconds;
    }

    /**
     * A start-first rollout of some services: the new release's containers start beside the running
     * ones, join {@link #network} once healthy, and the old ones stop {@link #drain_seconds} later.
     */
    public static class Rollout {
        public static final String DEFAULT_NETWORK = "default";
        public static final int DEFAULT_DRAIN_SECONDS = 5;

        public List<String> services;
        public String network;
        public Integer drain_seconds;

        public boolean lists(String service) { return services.contains(service); }
    }

    /** Reads {@code dir/stack.json} (defaults when absent) and checks every field. */
    public static StackSettings load(Path stackDir) {
        Path file = stackDir.resolve(FILE);
        StackSettings s = Files.exists(file) ? Json.read(file, StackSettings.class, "settings file") : null;
        if (s == null) s = new StackSettings();
        s.validate(file);
        return s;
    }

    public void validate(Path file) {
        String where = file.toString();
        if (environment != null && !environment.equals(Names.STAGING) && !environment.equals(Names.PRODUCTION))
            throw Fail.usage(where + ": environment must be staging or production, not " + Names.quote(environment));
        if (engine == null) engine = "compose";
        if (!engine.equals("compose") && !engine.equals("swarm"))
            throw Fail.usage(where + ": engine " + Names.quote(engine) + " is not supported (compose or swarm)");
        if (images == null || images.isEmpty()) {
            Image i = new Image();
            i.var = ImageRef.PRIMARY_VAR;
            images = new ArrayList<>(List.of(i));
        }
        Set<String> vars = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Image i : images) {
            if (i == null) throw Fail.usage(where + ": images has an empty entry");
            if (i.var == null) i.var = images.size() == 1 ? ImageRef.PRIMARY_VAR : null;
            if (i.var == null) throw Fail.usage(where + ": every image needs \"var\" when there are several");
            try {
                Names.envVar(i.var);
                if (i.repository != null) Names.repository(i.repository);
            } catch (Fail f) {
                throw Fail.usage(where + ": " + f.getMessage());
            }
            if (!vars.add(i.var)) throw Fail.usage(where + ": variable " + i.var + " is used twice");
            if (i.name != null && !names.add(i.name)) throw Fail.usage(where + ": image name " + i.name + " is used twice");
        }
        if (health == null) health = new HealthSettings();
        if (health.compose == null) health.compose = true;
        if (health.timeout_seconds != null && (health.timeout_seconds < 1 || health.timeout_seconds > 3600))
            throw Fail.usage(where + ": health.timeout_seconds must be 1..3600");
        if (health.http == null) health.http = List.of();
        for (HttpCheck c : health.http) {
            if (c == null || c.url == null || !(c.url.startsWith("http://") || c.url.startsWith("https://")))
                throw Fail.usage(where + ": every health.http entry needs an http(s) url");
            if (c.status == null) c.status = 200;
            if (c.timeout_seconds == null) c.timeout_seconds = 5;
        }
        if (keep_releases != null && keep_releases < 1) throw Fail.usage(where + ": keep_releases must be at least 1");
        if (hooks == null) hooks = new HookSettings();
        if (hooks.pre_deploy == null) hooks.pre_deploy = "hooks/pre-deploy";
        if (hooks.post_deploy == null) hooks.post_deploy = "hooks/post-deploy";
        if (hooks.timeout_seconds == null) hooks.timeout_seconds = 900;
        for (String h : new String[] {hooks.pre_deploy, hooks.post_deploy}) {
            if (h.startsWith("/") || Path.of(h).normalize().startsWith("..") || h.contains("\0"))
                throw Fail.usage(where + ": hook " + Names.quote(h) + " must be a path inside the stack dir");
        }
        if (rollout != null) validateRollout(where);
    }

    private static final java.util.regex.Pattern COMPOSE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private void validateRollout(String where) {
        if (rollout.services == null || rollout.services.isEmpty())
            throw Fail.usage(where + ": rollout.services must name at least one service of the compose file");
        Set<String> seen = new HashSet<>();
        for (String s : rollout.services) {
            if (s == null || !COMPOSE_NAME.matcher(s).matches())
                throw Fail.usage(where + ": rollout.services: " + Names.quote(String.valueOf(s)) + " is not a compose service name");
            if (!seen.add(s)) throw Fail.usage(where + ": rollout.services names " + s + " twice");
        }
        if (rollout.network == null) rollout.network = Rollout.DEFAULT_NETWORK;
        if (!COMPOSE_NAME.matcher(rollout.network).matches())
            throw Fail.usage(where + ": rollout.network " + Names.quote(rollout.network) + " is not a compose network name");
        if (rollout.drain_seconds == null) rollout.drain_seconds = Rollout.DEFAULT_DRAIN_SECONDS;
        if (rollout.drain_seconds < 0 || rollout.drain_seconds > 3600)
            throw Fail.usage(where + ": rollout.drain_seconds must be 0..3600");
    }

    /**
     * The stack's environment: stack.json, else its name (*-prod, *-production: production;
     * *-staging, *-stg: staging); refused when neither tells.
     */
    public String environmentOf(String stack) {
        if (environment != null) return environment;
        String fromName = environmentFromName(stack);
        if (fromName != null) return fromName;
        throw Fail.usage("the environment of stack " + stack + " is unknown: declare \"environment\" in its "
                + FILE + " or name it *-prod / *-staging");
    }

    public static String environmentFromName(String stack) {
        if (stack.endsWith("-prod") || stack.endsWith("-production")) return Names.PRODUCTION;
        if (stack.endsWith("-staging") || stack.endsWith("-stg")) return Names.STAGING;
        return null;
    }

    public int keepReleases() { return keep_releases == null ? 10 : keep_releases; }

    public static final int DEFAULT_HEALTH_TIMEOUT_SECONDS = 120;

    /** How long to wait for health when --health-timeout does not say: health.timeout_seconds, else 120. */
    public int healthTimeoutSeconds() {
        return health.timeout_seconds != null ? health.timeout_seconds : DEFAULT_HEALTH_TIMEOUT_SECONDS;
    }

    /** The image whose reference fills the seed's single-image fields (image_ref, image_digest). */
    public Image primary() {
        Map<String, Image> byVar = new LinkedHashMap<>();
        for (Image i : images) byVar.put(i.var, i);
        return ImageRef.primary(byVar);
    }
}
