package lib.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * Blocking HTTP for the registry and the health checks, on HttpURLConnection. java.net.http is not
 * used: loading it costs about 0.3 s, and its selector thread, waiting in native code, holds every
 * JVM exit back by another 0.3 s.
 */
public final class Http {
    private Http() {}

    static {
        // A proxy that asks for Basic credentials on CONNECT gets them (the JDK refuses by default);
        // credentials only ever go to a proxy the user named with its credentials in HTTPS_PROXY.
        if (System.getProperty("jdk.http.auth.tunneling.disabledSchemes") == null)
            System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
    }

    public record Response(int status, Map<String, List<String>> headers, byte[] body, String path) {
        /** A response header by case-insensitive name. */
        public Optional<String> header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return Optional.of(e.getValue().get(0));
            }
            return Optional.empty();
        }

        public String text() { return new String(body, java.nio.charset.StandardCharsets.UTF_8); }
    }

    /**
     * How a request travels: through which proxy (with its credentials, if it wants some), and for
     * https which socket factory (trust and client certificates) and whether the host name is checked.
     */
    public record Route(Proxy proxy, PasswordAuthentication proxyCredentials, SSLSocketFactory tls, boolean checkHostname) {
        public static final Route DIRECT = new Route(Proxy.NO_PROXY, null, null, true);
    }

    /** Sends a request without a body and reads the whole answer; redirects are followed. */
    public static Response send(String method, String url, Map<String, String> headers, Duration connectTimeout, Duration readTimeout)
            throws IOException {
        return send(method, url, headers, null, connectTimeout, readTimeout, Route.DIRECT, true);
    }

    /** Sends a request (with {@code body} when not null) along {@code route} and reads the whole answer. */
    public static Response send(String method, String url, Map<String, String> headers, byte[] body, Duration connectTimeout,
                                Duration readTimeout, Route route, boolean followRedirects) throws IOException {
        HttpURLConnection c;
        try {
            java.net.URL u = URI.create(url).toURL();
            c = (HttpURLConnection) (route.proxy().type() == Proxy.Type.DIRECT ? u.openConnection() : u.openConnection(route.proxy()));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad URL " + url + ": " + e.getMessage(), e);
        }
        try {
            if (route.tls() != null || !route.checkHostname()) tls(c, route);
            if (route.proxyCredentials() != null) c.setAuthenticator(ProxyAuthenticator.of(route.proxyCredentials()));
            c.setRequestMethod(method);
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setInstanceFollowRedirects(followRedirects);
            c.setUseCaches(false);
            headers.forEach(c::setRequestProperty);
            if (body != null) {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream o = c.getOutputStream()) {
                    o.write(body);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] bytes;
            try (InputStream i = in) {
                bytes = i == null ? new byte[0] : i.readAllBytes();
            }
            return new Response(status, c.getHeaderFields(), bytes, c.getURL().getPath());
        } finally {
            c.disconnect();
        }
    }

    private static void tls(HttpURLConnection c, Route route) {
        if (c instanceof HttpsURLConnection s) {
            if (route.tls() != null) s.setSSLSocketFactory(route.tls());
            if (!route.checkHostname()) s.setHostnameVerifier((host, session) -> true);
        }
    }

    /** Answers a proxy's request for credentials, once per connection, and nobody else's. */
    private static final class ProxyAuthenticator extends Authenticator {
        private final PasswordAuthentication credentials;
        private boolean asked;

        private ProxyAuthenticator(PasswordAuthentication credentials) { this.credentials = credentials; }

        static Authenticator of(PasswordAuthentication credentials) { return new ProxyAuthenticator(credentials); }

        @Override
        protected synchronized PasswordAuthentication getPasswordAuthentication() {
            if (getRequestorType() != RequestorType.PROXY || asked) return null;
            asked = true;
            return credentials;
        }
    }

    /**
     * What went wrong with a request, in words, without the JDK's class names: "connection refused",
     * "timed out", "the name does not resolve". For messages that name the address themselves.
     */
    public static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException) return "the name " + t.getMessage() + " does not resolve";
            if (t instanceof java.net.SocketTimeoutException)
                return String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect") ? "connecting timed out" : "no answer in time";
            if (t instanceof java.net.ConnectException) return "connection refused";
            if (t instanceof java.net.NoRouteToHostException) return "no route to the host";
        }
        String m = e.getMessage() == null ? "" : withoutClassNames(e.getMessage());
        return m.isEmpty() ? "connection failed" : m;
    }

    /** {@code text} with Java class names (java.x.Y, sun.x.YException: ...) taken out; "" when nothing else is left. */
    public static String withoutClassNames(String text) {
        String s = text.replaceAll("\\b(?:java|javax|sun|jdk|com\\.sun|com\\.fasterxml|lib|org\\.zeroturnaround|picocli)"
                + "(?:\\.[a-z_][\\w$]*)*\\.[A-Z][\\w$]*(?::\\s*)?", "");
        s = s.replaceAll("\\b[A-Z]\\w*(?:Exception|Error)\\b:?\\s*", "");
        s = s.replaceAll("\\s+", " ").replaceAll("^[\\s:;,]+|[\\s:;,]+$", "");
        return s;
    }
}
