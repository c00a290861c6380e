package lib.registry;

import lib.core.Fail;
import lib.core.Json;
import lib.core.Proc;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The registries the engine talks to without verified TLS (its insecure-registries), as `docker info`
 * reports them: IndexConfigs entries with "Secure": false, and InsecureRegistryCIDRs matched against
 * the registry's addresses. Docker tries https without checking the certificate first, then plain http.
 */
public final class InsecureRegistries {
    public static final List<String> COMMAND = List.of("docker", "info", "--format", "{{json .RegistryConfig}}");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Map<String, Boolean> secure;
    private final List<byte[][]> cidrs;
    /** Why the engine's list could not be read, or null. */
    public final String unreadable;
    private final Function<String, List<byte[]>> resolve;

    InsecureRegistries(Map<String, Boolean> secure, List<byte[][]> cidrs, String unreadable, Function<String, List<byte[]>> resolve) {
        this.secure = secure;
        this.cidrs = cidrs;
        this.unreadable = unreadable;
        this.resolve = resolve;
    }

    /** From `docker info`'s RegistryConfig JSON. */
    public static InsecureRegistries parse(String json, Function<String, List<byte[]>> resolve) {
        JsonNode n = Json.tree(json);
        Map<String, Boolean> secure = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("IndexConfigs").fields(); it.hasNext(); ) {
            var e = it.next();
            secure.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue().path("Secure").asBoolean(true));
        }
        List<byte[][]> cidrs = new ArrayList<>();
        for (JsonNode c : n.path("InsecureRegistryCIDRs")) {
            byte[][] parsed = cidr(c.asText());
            if (parsed != null) cidrs.add(parsed);
        }
        return new InsecureRegistries(secure, cidrs, null, resolve);
    }

    /** Asks the engine once. When it cannot be asked, no registry is insecure (and {@link #unreadable} says why). */
    public static InsecureRegistries fromEngine() {
        try {
            Proc.Result r = Proc.of(COMMAND).timeout(TIMEOUT).run();
            if (r.ok() && r.stdout().strip().startsWith("{")) return parse(r.stdout(), InsecureRegistries::lookup);
            return new InsecureRegistries(Map.of(), List.of(), "`docker info` failed: " + r.lastLine(), InsecureRegistries::lookup);
        } catch (Fail f) {
            return new InsecureRegistries(Map.of(), List.of(), f.oneLine(), InsecureRegistries::lookup);
        }
    }

    /** Whether the engine treats host[:port] as insecure: its own entry first, then the CIDRs over its addresses. */
    public boolean insecure(String hostPort) {
        Boolean s = secure.get(hostPort.toLowerCase(java.util.Locale.ROOT));
        if (s != null) return !s;
        if (cidrs.isEmpty()) return false;
        String host = hostPort;
        if (host.startsWith("[")) host = host.substring(1, Math.max(1, host.indexOf(']')));
        else if (host.indexOf(':') == host.lastIndexOf(':') && host.contains(":")) host = host.substring(0, host.indexOf(':'));
        byte[] literal = Proxies.literalIp(host);
        for (byte[] ip : literal != null ? List.of(literal) : resolve.apply(host)) {
            for (byte[][] c : cidrs) if (contains(c, ip)) return true;
        }
        return false;
    }

    private static List<byte[]> lookup(String host) {
        try {
            List<byte[]> out = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(host)) out.add(a.getAddress());
            return out;
        } catch (Exception e) {
            return List.of();
        }
    }

    /** {network bytes, {prefix length}}, or null when not a CIDR. */
    static byte[][] cidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) return null;
        byte[] net = Proxies.literalIp(text.substring(0, slash));
        try {
            int bits = Integer.parseInt(text.substring(slash + 1));
            if (net == null || bits < 0 || bits > net.length * 8) return null;
            return new byte[][] {net, {(byte) bits}};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean contains(byte[][] cidr, byte[] ip) {
        return Proxies.samePrefix(cidr[0], ip, cidr[1][0] & 0xff);
    }
}
