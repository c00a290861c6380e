package lib.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Blocking HTTP for the registry and the health checks, on HttpURLConnection. java.net.http is not
 * used: loading it costs about 0.3 s, and its selector thread, waiting in native code, holds every
 * JVM exit back by another 0.3 s.
 */
public final class Http {
    private Http() {}

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

    /** Sends a request without a body and reads the whole answer; redirects are followed. */
    public static Response send(String method, String url, Map<String, String> headers, Duration connectTimeout, Duration readTimeout)
            throws IOException {
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        } catch (IllegalArgumentException e) {
            throw new IOException("bad URL " + url + ": " + e.getMessage(), e);
        }
        try {
            c.setRequestMethod(method);
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setInstanceFollowRedirects(true);
            c.setUseCaches(false);
            headers.forEach(c::setRequestProperty);
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] body;
            try (InputStream i = in) {
                body = i == null ? new byte[0] : i.readAllBytes();
            }
            return new Response(status, c.getHeaderFields(), body, c.getURL().getPath());
        } finally {
            c.disconnect();
        }
    }
}
