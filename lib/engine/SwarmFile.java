package lib.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a compose file before it is deployed as a swarm stack: options `docker stack deploy`
 * ignores or rejects are refused, since the release would not run as written. Reads the block
 * YAML of the services section: a service name one level under "services:", its options one level
 * deeper, whatever the indentation.
 */
public final class SwarmFile {
    private SwarmFile() {}

    static final Set<String> UNSUPPORTED = Set.of("build", "network_mode", "container_name");

    /** "service web uses build:" for each unsupported option, in file order. */
    public static List<String> unsupported(String yaml) {
        List<String> found = new ArrayList<>();
        boolean inServices = false;
        int serviceIndent = -1;
        int optionIndent = -1;
        String service = null;
        for (String line : yaml.split("\r?\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.equals("---")) continue;
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') indent++;
            if (indent == 0) {
                inServices = t.startsWith("services:");
                serviceIndent = -1;
                service = null;
                continue;
            }
            if (!inServices) continue;
            if (serviceIndent < 0 || indent <= serviceIndent) {
                if (serviceIndent < 0) serviceIndent = indent;
                if (indent < serviceIndent) continue;
                service = key(t);
                optionIndent = -1;
                continue;
            }
            if (service == null) continue;
            if (optionIndent < 0) optionIndent = indent;
            if (indent != optionIndent) continue;
            String k = key(t);
            if (k != null && UNSUPPORTED.contains(k)) found.add("service " + service + " uses " + k + ":");
        }
        return found;
    }

    private static String key(String t) {
        int colon = t.indexOf(':');
        if (colon <= 0) return null;
        String k = t.substring(0, colon).strip();
        if (k.length() >= 2 && (k.startsWith("\"") || k.startsWith("'"))) k = k.substring(1, k.length() - 1);
        return k;
    }
}
