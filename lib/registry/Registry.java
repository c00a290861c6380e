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
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one registry client of every script (Docker Registry HTTP API v2), reaching registries as docker
 * does: credentials from the docker client config (credential helpers, then auths), TLS trust from the
 * JVM, the system bundle and /etc/docker/certs.d, plain HTTP only for loopback and the engine's insecure
 * registries, the proxy variables, timeouts, one retry on a reset connection or a 5xx, and 429 waits.
 * A tag's digest is asked with HEAD and the Docker-Content-Digest header, falling back to GET and
 * hashing the exact body. Every failure is one line ({@link RegistryErrors}).
 */
public final class Registry {
    public static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    /** Where a repository lives: registry host (with port), the path in it, and the scheme tried first. */
    public record Location(String host, String path, String scheme) {
        public String base() { return scheme + "://" + host + "/v2/" + path; }
    }

    /** How a registry host is reached: verified TLS, TLS without checks (an insecure registry), or plain HTTP. */
    enum Mode { HTTPS, HTTPS_UNVERIFIED, HTTP }

    private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_PAGES = 10_000;
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private final Map<String, String> env;
    private final Path certsDir;
    private final Supplier<InsecureRegistries> insecureSource;
    private final DockerCredentials.Helpers helpers;
    private final Proxies proxies;
    private DockerCredentials credentials;
    private Trust trust;
    private volatile InsecureRegistries insecure;
    final Duration connectTimeout, readTimeout, overall;

    private final Map<String, Mode> modes = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, Optional<DockerCredentials.Auth>> auths = new ConcurrentHashMap<>();

    public Registry() {
        this(System.getenv());
    }

    /** A client for an environment: DOCKER_CONFIG, HOME, PATH (for helpers), the proxy variables, SEISEI_REGISTRY_TIMEOUT. */
    public Registry(Map<String, String> env) {
        this(env, null, null, null);
    }

    /**
     * The same with the certs.d directory, the engine's insecure registries and the credential helpers
     * given (null: /etc/docker/certs.d, `docker info`, docker-credential-* on PATH). Nothing is read
     * before a registry needs it: a loopback registry without auth costs its requests and nothing else.
     */
    public Registry(Map<String, String> env, Path certsDir, Supplier<InsecureRegistries> insecure, DockerCredentials.Helpers helpers) {
        this.env = env;
        this.certsDir = certsDir;
        this.insecureSource = insecure;
        this.helpers = helpers;
        this.proxies = Proxies.from(env);
        this.readTimeout = timeout(env.get("SEISEI_REGISTRY_TIMEOUT"));
        this.connectTimeout = readTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? readTimeout : Duration.ofSeconds(10);
        this.overall = Duration.ofMillis(readTimeout.toMillis() * 4);
    }

    private synchronized DockerCredentials credentials() {
        if (credentials == null)
            credentials = new DockerCredentials(DockerCredentials.configFile(env), helpers != null ? helpers : DockerCredentials.onPath(env));
        return credentials;
    }

    private synchronized Trust trust() {
        if (trust == null) trust = new Trust(certsDir != null ? certsDir : Trust.CERTS_D, env);
        return trust;
    }

    /** SEISEI_REGISTRY_TIMEOUT: seconds to wait for an answer (default 30); connecting waits at most 10 s, a whole call 4 times as long. */
    static Duration timeout(String value) {
        if (value == null || value.isBlank()) return DEFAULT_READ_TIMEOUT;
        try {
            double s = Double.parseDouble(value.strip());
            if (s > 0 && s <= 3600) return Duration.ofMillis((long) (s * 1000));
        } catch (NumberFormatException ignored) {
        }
        throw Fail.usage("SEISEI_REGISTRY_TIMEOUT=" + value + " is not a number of seconds between 0 and 3600");
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

    // ---- the API ----

    /** The manifest digest the registry serves for {@code repository:tag} now. */
    public String digestOf(String repository, String tag) {
        Names.tag(tag);
        Location loc = locate(repository);
        Deadline dl = new Deadline(overall);
        String target = "/v2/" + loc.path() + "/manifests/" + tag;
        Http.Response head = call(loc, "HEAD", target, ACCEPT, "pull", dl);
        if (head.status() == 200) {
            String d = head.header("Docker-Content-Digest").orElse(null);
            if (Names.isDigest(d)) return d;
        }
        if (head.status() >= 500 || head.status() == 403) throw unexpected(loc, "HEAD", target, head, "pull");
        Http.Response get = call(loc, "GET", target, ACCEPT, "pull", dl);
        if (get.status() == 404) throw notFound(loc, repository, tag, get);
        if (get.status() != 200) throw unexpected(loc, "GET", target, get, "pull");
        return sha256(get.body());
    }

    /** The tags of a repository, every page of them (the Link header's rel="next"). */
    public List<String> tags(String repository) {
        Location loc = locate(repository);
        Deadline dl = new Deadline(overall);
        List<String> out = new java.util.ArrayList<>();
        String target = "/v2/" + loc.path() + "/tags/list";
        for (int page = 0; target != null; page++) {
            if (page >= MAX_PAGES) throw Fail.failed("registry " + loc.host() + " lists more than " + MAX_PAGES + " pages of tags for " + loc.path());
            Http.Response r = call(loc, "GET", target, "application/json", "pull", dl);
            if (r.status() == 404) return out;
            if (r.status() != 200) throw unexpected(loc, "GET", target, r, "pull");
            JsonNode n = Json.tree(new String(r.body(), StandardCharsets.UTF_8));
            for (JsonNode t : n.path("tags")) out.add(t.asText());
            String next = nextPage(new Location(loc.host(), loc.path(), scheme(loc.host())), r.header("Link").orElse(null));
            target = next == null ? null : target(next);
            if (page % 50 == 49) dl = new Deadline(overall);
        }
        return out;
    }

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
        String target = "/v2/" + loc.path() + "/manifests/" + reference;
        Http.Response r = call(loc, "GET", target, ACCEPT, "pull", new Deadline(overall));
        if (r.status() == 404) return null;
        if (r.status() != 200) throw unexpected(loc, "GET", target, r, "pull");
        String d = r.header("Docker-Content-Digest").filter(Names::isDigest).orElse(sha256(r.body()));
        return new Manifest(d, r.header("Content-Type").orElse(""), r.body(),
                r.header("Last-Modified").orElse(null));
    }

    /** A blob's bytes (an image config), or null when the registry has none. */
    public byte[] blob(String repository, String digest) {
        Names.digest(digest);
        Location loc = locate(repository);
        String target = "/v2/" + loc.path() + "/blobs/" + digest;
        Http.Response r = call(loc, "GET", target, "*/*", "pull", new Deadline(overall));
        if (r.status() == 404) return null;
        if (r.status() != 200) throw unexpected(loc, "GET", target, r, "pull");
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
        String target = "/v2/" + loc.path() + "/manifests/" + digest;
        Http.Response r = call(loc, "DELETE", target, ACCEPT, "delete", new Deadline(overall));
        int c = r.status();
        if (c == 202 || c == 200 || c == 204) return Deleted.DELETED;
        if (c == 404) return Deleted.ABSENT;
        String body = new String(r.body(), StandardCharsets.UTF_8);
        if (c == 405 || body.contains("\"UNSUPPORTED\"")) return Deleted.UNSUPPORTED;
        throw unexpected(loc, "DELETE", target, r, "delete");
    }

    public static String sha256(byte[] body) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- failures by status ----

    private Fail notFound(Location loc, String repository, String tag, Http.Response r) {
        if (errorCode(r).equals("NAME_UNKNOWN"))
            return Fail.usage("repository " + loc.path() + " not found on registry " + loc.host() + " (asked for tag " + tag + "): check the name");
        return Fail.usage("tag " + tag + " not found in " + repository + " (registry " + loc.host() + "): check the tag and the repository name");
    }

    private Fail unexpected(Location loc, String method, String target, Http.Response r, String action) {
        int c = r.status();
        if (c == 403) return RegistryErrors.denied(loc.host(), loc.path(), action, auth(loc.host()), credentials().file());
        if (c >= 500) return RegistryErrors.serverError("registry " + loc.host(), c, method, target);
        return RegistryErrors.unexpected("registry " + loc.host(), c, method, target, errorMessage(r));
    }

    /** The first error code of a registry's JSON error body ("MANIFEST_UNKNOWN"), or "". */
    static String errorCode(Http.Response r) {
        try {
            return Json.MAPPER.readTree(r.body()).path("errors").path(0).path("code").asText("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String errorMessage(Http.Response r) {
        try {
            JsonNode e = Json.MAPPER.readTree(r.body()).path("errors").path(0);
            String m = e.path("message").asText("");
            return m.isEmpty() ? e.path("code").asText("") : m;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    // ---- authentication ----

    /** A request on a repository, answering the registry's challenge with the docker config's credentials. */
    Http.Response call(Location loc, String method, String target, String accept, String action, Deadline dl) {
        String key = loc.host() + "/" + loc.path() + "#" + action;
        String authorization = tokens.get(key);
        Http.Response r = fetch(loc.host(), method, target, accept, authorization, dl);
        if (r.status() != 401) return r;
        String challenge = r.header("WWW-Authenticate").orElse("");
        String fresh = authorize(loc, challenge, action, dl);
        if (fresh == null) {
            DockerCredentials.Auth a = auth(loc.host());
            if (a == null) throw RegistryErrors.noCredentials(loc.host(), loc.path(), credentials().file());
            throw RegistryErrors.credentialsRefused(loc.host(), a);
        }
        tokens.put(key, fresh);
        r = fetch(loc.host(), method, target, accept, fresh, dl);
        if (r.status() == 401) {
            DockerCredentials.Auth a = auth(loc.host());
            if (challenge.regionMatches(true, 0, "Basic", 0, 5)) throw RegistryErrors.credentialsRefused(loc.host(), a);
            if (a == null) throw RegistryErrors.noCredentials(loc.host(), loc.path(), credentials().file());
            throw RegistryErrors.noAccess(loc.host(), loc.path(), action, a);
        }
        return r;
    }

    /** The credentials for a host, looked up once (helpers run only when a registry asks). */
    private DockerCredentials.Auth auth(String host) {
        return auths.computeIfAbsent(host, h -> Optional.ofNullable(credentials().lookup(h))).orElse(null);
    }

    /** Answers a Basic or Bearer challenge; null when there is nothing to answer with. */
    private String authorize(Location loc, String challenge, String action, Deadline dl) {
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            DockerCredentials.Auth a = auth(loc.host());
            return a == null || a.basic() == null ? null : "Basic " + a.basic();
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) return null;
        Map<String, String> p = challengeParams(challenge);
        String realm = p.get("realm");
        if (realm == null) return null;
        String scope = p.getOrDefault("scope", "repository:" + loc.path() + ":" + action);
        DockerCredentials.Auth a = auth(loc.host());
        Http.Response r;
        if (a != null && a.identityToken() != null) {
            // OAuth2 refresh token, as docker sends an identity token
            String form = "grant_type=refresh_token&refresh_token=" + enc(a.identityToken()) + "&client_id=seisei-deploy"
                    + (p.containsKey("service") ? "&service=" + enc(p.get("service")) : "") + "&scope=" + enc(scope);
            r = token(loc, "POST", realm, Map.of("Content-Type", "application/x-www-form-urlencoded"),
                    form.getBytes(StandardCharsets.UTF_8), dl);
        } else {
            StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
            if (p.containsKey("service")) url.append("service=").append(enc(p.get("service"))).append('&');
            url.append("scope=").append(enc(scope));
            Map<String, String> h = new LinkedHashMap<>();
            if (a != null && a.basic() != null) h.put("Authorization", "Basic " + a.basic());
            r = token(loc, "GET", url.toString(), h, null, dl);
        }
        if (r.status() == 401 || r.status() == 403) {
            if (a == null) throw RegistryErrors.noCredentials(loc.host(), loc.path(), credentials().file());
            throw RegistryErrors.credentialsRefused(loc.host(), a);
        }
        if (r.status() != 200) {
            String what = "token service " + URI.create(realm).getAuthority() + " of registry " + loc.host();
            if (r.status() >= 500) throw RegistryErrors.serverError(what, r.status(), "GET", URI.create(realm).getPath());
            throw RegistryErrors.unexpected(what, r.status(), "GET", URI.create(realm).getPath() + " (scope " + scope + ")", errorMessage(r));
        }
        JsonNode n = Json.tree(r.text());
        String token = n.path("token").asText(n.path("access_token").asText(""));
        return token.isEmpty() ? null : "Bearer " + token;
    }

    private Http.Response token(Location loc, String method, String url, Map<String, String> headers, byte[] body, Deadline dl) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw Fail.failed("registry " + loc.host() + " names a token service that is not a URL: " + url);
        }
        if (u.getAuthority() == null || u.getScheme() == null)
            throw Fail.failed("registry " + loc.host() + " names a token service that is not a URL: " + url);
        String host = u.getAuthority();
        Mode mode = u.getScheme().equalsIgnoreCase("http") ? Mode.HTTP
                : host.equals(loc.host()) && modes.get(loc.host()) == Mode.HTTPS_UNVERIFIED ? Mode.HTTPS_UNVERIFIED : Mode.HTTPS;
        String target = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        try {
            return exchange("token service " + host + " of registry " + loc.host(), host, mode, method, target, headers, body, dl);
        } catch (IOException e) {
            throw network("token service " + host + " of registry " + loc.host(), host, mode, e);
        }
    }

    static Map<String, String> challengeParams(String challenge) {
        Map<String, String> p = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(challenge);
        while (m.find()) p.put(m.group(1), m.group(2));
        return p;
    }

    // ---- transport: scheme, trust, proxies, retries, redirects ----

    /** A request to a registry host, on the scheme that host speaks (found once, as docker finds it). */
    private Http.Response fetch(String host, String method, String target, String accept, String authorization, Deadline dl) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Accept", accept);
        if (authorization != null) h.put("Authorization", authorization);
        String what = "registry " + host;
        Mode mode = modes.getOrDefault(host, isLoopback(host) ? Mode.HTTP : Mode.HTTPS);
        try {
            Http.Response r = exchange(what, host, mode, method, target, h, null, dl);
            if (mode == Mode.HTTP && isLoopback(host) && !modes.containsKey(host) && r.status() == 400) {
                // a TLS port answers a plain request with 400 (HEAD: without saying why): try TLS once
                try {
                    Http.Response overTls = exchange(what, host, Mode.HTTPS_UNVERIFIED, method, target, h, null, dl);
                    modes.put(host, Mode.HTTPS_UNVERIFIED);
                    return overTls;
                } catch (IOException notTls) {
                    return r;
                }
            }
            modes.putIfAbsent(host, mode);
            return r;
        } catch (IOException e) {
            RegistryErrors.Kind k = RegistryErrors.kind(e);
            if (mode == Mode.HTTP && isLoopback(host) && !modes.containsKey(host) && k == RegistryErrors.Kind.RESET)
                return fetchOver(Mode.HTTPS_UNVERIFIED, what, host, method, target, h, dl);
            if (mode == Mode.HTTPS && !modes.containsKey(host) && tlsProblem(k) && insecure().insecure(host))
                return fetchOver(k == RegistryErrors.Kind.PLAIN_HTTP ? Mode.HTTP : Mode.HTTPS_UNVERIFIED, what, host, method, target, h, dl);
            throw network(what, host, mode, e);
        }
    }

    private Http.Response fetchOver(Mode mode, String what, String host, String method, String target, Map<String, String> h, Deadline dl) {
        try {
            Http.Response r = exchange(what, host, mode, method, target, h, null, dl);
            modes.put(host, mode);
            return r;
        } catch (IOException e) {
            if (mode == Mode.HTTPS_UNVERIFIED && !isLoopback(host) && RegistryErrors.kind(e) == RegistryErrors.Kind.PLAIN_HTTP)
                return fetchOver(Mode.HTTP, what, host, method, target, h, dl);
            throw network(what, host, mode, e);
        }
    }

    private static boolean tlsProblem(RegistryErrors.Kind k) {
        return switch (k) {
            case UNTRUSTED, EXPIRED, WRONG_NAME, PLAIN_HTTP, TLS -> true;
            default -> false;
        };
    }

    private InsecureRegistries insecure() {
        InsecureRegistries i = insecure;
        if (i == null) {
            synchronized (this) {
                if (insecure == null) insecure = insecureSource != null ? insecureSource.get() : InsecureRegistries.fromEngine();
                i = insecure;
            }
        }
        return i;
    }

    private Fail network(String what, String hostPort, Mode mode, IOException e) {
        String scheme = mode == Mode.HTTP ? "http" : "https";
        String address = withPort(hostPort, scheme);
        Proxies.Choice proxy = proxyFor(scheme, hostPort);
        RegistryErrors.Kind k = RegistryErrors.kind(e);
        if (mode != Mode.HTTP && proxy == null && (k == RegistryErrors.Kind.OTHER || k == RegistryErrors.Kind.RESET || k == RegistryErrors.Kind.TLS)) {
            IOException seen = tlsProbe(hostPort, address, mode);
            if (seen != null && RegistryErrors.kind(seen) != RegistryErrors.Kind.OTHER) {
                e = seen;
                k = RegistryErrors.kind(e);
            }
        }
        String note = null;
        if (k == RegistryErrors.Kind.PLAIN_HTTP && insecure != null && insecure.unreadable != null) note = "the engine's list could not be read: " + insecure.unreadable;
        boolean clientCert;
        try {
            clientCert = trust().hasClientCertificate(hostPort);
        } catch (Fail f) {
            clientCert = true;
        }
        return RegistryErrors.network(what, hostPort, address, proxy, e, connectTimeout, readTimeout, trust().dirFor(hostPort), clientCert, note);
    }

    /**
     * What a bare TLS connection to the registry runs into: a TLS 1.3 server refuses a client
     * certificate only after the handshake, and HttpURLConnection then reports a write error without
     * the server's alert. This connects, sends a request and reads, to see the alert itself.
     */
    private IOException tlsProbe(String hostPort, String address, Mode mode) {
        int colon = address.lastIndexOf(':');
        String host = RegistryErrors.host(hostPort);
        int millis = (int) connectTimeout.toMillis();
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trust().factory(hostPort, mode == Mode.HTTPS).createSocket()) {
            s.connect(new java.net.InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1))), millis);
            s.setSoTimeout(millis);
            if (mode == Mode.HTTPS) {
                javax.net.ssl.SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
            }
            s.startHandshake();
            try {
                s.getOutputStream().write(("HEAD /v2/ HTTP/1.1\r\nHost: " + hostPort + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (IOException writing) {
                // the alert, if any, is waiting to be read
            }
            s.getInputStream().read();
            return null;
        } catch (IOException | RuntimeException probe) {
            return probe instanceof IOException io ? io : null;
        }
    }

    static String withPort(String hostPort, String scheme) {
        boolean hasPort = hostPort.startsWith("[") ? hostPort.contains("]:") : hostPort.contains(":");
        return hasPort ? hostPort : hostPort + (scheme.equals("http") ? ":80" : ":443");
    }

    private Proxies.Choice proxyFor(String scheme, String hostPort) {
        String a = withPort(hostPort, scheme);
        int colon = a.lastIndexOf(':');
        return proxies.choose(scheme, a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
    }

    private Http.Route route(String host, Mode mode) {
        String scheme = mode == Mode.HTTP ? "http" : "https";
        Proxies.Choice p = proxyFor(scheme, host);
        return new Http.Route(p == null ? java.net.Proxy.NO_PROXY : p.proxy(), p == null ? null : p.credentials(),
                mode == Mode.HTTP ? null : trust().factory(host, mode == Mode.HTTPS), mode != Mode.HTTPS_UNVERIFIED);
    }

    /**
     * One request with its retries: once more after a reset connection or a 5xx, and after each 429 as
     * long as Retry-After fits in the time left. Redirects are followed by hand, without the
     * Authorization header when they leave the host.
     */
    Http.Response exchange(String what, String host, Mode mode, String method, String target, Map<String, String> headers, byte[] body,
                           Deadline dl) throws IOException {
        String m = method;
        String h = host;
        Mode md = mode;
        String t = target;
        Map<String, String> hs = headers;
        for (int hop = 0; ; hop++) {
            Http.Response r = withRetries(what, h, md, m, t, hs, body, dl);
            String location = r.header("Location").orElse(null);
            if (!List.of(301, 302, 303, 307, 308).contains(r.status()) || location == null || hop >= MAX_REDIRECTS) return r;
            URI next = URI.create((md == Mode.HTTP ? "http" : "https") + "://" + h + t).resolve(location);
            if (next.getAuthority() == null || next.getScheme() == null) return r;
            if (!next.getAuthority().equals(h)) {
                hs = new LinkedHashMap<>(hs);
                hs.remove("Authorization");
                h = next.getAuthority();
                md = next.getScheme().equalsIgnoreCase("http") ? Mode.HTTP : modes.get(h) == Mode.HTTPS_UNVERIFIED ? Mode.HTTPS_UNVERIFIED : Mode.HTTPS;
            }
            t = next.getRawPath() + (next.getRawQuery() == null ? "" : "?" + next.getRawQuery());
            if (r.status() == 303 && !m.equals("HEAD")) {
                m = "GET";
                body = null;
            }
        }
    }

    private Http.Response withRetries(String what, String host, Mode mode, String method, String target, Map<String, String> headers,
                                      byte[] body, Deadline dl) throws IOException {
        String url = (mode == Mode.HTTP ? "http" : "https") + "://" + host + target;
        Http.Route route = route(host, mode);
        boolean retried = false;
        for (int attempt = 0; ; attempt++) {
            Http.Response r;
            try {
                r = Http.send(method, url, headers, body, connectTimeout, dl.bounded(readTimeout), route, false);
            } catch (IOException e) {
                if (!retried && RegistryErrors.transientFailure(e) && !dl.over()) {
                    retried = true;
                    continue;
                }
                throw e;
            }
            if (r.status() == 407 && route.proxy().type() != java.net.Proxy.Type.DIRECT)
                throw new IOException("Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 407\"");
            if (r.status() >= 500 && r.status() != 501 && r.status() != 505 && !retried && !dl.over()) {
                retried = true;
                dl.sleep(Duration.ofSeconds(1));
                continue;
            }
            if (r.status() == 429 && attempt < 20) {
                Duration wait = RegistryErrors.retryAfter(r.header("Retry-After").orElse(null), Instant.now());
                if (wait == null) wait = Duration.ofSeconds(Math.min(8, 1L << Math.min(3, attempt)));
                if (wait.compareTo(dl.left()) > 0) throw RegistryErrors.rateLimited(what, wait, dl.left());
                dl.sleep(wait);
                continue;
            }
            return r;
        }
    }

    /** The time a call may take in all, waits for rate limits included. */
    static final class Deadline {
        private final long end;

        Deadline(Duration d) { this.end = System.nanoTime() + d.toNanos(); }

        Duration left() { return Duration.ofNanos(Math.max(0, end - System.nanoTime())); }

        boolean over() { return System.nanoTime() >= end; }

        /** The read timeout, but never beyond the deadline (at least 1 s). */
        Duration bounded(Duration read) {
            Duration l = left();
            return l.compareTo(read) < 0 ? (l.toMillis() < 1000 ? Duration.ofSeconds(1) : l) : read;
        }

        /** Sleeps {@code wait}, never past the deadline. */
        void sleep(Duration wait) {
            Duration d = wait;
            if (d.compareTo(left()) > 0) d = left();
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Fail.failed("interrupted while waiting for the registry");
            }
        }
    }

    private String scheme(String host) {
        return modes.getOrDefault(host, isLoopback(host) ? Mode.HTTP : Mode.HTTPS) == Mode.HTTP ? "http" : "https";
    }

    private static String target(String url) {
        URI u = URI.create(url);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
