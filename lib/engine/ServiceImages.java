package lib.engine;

import lib.core.Fail;
import lib.core.Json;
import lib.core.Proc;
import lib.model.DotEnv;
import lib.model.Layout;
import lib.model.Release;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each service of a release is configured to run (its compose file with the release's .env
 * interpolated); services behind a profile are optional. A release made by deploy records it in
 * release.json ({@link Release#services}) when it is deployed, from {@link #derive}; older releases
 * and releases of other tools are read with {@link ComposeFile}. No compose process is started to
 * read a release; {@link #ofCompose} asks compose itself, the fallback of a deploy whose compose file
 * the Java reader does not follow.
 */
public record ServiceImages(Map<String, String> images, Set<String> optional) {

    /** How the record of a release was made: the Java reader, or `compose config`. */
    public static final String FROM_FILE = "compose file";
    public static final String FROM_COMPOSE = "compose config";

    /**
     * What the release in {@code releaseDir} runs: its record ({@code release} may be null: read from
     * the dir), else its compose file read in Java with its .env (Compose v2's interpolation rules).
     * Fails with a one-line error when neither can say.
     */
    public static ServiceImages of(Path releaseDir, Release release) {
        ServiceImages recorded = release != null ? recorded(release) : null;
        if (recorded != null) return recorded;
        if (release == null) {
            Release r = Release.read(releaseDir);
            if (r != null && (recorded = recorded(r)) != null) return recorded;
        }
        return ComposeFile.services(releaseDir, Layout.COMPOSE_FILE, DotEnv.read(releaseDir), ComposeFile.Rules.V2);
    }

    /** The record of a release, or null when it has none. */
    public static ServiceImages recorded(Release r) {
        if (r.services == null) return null;
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        for (var e : r.services.entrySet()) {
            images.put(e.getKey(), e.getValue() == null ? null : e.getValue().image);
            if (e.getValue() != null && e.getValue().optional) optional.add(e.getKey());
        }
        return new ServiceImages(images, optional);
    }

    /**
     * What compose will run from {@code releaseDir} at this deploy: its compose file read in Java with
     * the variables compose sees (the release's .env, overridden by this process's environment, as
     * Compose does), by the rules of the compose flavour that runs it.
     */
    public static ServiceImages derive(Path releaseDir, Map<String, String> environment, ComposeFile.Rules rules) {
        Map<String, String> vars = new HashMap<>(DotEnv.read(releaseDir));
        vars.putAll(environment);
        return ComposeFile.services(releaseDir, Layout.COMPOSE_FILE, vars, rules);
    }

    /** Asks compose for the configuration of {@code releaseDir} (one compose start); fails with a one-line error. */
    public static ServiceImages ofCompose(Compose compose, String stack, Path releaseDir) {
        List<String> cmd = new ArrayList<>(compose.base(stack, releaseDir));
        cmd.add("config");
        if (compose.version == Compose.Version.V2) cmd.addAll(List.of("--format", "json"));
        Proc.Result r = Proc.of(cmd).timeout(Duration.ofSeconds(60)).check("reading the compose config of " + releaseDir);
        return compose.version == Compose.Version.V2 ? parseJson(r.stdout()) : parseConfigYaml(r.stdout());
    }

    /** The record to store in release.json. */
    public Map<String, Release.Service> record() {
        Map<String, Release.Service> out = new LinkedHashMap<>();
        for (var e : images.entrySet()) {
            Release.Service s = new Release.Service();
            s.image = e.getValue();
            s.optional = optional.contains(e.getKey());
            out.put(e.getKey(), s);
        }
        return out;
    }

    /** Compose v2's `config --format json`: {"services": {"web": {"image": "...", "profiles": [...]}}}. */
    public static ServiceImages parseJson(String json) {
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        JsonNode services = Json.tree(json).path("services");
        for (var e : services.properties()) {
            JsonNode img = e.getValue().path("image");
            images.put(e.getKey(), img.isTextual() ? img.asText() : null);
            if (e.getValue().path("profiles").size() > 0) optional.add(e.getKey());
        }
        return new ServiceImages(images, optional);
    }

    /**
     * Compose v1's `config`: the resolved file as YAML, every value interpolated, a literal {@code $}
     * written {@code $$}.
     */
    public static ServiceImages parseConfigYaml(String yaml) {
        Map<String, Object> top = ComposeFile.parse(yaml, "the output of compose config");
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        if (top.get("services") instanceof Map<?, ?> services) {
            for (var e : services.entrySet()) {
                String name = String.valueOf(e.getKey());
                Object image = e.getValue() instanceof Map<?, ?> s ? s.get("image") : null;
                images.put(name, image == null ? null : image.toString().replace("$$", "$"));
                if (e.getValue() instanceof Map<?, ?> s && s.get("profiles") instanceof List<?> p && !p.isEmpty()) optional.add(name);
            }
        } else if (top.get("services") != null) {
            throw Fail.failed("the output of compose config has no services mapping");
        }
        return new ServiceImages(images, optional);
    }

    /** The images the services name (those that have one), each once. */
    public List<String> named() {
        List<String> out = new ArrayList<>();
        for (String i : images.values()) if (i != null && !out.contains(i)) out.add(i);
        return out;
    }
}
