package lib.registry;

import lib.core.Fail;
import lib.core.Http;
import lib.core.Json;
import lib.core.Proc;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Registry credentials as the docker CLI finds them in its config file ($DOCKER_CONFIG/config.json,
 * else ~/.docker/config.json): the credential helper named for the registry in "credHelpers", else the
 * "credsStore" helper, else "auths" (auth = base64 user:password, or username and password, or an
 * identitytoken). Helpers are asked through the docker-credential protocol: `docker-credential-NAME get`
 * with the server on stdin. Docker Hub is looked up as docker does, under https://index.docker.io/v1/.
 */
public final class DockerCredentials {
    public static final String HUB_KEY = "https://index.docker.io/v1/";
    private static final List<String> HUB_HOSTS = List.of("index.docker.io", "docker.io", "registry-1.docker.io");
    private static final String NOT_FOUND = "credentials not found in native keychain";
    static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

    /** Credentials for one registry and where they came from (for messages; never the secret). */
    public record Auth(String username, String password, String identityToken, String source) {
        /** base64(user:password) for a Basic header; null with only an identity token. */
        public String basic() {
            if (username == null || password == null) return null;
            return Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        /** "user alice (auths in /root/.docker/config.json)" */
        public String who() {
            return (identityToken != null && password == null ? "the identity token" : "user " + username) + " from " + source;
        }
    }

    /** What a credential helper printed, and how it ended. */
    public record HelperResult(int exit, String stdout, String stderr) {}

    /** Runs docker-credential-NAME get; null when no such program is on PATH. */
    public interface Helpers {
        HelperResult get(String helper, String server);
    }

    private final Path file;
    private final Helpers helpers;
    private JsonNode config;

    public DockerCredentials(Path file, Helpers helpers) {
        this.file = file;
        this.helpers = helpers;
    }

    /** The client config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
    public static Path configFile(Map<String, String> env) {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isBlank()) return Path.of(dir, "config.json");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".docker", "config.json");
    }

    public Path file() { return file; }

    /** The key docker files a registry's credentials under: https://index.docker.io/v1/ for Docker Hub, else host[:port]. */
    public static String serverKey(String host) {
        return isHub(host) ? HUB_KEY : host;
    }

    public static boolean isHub(String host) {
        return HUB_HOSTS.contains(hostnameOf(host));
    }

    /** A config key as a host: scheme and path dropped (https://index.docker.io/v1/ -> index.docker.io). */
    public static String hostnameOf(String key) {
        String k = key.strip();
        if (k.startsWith("http://")) k = k.substring(7);
        else if (k.startsWith("https://")) k = k.substring(8);
        int slash = k.indexOf('/');
        if (slash >= 0) k = k.substring(0, slash);
        return k.toLowerCase(Locale.ROOT);
    }

    /**
     * The credentials for {@code host}, in docker's order: credHelpers, credsStore, auths; null when the
     * config has none for it. A helper that fails or cannot be found is a one-line error naming it.
     */
    public Auth lookup(String host) {
        JsonNode c = config();
        String key = serverKey(host);
        String helper = helperFor(c.path("credHelpers"), host);
        if (helper != null) return fromHelper(helper, "credHelpers", key);
        String store = c.path("credsStore").asText("");
        if (!store.isBlank()) return fromHelper(store, "credsStore", key);
        return fromAuths(c.path("auths"), host);
    }

    /** The credHelpers entry for a host: its exact key first, then any key naming the same host. */
    static String helperFor(JsonNode helpers, String host) {
        JsonNode exact = helpers.get(serverKey(host));
        if (exact != null && exact.isTextual() && !exact.asText().isBlank()) return exact.asText();
        exact = helpers.get(host);
        if (exact != null && exact.isTextual() && !exact.asText().isBlank()) return exact.asText();
        for (Iterator<Map.Entry<String, JsonNode>> it = helpers.fields(); it.hasNext(); ) {
            var e = it.next();
            if (sameRegistry(e.getKey(), host) && e.getValue().isTextual() && !e.getValue().asText().isBlank()) return e.getValue().asText();
        }
        return null;
    }

    private static boolean sameRegistry(String key, String host) {
        String k = hostnameOf(key);
        return k.equals(hostnameOf(host)) || (isHub(k) && isHub(host));
    }

    /** The auths entry for a host: the exact key, then any key naming the same host (as docker's file store does). */
    Auth fromAuths(JsonNode auths, String host) {
        JsonNode a = auths.get(serverKey(host));
        if (a == null) a = auths.get(host);
        if (a == null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
                var e = it.next();
                if (sameRegistry(e.getKey(), host)) {
                    a = e.getValue();
                    break;
                }
            }
        }
        if (a == null || !a.isObject()) return null;
        String source = "auths in " + file;
        String user = text(a, "username"), password = text(a, "password"), token = text(a, "identitytoken");
        String auth = text(a, "auth");
        if (auth != null) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw Fail.failed("the \"auth\" of " + host + " in " + file + " is not base64: log in again with `docker login " + loginHost(host) + "`");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0)
                throw Fail.failed("the \"auth\" of " + host + " in " + file + " is not user:password: log in again with `docker login " + loginHost(host) + "`");
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (token != null) return new Auth(user, null, token, source);
        if (user == null || user.isEmpty() || password == null) return null;
        return new Auth(user, password, null, source);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? null : v.asText();
    }

    private Auth fromHelper(String helper, String setting, String server) {
        String program = "docker-credential-" + helper;
        String where = program + " (" + setting + " in " + file + ")";
        HelperResult r;
        try {
            r = helpers.get(helper, server);
        } catch (Fail f) {
            throw Fail.failed("credential helper " + where + " could not be asked for " + server + ": " + f.oneLine());
        }
        if (r == null)
            throw Fail.failed("credential helper " + where + " is not on PATH: install it, or change " + setting + " in " + file);
        if (r.exit() != 0) {
            if ((r.stdout() + r.stderr()).toLowerCase(Locale.ROOT).contains(NOT_FOUND)) return null;
            String why = lastLine(r.stderr().isBlank() ? r.stdout() : r.stderr());
            throw Fail.failed("credential helper " + where + " failed for " + server + " (exit " + r.exit() + ")"
                    + (why.isEmpty() ? "" : ": " + why));
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(r.stdout());
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject())
            throw Fail.failed("credential helper " + where + " answered something other than credentials for " + server);
        String user = text(n, "Username"), secret = text(n, "Secret");
        if (secret == null) return null;
        String source = "credential helper " + where;
        if ("<token>".equals(user)) return new Auth(null, null, secret, source);
        return new Auth(user, secret, null, source);
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines.length == 0 ? "" : Http.withoutClassNames(lines[lines.length - 1].strip());
    }

    /** What `docker login` takes for a host: nothing for Docker Hub. */
    static String loginHost(String host) {
        return isHub(host) ? "" : host;
    }

    private JsonNode config() {
        if (config != null) return config;
        try {
            byte[] bytes = Files.readAllBytes(file);
            JsonNode n = Json.MAPPER.readTree(bytes);
            config = n == null || !n.isObject() ? Json.MAPPER.createObjectNode() : n;
        } catch (NoSuchFileException e) {
            config = Json.MAPPER.createObjectNode();
        } catch (IOException e) {
            if (Files.isDirectory(file)) throw Fail.failed("docker config " + file + " is a directory");
            if (!Files.exists(file)) {
                config = Json.MAPPER.createObjectNode();
                return config;
            }
            throw Fail.failed("docker config " + file + " is not valid JSON (" + Json.problem(e)
                    + "): fix it or log in again with `docker login`");
        }
        return config;
    }

    /** Runs helpers found on PATH through Proc, with a timeout. */
    public static Helpers onPath(Map<String, String> env) {
        return (helper, server) -> {
            Path program = findOnPath("docker-credential-" + helper, env.get("PATH"));
            if (program == null) return null;
            Proc.Result r = Proc.of(List.of(program.toString(), "get")).stdin(server + "\n").timeout(HELPER_TIMEOUT).run();
            return new HelperResult(r.exitCode(), r.stdout(), r.stderr());
        };
    }

    static Path findOnPath(String name, String path) {
        if (name.contains("/") || name.contains(File.separator)) return null;
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(File.pathSeparator)));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }
}
