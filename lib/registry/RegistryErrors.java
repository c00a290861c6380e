package lib.registry;

import lib.core.Fail;
import lib.core.Http;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Every way talking to a registry can fail, as one line that says what happened and what to do:
 * credentials (401/403), the tag or repository (404), the registry itself (5xx), rate limits (429),
 * the network (the address tried), TLS (which host, which file to put where). No Java class names.
 */
public final class RegistryErrors {
    private RegistryErrors() {}

    /** What kind of failure an exception is. */
    public enum Kind { UNTRUSTED, EXPIRED, WRONG_NAME, CLIENT_CERT, PLAIN_HTTP, TLS, REFUSED, NO_ROUTE, UNKNOWN_HOST, CONNECT_TIMEOUT, READ_TIMEOUT, PROXY_AUTH, PROXY, RESET, OTHER }

    public static Kind kind(Throwable e) {
        String all = messages(e).toLowerCase(Locale.ROOT);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) return Kind.EXPIRED;
        }
        if (all.contains("unable to tunnel through proxy")) return all.contains(" 407") ? Kind.PROXY_AUTH : Kind.PROXY;
        if (all.contains("no subject alternative") || all.contains("no name matching") || all.contains("hostname verification")
                || all.contains("doesn't match any of the subject alternative names") || all.contains("peer not verified"))
            return Kind.WRONG_NAME;
        if (all.contains("pkix path") || all.contains("unable to find valid certification path") || all.contains("signature check failed")
                || all.contains("certpathvalidator") || all.contains("certpathbuilder") || all.contains("path does not chain"))
            return Kind.UNTRUSTED;
        if (all.contains("validity check failed") || all.contains("certificate expired")) return Kind.EXPIRED;
        if (all.contains("bad_certificate") || all.contains("certificate_required") || all.contains("unknown_ca")
                || all.contains("certificate_unknown") || all.contains("handshake_failure") && all.contains("client"))
            return Kind.CLIENT_CERT;
        if (all.contains("unsupported or unrecognized ssl message") || all.contains("plaintext connection")) return Kind.PLAIN_HTTP;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) return Kind.UNKNOWN_HOST;
            if (t instanceof SocketTimeoutException)
                return all.contains("connect timed out") ? Kind.CONNECT_TIMEOUT : Kind.READ_TIMEOUT;
            if (t instanceof NoRouteToHostException) return Kind.NO_ROUTE;
            if (t instanceof ConnectException) return all.contains("timed out") ? Kind.CONNECT_TIMEOUT : Kind.REFUSED;
        }
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof SSLException) return all.contains("reset") ? Kind.RESET : Kind.TLS;
        if (all.contains("connection reset") || all.contains("unexpected end of file") || all.contains("broken pipe")
                || all.contains("end of stream") || all.contains("connection closed")) return Kind.RESET;
        return Kind.OTHER;
    }

    /** A failure worth one more try: the connection was reset or closed before an answer. */
    public static boolean transientFailure(Throwable e) {
        return kind(e) == Kind.RESET;
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) b.append(t.getMessage()).append(" | ").append(t.getClass().getName()).append(" | ");
        return b.toString();
    }

    /**
     * The one line for a request that never got an answer. {@code what} is "registry HOST" or "token
     * service HOST"; {@code address} the host:port tried; {@code proxy} the proxy it went through, or null.
     */
    public static Fail network(String what, String hostPort, String address, Proxies.Choice proxy, Throwable e,
                               Duration connectTimeout, Duration readTimeout, Path certsDir, boolean clientCert, String insecureNote) {
        String via = proxy == null ? "" : " via " + proxy.display();
        String dir = certsDir == null ? "/etc/docker/certs.d/" + hostPort : certsDir.toString();
        return switch (kind(e)) {
            case UNTRUSTED -> Fail.failed(what + " presented a certificate that is not trusted: put the CA certificate that signed it in "
                    + dir + "/ca.crt (docker reads it there too)");
            case EXPIRED -> Fail.failed(what + " presented a certificate that has expired or is not valid yet: renew the registry's certificate"
                    + " (or check this machine's clock)");
            case WRONG_NAME -> Fail.failed(what + " presented a certificate for another name: its certificate must name " + host(hostPort)
                    + " (subject alternative names), or use the name the certificate has");
            case CLIENT_CERT -> Fail.failed(clientCert
                    ? what + " did not accept the client certificate in " + dir + " (it must be signed by a CA the registry trusts)"
                    : what + " asks for a TLS client certificate: put client.cert and client.key in " + dir);
            case PLAIN_HTTP -> Fail.failed(what + " answers plain HTTP, not HTTPS: docker speaks plain HTTP only to loopback and to the engine's"
                    + " insecure registries; add \"" + hostPort + "\" to insecure-registries in /etc/docker/daemon.json and restart dockerd,"
                    + " or give the registry TLS" + (insecureNote == null ? "" : " (" + insecureNote + ")"));
            case TLS -> Fail.failed(what + ": the TLS handshake with " + address + via + " failed (" + Http.describe(e) + ")");
            case REFUSED -> Fail.failed(what + " is unreachable: connection refused at " + (proxy == null ? address : proxy.address() + " (" + proxy.variable() + ")"));
            case NO_ROUTE -> Fail.failed(what + " is unreachable: no route to " + address + via);
            case UNKNOWN_HOST -> Fail.failed(what + " is unreachable: the name " + host(proxy == null ? hostPort : proxy.host())
                    + " does not resolve (DNS)" + via);
            case CONNECT_TIMEOUT -> Fail.failed(what + " is unreachable: no connection to " + (proxy == null ? address : proxy.address() + " (" + proxy.variable() + ")")
                    + " within " + seconds(connectTimeout) + " (a firewall, a wrong address, or a proxy needed?)");
            case READ_TIMEOUT -> Fail.failed(what + " did not answer within " + seconds(readTimeout) + " at " + address + via
                    + " (SEISEI_REGISTRY_TIMEOUT sets how long to wait)");
            case PROXY_AUTH -> Fail.failed(what + " is unreachable: " + (proxy == null ? "the proxy" : proxy.display())
                    + " wants credentials" + (proxy != null && proxy.user() != null ? " and refused user " + proxy.user() : "")
                    + ": give them as http://USER:PASSWORD@HOST:PORT in " + (proxy == null ? "HTTPS_PROXY" : proxy.variable()));
            case PROXY -> Fail.failed(what + " is unreachable through " + (proxy == null ? "the proxy" : proxy.display()) + ": "
                    + proxyAnswer(e) + " (NO_PROXY lists hosts to reach directly)");
            case RESET -> Fail.failed(what + " is unreachable: the connection to " + address + via + " was closed twice before an answer");
            case OTHER -> Fail.failed(what + " is unreachable at " + address + via + ": " + Http.describe(e));
        };
    }

    private static String proxyAnswer(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int q = m.indexOf("\"HTTP/");
        if (q >= 0) {
            int end = m.indexOf('"', q + 1);
            return "it answered " + m.substring(q + 1, end < 0 ? m.length() : end);
        }
        return Http.describe(e);
    }

    static String host(String hostPort) {
        if (hostPort.startsWith("[")) return hostPort.substring(1, Math.max(1, hostPort.indexOf(']')));
        int c = hostPort.lastIndexOf(':');
        return c > 0 && hostPort.indexOf(':') == c ? hostPort.substring(0, c) : hostPort;
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** Credentials were needed and there were none. */
    public static Fail noCredentials(String host, String path, Path configFile) {
        return Fail.failed("registry " + host + " needs credentials for " + path + " and " + configFile + " has none for it: log in with `docker login"
                + (DockerCredentials.loginHost(host).isEmpty() ? "" : " " + host) + "` (DOCKER_CONFIG picks another config directory)");
    }

    /** The registry or its token service refused the credentials themselves. */
    public static Fail credentialsRefused(String host, DockerCredentials.Auth auth) {
        return Fail.failed("registry " + host + " refused the credentials of " + auth.who() + ": log in again with `docker login"
                + (DockerCredentials.loginHost(host).isEmpty() ? "" : " " + host) + "`");
    }

    /** Credentials were accepted, but they do not reach the repository (or it does not exist). */
    public static Fail noAccess(String host, String path, String action, DockerCredentials.Auth auth) {
        String who = auth == null ? "anonymous access" : auth.who();
        return Fail.failed("registry " + host + " refused " + who + " " + action + " access to " + path
                + ": the account needs " + action + " rights on " + path + " (or the repository does not exist)");
    }

    /** 403. */
    public static Fail denied(String host, String path, String action, DockerCredentials.Auth auth, Path configFile) {
        return Fail.failed("registry " + host + " denied " + action + " access to " + path + " (HTTP 403) for "
                + (auth == null ? "anonymous access (no credentials in " + configFile + ")" : auth.who())
                + ": the account needs " + action + " rights on it");
    }

    /** 5xx after one retry. */
    public static Fail serverError(String what, int status, String method, String path) {
        return Fail.failed(what + " failed with HTTP " + status + " twice for " + method + " " + path
                + ": a problem on the registry's side; try again later or tell whoever runs it");
    }

    /** 429 with a wait longer than the time left. */
    public static Fail rateLimited(String what, Duration wait, Duration left) {
        return Fail.failed(what + " is limiting requests (HTTP 429) and asks to wait " + seconds(wait)
                + ", more than the " + seconds(left) + " left: try again later");
    }

    /** Any other answer. */
    public static Fail unexpected(String what, int status, String method, String path, String detail) {
        return Fail.failed(what + " answered HTTP " + status + " for " + method + " " + path
                + (detail == null || detail.isBlank() ? "" : ": " + detail));
    }

    /**
     * How long a 429 or 503 asks to wait: Retry-After in seconds or as an HTTP date; null when absent
     * or unreadable. Never negative.
     */
    public static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) return null;
        String v = value.strip();
        if (v.matches("\\d{1,9}")) return Duration.ofSeconds(Long.parseLong(v));
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
