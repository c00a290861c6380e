package lib.engine;

import lib.core.Json;
import lib.core.Proc;
import lib.core.SmallFiles;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each service of a release is configured to run, as compose itself reads the release dir
 * (its compose file with the release's .env interpolated): `config --format json` with Compose v2,
 * the normalised YAML of `config` with Compose v1. Services behind a profile are optional.
 * {@link #literal} reads the images a compose file names literally, without compose.
 */
public record ServiceImages(Map<String, String> images, Set<String> optional) {

    /** Asks compose for the configuration of {@code releaseDir}; fails with a one-line error. */
    public static ServiceImages of(Compose compose, String stack, Path releaseDir) {
        List<String> cmd = new ArrayList<>(compose.base(stack, releaseDir));
        cmd.add("config");
        if (compose.version == Compose.Version.V2) cmd.addAll(List.of("--format", "json"));
        Proc.Result r = Proc.of(cmd).timeout(Duration.ofSeconds(60)).check("reading the compose config of " + releaseDir);
        return compose.version == Compose.Version.V2 ? parseJson(r.stdout()) : parseYaml(r.stdout());
    }

    /** Compose v2: {"services": {"web": {"image": "...", "profiles": [...]}}}. */
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
     * Compose v1: the YAML `docker-compose config` prints (PyYAML, block style, two-space indent,
     * keys sorted). Only the services section is read: a service name at indent 2, its image and
     * profiles at indent 4.
     */
    public static ServiceImages parseYaml(String yaml) {
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        boolean inServices = false;
        String current = null;
        for (String line : yaml.split("\r?\n")) {
            if (line.isBlank() || line.stripLeading().startsWith("#")) continue;
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') indent++;
            String t = line.strip();
            if (indent == 0) {
                inServices = t.equals("services:");
                current = null;
                continue;
            }
            if (!inServices) continue;
            if (indent == 2) {
                int colon = keyEnd(t);
                if (colon < 0) continue;
                current = unquote(t.substring(0, colon).strip());
                images.put(current, null);
            } else if (indent == 4 && current != null) {
                int colon = keyEnd(t);
                if (colon < 0) continue;
                String key = unquote(t.substring(0, colon).strip());
                String value = t.substring(colon + 1).strip();
                if (key.equals("image") && !value.isEmpty()) images.put(current, unquote(value));
                if (key.equals("profiles") && !value.equals("[]")) optional.add(current);
            }
        }
        return new ServiceImages(images, optional);
    }

    private static final Pattern IMAGE_LINE = Pattern.compile("^\\s*image:\\s*[\"']?([^\"'\\s#]+)[\"']?\\s*(?:#.*)?$");

    /**
     * The literal image references of a compose file, read from its text without compose (so without
     * a process, and without the release's .env): every {@code image:} line whose value has no ${...}.
     * Unreadable files name none.
     */
    public static List<String> literal(Path composeFile) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : SmallFiles.text(composeFile, "compose file").lines().toList()) {
                Matcher m = IMAGE_LINE.matcher(line);
                if (m.matches() && !m.group(1).contains("$")) out.add(m.group(1));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** The index of the colon ending a mapping key ("key:" or "key: value"), outside quotes; -1 when none. */
    private static int keyEnd(String t) {
        char quote = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                if (i == 0) quote = c;
            } else if (c == ':' && (i + 1 == t.length() || t.charAt(i + 1) == ' ')) {
                return i;
            }
        }
        return -1;
    }

    static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) return v.substring(1, v.length() - 1).replace("''", "'");
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            try {
                return Json.MAPPER.readValue(v, String.class);
            } catch (java.io.IOException e) {
                return v.substring(1, v.length() - 1);
            }
        }
        return v;
    }
}
