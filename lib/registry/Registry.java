package lib.registry;

import lib.core.Fail;
import lib.core.Http;
import lib.core.Json;
import lib.model.ImageRef;
import lib.model.Names;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a registry (Docker Registry HTTP API v2) for the manifest digest of a tag: HEAD with the four
 * manifest media types and the Docker-Content-Digest header, falling back to GET and hashing the exact
 * body; the bearer-token challenge with credentials from the Docker client config. Loopback registries
 * are spoken to over plain HTTP, all others over HTTPS, as Docker does.
 */
public final class Registry {
    public static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    /** Where a repository lives: registry host (with port), the path in it, and the scheme to use. */
    public record Location(String host, String path, String scheme) {
        public String base() { return scheme + "://" + host + "/v2/" + path; }
    }

    private final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path dockerConfig;

    public Registry() {
        this(dockerConfigFile());
    }

    public Registry(Path dockerConfig) {
        this.dockerConfig = dockerConfig;
    }

    /** Docker Hub's API host: where the registry client speaks to {@value ImageRef#HUB}. */
    public static final String HUB_API = "registry-1.docker.io";

    /** Where a repository lives: its registry ({@link ImageRef#host}, Docker Hub's API host for the Hub) and its path there. */
    public static Location locate(String repository) {
        ImageRef r = ImageRef.parse(Names.repository(repository));
        String host = r.host().equals(ImageRef.HUB) ? HUB_API : r.host();
        return new Location(host, r.path(), isLoopback(host) ? "http" : "https");
    }

    /** localhost, 127.0.0.0/8 and ::1, with or without a port. */
    public static boolean isLoopback(String hostPort) {
        String h = hostPort;
        if (h.startsWith("[")) {
            h = h.substring(1, h.indexOf(']') < 0 ? h.length() : h.indexOf(']'));
            return h.equals("::1");
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) h = h.substring(0, colon);
        return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** The manifest digest the registry serves for {@code repository:tag} now. */
    public String digestOf(String repository, String tag) {
        Names.tag(tag);
        Location loc = locate(repository);
        String url = loc.base() + "/manifests/" + tag;
        Http.Response head = send(loc, "HEAD", url, ACCEPT);
        if (head.status() == 404)
            throw Fail.usage("tag " + tag + " not found in " + repository + " (registry " + loc.host() + ")");
        if (head.status() == 200) {
            String d = head.header("Docker-Content-Digest").orElse(null);
            if (Names.isDigest(d)) return d;
        }
        Http.Response get = send(loc, "GET", url, ACCEPT);
        if (get.status() == 404)
            throw Fail.usage("tag " + tag + " not found in " + repository + " (registry " + loc.host() + ")");
        if (get.status() != 200) throw unexpected(loc, get);
        return sha256(get.body());
    }

    /** The tags of a repository, every page of them (the Link header's rel="next"). */
    public List<String> tags(String repository) {
        Location loc = locate(repository);
        List<String> out = new java.util.ArrayList<>();
        String url = loc.base() + "/tags/list";
        for (int page = 0; url != null; page++) {
            if (page >= MAX_PAGES) throw Fail.failed("registry " + loc.host() + " lists more than " + MAX_PAGES + " pages of tags for " + loc.path());
            Http.Response r = send(loc, "GET", url, "application/json");
            if (r.status() == 404) return out;
            if (r.status() != 200) throw unexpected(loc, r);
            JsonNode n = Json.tree(new String(r.body(), StandardCharsets.UTF_8));
            for (JsonNode t : n.path("tags")) out.add(t.asText());
            url = nextPage(loc, r.header("Link").orElse(null));
        }
        return out;
    }

    private static final int MAX_PAGES = 10_000;
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    /** The URL of the next page from a Link header, on the same registry; null when there is none. */
    public static String nextPage(Location loc, String link) {
        if (link == null) return null;
        Matcher m = NEXT.matcher(link);
        if (!m.find()) return null;
        String next = m.group(1);
        if (next.startsWith("/")) return loc.scheme() + "://" + loc.host() + next;
        URI u = URI.create(next);
        return loc.host().equals(u.getAuthority()) ? next : null;
    }

    /** A manifest as the registry serves it: its digest, media type, exact body, and Last-Modified when given. */
    public record Manifest(String digest, String mediaType, byte[] body, String lastModified) {}

    /** The manifest of {@code reference} (a tag or a digest), or null when the registry has none. */
    public Manifest manifest(String repository, String reference) {
        Location loc = locate(repository);
        Http.Response r = send(loc, "GET", loc.base() + "/manifests/" + reference, ACCEPT);
        if (r.status() == 404) return null;
        if (r.status() != 200) throw unexpected(loc, r);
        String d = r.header("Docker-Content-Digest").filter(Names::isDigest).orElse(sha256(r.body()));
        return new Manifest(d, r.header("Content-Type").orElse(""), r.body(),
                r.header("Last-Modified").orElse(null));
    }

    /** A blob's bytes (an image config), or null when the registry has none. */
    public byte[] blob(String repository, String digest) {
        Names.digest(digest);
        Location loc = locate(repository);
        Http.Response r = send(loc, "GET", loc.base() + "/blobs/" + digest, "*/*");
        if (r.status() == 404) return null;
        if (r.status() != 200) throw unexpected(loc, r);
        return r.body();
    }

    /** How a manifest delete ended. */
    public enum Deleted { DELETED, ABSENT, UNSUPPORTED }

    /**
     * Deletes a manifest by digest, and with it every tag that points at it. UNSUPPORTED when the
     * registry does not allow deletes (405, or the error code UNSUPPORTED); ABSENT when it is gone already.
     */
    public Deleted deleteManifest(String repository, String digest) {
        Names.digest(digest);
        Location loc = locate(repository);
        Http.Response r = send(loc, "DELETE", loc.base() + "/manifests/" + digest, ACCEPT);
        int c = r.status();
        if (c == 202 || c == 200 || c == 204) return Deleted.DELETED;
        if (c == 404) return Deleted.ABSENT;
        String body = new String(r.body(), StandardCharsets.UTF_8);
        if (c == 405 || body.contains("\"UNSUPPORTED\"")) return Deleted.UNSUPPORTED;
        if (c == 403) throw Fail.failed("registry " + loc.host() + " denied deleting " + digest + " from " + loc.path()
                + ": the credentials in " + dockerConfig + " lack delete rights");
        throw unexpected(loc, r);
    }

    public static String sha256(byte[] body) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Http.Response send(Location loc, String method, String url, String accept) {
        Http.Response r = once(method, url, accept, tokens.get(loc.host() + "/" + loc.path()));
        if (r.status() == 401) {
            String challenge = r.header("WWW-Authenticate").orElse("");
            String auth = authorize(loc, challenge);
            if (auth != null) {
                tokens.put(loc.host() + "/" + loc.path(), auth);
                r = once(method, url, accept, auth);
            }
            if (r.status() == 401)
                throw Fail.failed("registry " + loc.host() + " refused access to " + loc.path()
                        + ": log in with `docker login " + loc.host() + "` (credentials are read from " + dockerConfig + ")");
        }
        return r;
    }

    private Http.Response once(String method, String url, String accept, String authorization) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put("Accept", accept);
        if (authorization != null) h.put("Authorization", authorization);
        try {
            return Http.send(method, url, h, CONNECT_TIMEOUT, READ_TIMEOUT);
        } catch (IOException e) {
            String host = URI.create(url).getAuthority();
            throw Fail.failed("registry " + host + " is unreachable: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** Answers a Bearer or Basic challenge; null when there is nothing to answer with. */
    private String authorize(Location loc, String challenge) {
        String basic = basicCredentials(loc.host());
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) return basic == null ? null : "Basic " + basic;
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) return null;
        Map<String, String> p = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(challenge);
        while (m.find()) p.put(m.group(1), m.group(2));
        String realm = p.get("realm");
        if (realm == null) return null;
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        if (p.containsKey("service")) url.append("service=").append(enc(p.get("service"))).append('&');
        url.append("scope=").append(enc(p.getOrDefault("scope", "repository:" + loc.path() + ":pull")));
        Map<String, String> h = new java.util.LinkedHashMap<>();
        if (basic != null) h.put("Authorization", "Basic " + basic);
        try {
            Http.Response r = Http.send("GET", url.toString(), h, CONNECT_TIMEOUT, READ_TIMEOUT);
            if (r.status() != 200) return null;
            JsonNode n = Json.tree(r.text());
            String token = n.path("token").asText(n.path("access_token").asText(""));
            return token.isEmpty() ? null : "Bearer " + token;
        } catch (IOException e) {
            throw Fail.failed("token service " + realm + " is unreachable: " + e.getMessage());
        }
    }

    /** base64(user:password) for the host from the Docker client config, or null. */
    String basicCredentials(String host) {
        try {
            if (dockerConfig == null || !Files.isRegularFile(dockerConfig)) return null;
            JsonNode auths = Json.tree(Files.readString(dockerConfig)).path("auths");
            for (String key : new String[] {host, "https://" + host, "http://" + host,
                    host.equals(HUB_API) ? "https://index.docker.io/v1/" : host}) {
                JsonNode a = auths.path(key);
                if (a.hasNonNull("auth")) return a.get("auth").asText();
                if (a.hasNonNull("username") && a.hasNonNull("password"))
                    return Base64.getEncoder().encodeToString((a.get("username").asText() + ":" + a.get("password").asText())
                            .getBytes(StandardCharsets.UTF_8));
            }
            return null;
        } catch (IOException | Fail e) {
            return null;
        }
    }

    static Path dockerConfigFile() {
        String dir = System.getenv("DOCKER_CONFIG");
        return dir != null ? Path.of(dir, "config.json") : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    private static Fail unexpected(Location loc, Http.Response r) {
        return Fail.failed("registry " + loc.host() + " answered " + r.status() + " for " + r.path());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
