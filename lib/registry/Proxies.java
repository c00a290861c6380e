package lib.registry;

import lib.core.Fail;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy variables as docker reads them (Go's net/http): HTTPS_PROXY for https URLs, HTTP_PROXY
 * for http URLs, upper case before lower case; NO_PROXY entries are host names (matching the name
 * and its subdomains; ".name" and "*.name" only subdomains), IP addresses, CIDR ranges, each with an
 * optional :port, or "*" for everything; localhost and loopback addresses never go through a proxy.
 * A proxy without a scheme is http://; socks5:// works too.
 */
public final class Proxies {
    /** A proxy from one variable: its scheme, address, optional credentials, and the variable it came from. */
    public record Choice(String scheme, String host, int port, String user, String password, String variable) {
        public Proxy proxy() {
            InetSocketAddress a = InetSocketAddress.createUnresolved(host, port);
            return new Proxy(scheme.startsWith("socks") ? Proxy.Type.SOCKS : Proxy.Type.HTTP, a);
        }

        public PasswordAuthentication credentials() {
            return user == null ? null : new PasswordAuthentication(user, (password == null ? "" : password).toCharArray());
        }

        /** host:port as shown in messages (never the password). */
        public String address() { return (host.contains(":") ? "[" + host + "]" : host) + ":" + port; }

        /** "proxy 10.0.0.1:3128 (HTTPS_PROXY)" */
        public String display() { return "proxy " + address() + " (" + variable + ")"; }
    }

    private final String httpValue, httpVar, httpsValue, httpsVar;
    private final List<Matcher> noProxy;
    private final boolean noProxyAll;

    private Proxies(String httpVar, String httpValue, String httpsVar, String httpsValue, String noProxy) {
        this.httpVar = httpVar;
        this.httpValue = httpValue;
        this.httpsVar = httpsVar;
        this.httpsValue = httpsValue;
        List<Matcher> ms = new ArrayList<>();
        boolean all = false;
        for (String raw : noProxy == null ? new String[0] : noProxy.split(",")) {
            String p = raw.strip().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) continue;
            if (p.equals("*")) {
                all = true;
                break;
            }
            Matcher m = Matcher.parse(p);
            if (m != null) ms.add(m);
        }
        this.noProxy = List.copyOf(ms);
        this.noProxyAll = all;
    }

    /** The proxy settings of an environment. */
    public static Proxies from(Map<String, String> env) {
        String[] http = first(env, "HTTP_PROXY", "http_proxy");
        String[] https = first(env, "HTTPS_PROXY", "https_proxy");
        String[] no = first(env, "NO_PROXY", "no_proxy");
        return new Proxies(http[0], http[1], https[0], https[1], no[1]);
    }

    private static String[] first(Map<String, String> env, String upper, String lower) {
        String v = env.get(upper);
        if (v != null && !v.isBlank()) return new String[] {upper, v.strip()};
        v = env.get(lower);
        if (v != null && !v.isBlank()) return new String[] {lower, v.strip()};
        return new String[] {null, null};
    }

    /** The proxy for a request to {@code scheme://host:port}, or null to go there directly. */
    public Choice choose(String scheme, String host, int port) {
        boolean https = scheme.equalsIgnoreCase("https");
        String value = https ? httpsValue : httpValue;
        if (value == null) return null;
        if (!useProxy(host, port)) return null;
        return parse(value, https ? httpsVar : httpVar);
    }

    /** Whether a request to host:port goes through the proxy: not for loopback, not for what NO_PROXY names. */
    public boolean useProxy(String host, int port) {
        String h = unbracket(host).toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) return false;
        byte[] ip = literalIp(h);
        if (ip != null && isLoopback(ip)) return false;
        if (noProxyAll) return false;
        for (Matcher m : noProxy) if (m.matches(h, ip, port)) return false;
        return true;
    }

    /** A proxy variable's value as docker reads it; a one-line error naming the variable when it cannot be used. */
    public static Choice parse(String value, String variable) {
        String v = value.strip();
        URI u;
        try {
            u = URI.create(v.contains("://") ? v : "http://" + v);
        } catch (IllegalArgumentException e) {
            throw bad(variable, value, "not a URL");
        }
        String scheme = u.getScheme() == null ? "http" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!List.of("http", "socks5", "socks5h").contains(scheme)) {
            if (scheme.equals("https"))
                throw bad(variable, value, "a proxy reached over https is not supported; give its http:// address");
            throw bad(variable, value, "scheme " + scheme + " is not supported (http:// or socks5://)");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) throw bad(variable, value, "no host");
        int port = u.getPort() > 0 ? u.getPort() : scheme.startsWith("socks") ? 1080 : 80;
        String user = null, password = null;
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        return new Choice(scheme, unbracket(host), port, user, password, variable);
    }

    private static Fail bad(String variable, String value, String why) {
        return Fail.usage(variable + " " + redact(value) + " cannot be used: " + why);
    }

    /** A proxy URL with its password replaced by ***. */
    static String redact(String value) {
        return value.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for a name (never a DNS lookup). */
    static byte[] literalIp(String host) {
        String h = unbracket(host);
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9a-fA-F:.]+(%\\w+)?");
        if (!v4 && !v6) return null;
        try {
            if (v4) for (String part : h.split("\\.")) if (Integer.parseInt(part) > 255) return null;
            return InetAddress.getByName(h).getAddress();
        } catch (Exception e) {
            return null;
        }
    }

    static boolean isLoopback(byte[] ip) {
        if (ip.length == 4) return (ip[0] & 0xff) == 127;
        for (int i = 0; i < 15; i++) if (ip[i] != 0) return false;
        return ip[15] == 1;
    }

    /** One NO_PROXY entry. */
    private record Matcher(byte[] ip, int prefix, String domain, boolean matchHost, int port) {
        static Matcher parse(String p) {
            int slash = p.indexOf('/');
            if (slash > 0) {
                byte[] net = literalIp(p.substring(0, slash));
                try {
                    int bits = Integer.parseInt(p.substring(slash + 1));
                    if (net != null && bits >= 0 && bits <= net.length * 8) return new Matcher(net, bits, null, false, -1);
                } catch (NumberFormatException ignored) {
                }
                return null;
            }
            String host = p;
            int port = -1;
            int colon = p.lastIndexOf(':');
            boolean bracketed = p.startsWith("[");
            if (colon > 0 && (bracketed ? p.indexOf(']') < colon : p.indexOf(':') == colon)) {
                try {
                    port = Integer.parseInt(p.substring(colon + 1));
                    host = p.substring(0, colon);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            host = unbracket(host);
            if (host.isEmpty()) return null;
            byte[] ip = literalIp(host);
            if (ip != null) return new Matcher(ip, ip.length * 8, null, false, port);
            if (host.startsWith("*.")) host = host.substring(1);
            boolean matchHost = !host.startsWith(".");
            return new Matcher(null, 0, matchHost ? "." + host : host, matchHost, port);
        }

        boolean matches(String host, byte[] hostIp, int hostPort) {
            if (port >= 0 && port != hostPort) return false;
            if (ip != null) return hostIp != null && samePrefix(ip, hostIp, prefix);
            return host.endsWith(domain) || (matchHost && host.equals(domain.substring(1)));
        }
    }

    /** Whether two addresses of the same family agree in their first {@code bits} bits (a CIDR match). */
    static boolean samePrefix(byte[] a, byte[] b, int bits) {
        if (a.length != b.length) return false;
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
        }
        return true;
    }
}
