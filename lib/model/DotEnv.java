package lib.model;

import lib.core.Fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A release's .env read the way Compose reads it (KEY=VALUE lines, # comments, an optional
 * "export ", values in matching quotes unquoted), for engines that do not read it themselves:
 * `docker stack deploy` interpolates from its own environment only.
 */
public final class DotEnv {
    private DotEnv() {}

    public static final String FILE = ".env";

    public static Map<String, String> parse(String text) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("export ")) line = line.substring(7).stripLeading();
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'') && value.endsWith(value.substring(0, 1)))
                value = value.substring(1, value.length() - 1);
            vars.put(key, value);
        }
        return vars;
    }

    /** The variables of {@code dir/.env}; none when it is absent. */
    public static Map<String, String> read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return Map.of();
        try {
            return parse(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw Fail.failed("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
