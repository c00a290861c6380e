package lib.build;

import lib.core.Fail;
import lib.core.Json;
import lib.core.SmallFiles;
import lib.model.Names;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The service map of the repository being built ({@code seisei-services.json} at the top of the
 * checkout): which image each service builds, from which context and Dockerfile, with which build
 * arguments. Paths are relative to the top of the checkout and may not leave it.
 *
 * <pre>
 * {
 *   "registry": "ghcr.io/acme",                       optional; --registry and $SEISEI_REGISTRY win
 *   "services": {
 *     "odoo18": {
 *       "image": "seisei-odoo18",                     required: the repository under the registry prefix
 *       "context": ".",                               optional, default "."
 *       "dockerfile": "infra/stacks/odoo18/Dockerfile",  optional, default CONTEXT/Dockerfile
 *       "build_args": {"ODOO_VERSION": "18.0"}        optional
 *     }
 *   }
 * }
 * </pre>
 */
public final class ServiceMap {
    public static final String DEFAULT_FILE = "seisei-services.json";

    private static final Pattern SERVICE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern BUILD_ARG = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Set<String> TOP_FIELDS = Set.of("registry", "services");
    private static final Set<String> SERVICE_FIELDS = Set.of("image", "context", "dockerfile", "build_args");

    /** One service, its paths resolved to absolute paths inside the checkout. */
    public record Service(String name, String image, Path context, Path dockerfile, Map<String, String> buildArgs) {}

    public final Path file;
    /** The registry prefix the map names, or null. */
    public final String registry;
    private final Map<String, JsonNode> services;

    private ServiceMap(Path file, String registry, Map<String, JsonNode> services) {
        this.file = file;
        this.registry = registry;
        this.services = services;
    }

    public List<String> names() { return List.copyOf(services.keySet()); }

    /**
     * The service map at the top of the checkout {@code top}: it must be part of the checkout, so a link
     * leading out of it is refused (what is built must not depend on a file git does not see change).
     */
    public static Path defaultFile(Path top) {
        Path file = top.resolve(DEFAULT_FILE);
        if (!Files.isSymbolicLink(file)) return file;
        try {
            Path real = file.toRealPath();
            if (real.startsWith(top.toRealPath())) return file;
            throw Fail.usage("service map " + file + " is a link to " + real + ", outside the checkout: keep the service map in the"
                    + " checkout, or name it with --services FILE");
        } catch (NoSuchFileException e) {
            return file;
        } catch (IOException e) {
            throw Fail.usage("cannot read service map " + file + ": " + e.getMessage());
        }
    }

    /** Reads and checks the map's shape (each service is checked by {@link #service}). */
    public static ServiceMap load(Path file) {
        String text;
        try {
            text = new String(SmallFiles.read(file, "service map", 1024 * 1024), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw Fail.usage("service map " + file + " not found (create " + DEFAULT_FILE
                    + " at the top of the checkout, or give --services FILE)");
        } catch (IOException e) {
            throw Fail.usage("cannot read service map " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw Fail.usage("malformed service map " + file + ": " + Json.problem(e));
        }
        String where = "service map " + file;
        if (root == null || !root.isObject()) throw Fail.usage(where + " must be a JSON object with \"services\"");
        unknownFields(root, TOP_FIELDS, where);
        String registry = null;
        if (root.has("registry")) {
            registry = string(root.get("registry"), where + ": \"registry\"");
            registry = registryPrefix(registry, where + ": \"registry\"");
        }
        JsonNode s = root.get("services");
        if (s == null || !s.isObject() || s.isEmpty()) throw Fail.usage(where + " names no services (\"services\": {NAME: {...}})");
        Map<String, JsonNode> services = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            if (!SERVICE.matcher(e.getKey()).matches())
                throw Fail.usage(where + ": invalid service name " + Names.quote(e.getKey())
                        + ": lowercase letters, digits, '.', '-' and '_', at most 63");
            if (!e.getValue().isObject()) throw Fail.usage(where + ": service " + e.getKey() + " must be an object");
            services.put(e.getKey(), e.getValue());
        }
        return new ServiceMap(file, registry, services);
    }

    /** The named service, validated against the checkout at {@code top}. */
    public Service service(String name, Path top) {
        JsonNode n = services.get(name);
        if (n == null)
            throw Fail.usage("unknown service " + Names.quote(name) + " in " + file + " (known: " + String.join(", ", services.keySet()) + ")");
        String where = "service map " + file + ", service " + name;
        unknownFields(n, SERVICE_FIELDS, where);
        if (!n.hasNonNull("image")) throw Fail.usage(where + ": \"image\" is required");
        String image = string(n.get("image"), where + ": \"image\"");
        try {
            Names.repository(image);
        } catch (Fail f) {
            throw Fail.usage(where + ": " + f.getMessage());
        }
        Path realTop;
        try {
            realTop = top.toRealPath();
        } catch (IOException e) {
            throw Fail.usage("cannot read the checkout " + top + ": " + e.getMessage());
        }
        String ctx = n.hasNonNull("context") ? string(n.get("context"), where + ": \"context\"") : ".";
        Path context = inside(realTop, ctx, where + ": context");
        if (!Files.isDirectory(context)) throw Fail.usage(where + ": context " + Names.quote(ctx) + " is not a directory in the checkout");
        Path dockerfile;
        if (n.hasNonNull("dockerfile")) {
            String df = string(n.get("dockerfile"), where + ": \"dockerfile\"");
            dockerfile = inside(realTop, df, where + ": dockerfile");
        } else {
            dockerfile = inside(realTop, realTop.relativize(context).resolve("Dockerfile").toString(), where + ": dockerfile");
        }
        if (!Files.isRegularFile(dockerfile))
            throw Fail.usage(where + ": Dockerfile " + realTop.relativize(dockerfile) + " not found in the checkout");
        Map<String, String> args = new LinkedHashMap<>();
        JsonNode ba = n.get("build_args");
        if (ba != null && !ba.isNull()) {
            if (!ba.isObject()) throw Fail.usage(where + ": \"build_args\" must be an object of strings");
            for (Map.Entry<String, JsonNode> e : ba.properties()) {
                if (!BUILD_ARG.matcher(e.getKey()).matches())
                    throw Fail.usage(where + ": invalid build arg name " + Names.quote(e.getKey()));
                JsonNode v = e.getValue();
                if (!v.isValueNode() || v.isNull())
                    throw Fail.usage(where + ": build arg " + e.getKey() + " must be a string");
                args.put(e.getKey(), Names.text(where + ": build arg " + e.getKey(), v.asText(), 4096, true));
            }
        }
        return new Service(name, image, context, dockerfile, Collections.unmodifiableMap(args));
    }

    /** A registry prefix ("ghcr.io/acme", "127.0.0.1:5000"), without a trailing slash. */
    public static String registryPrefix(String prefix, String what) {
        String p = prefix == null ? "" : prefix.strip();
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.isEmpty()) throw Fail.usage(what + " is empty");
        try {
            Names.repository(p + "/x");
        } catch (Fail f) {
            throw Fail.usage("invalid registry prefix " + Names.quote(prefix) + " in " + what + ": expected host[:port][/path]");
        }
        return p;
    }

    /** {@code rel} resolved under {@code top}, refused when it is absolute or leaves the checkout (also through links). */
    static Path inside(Path top, String rel, String what) {
        Path p;
        try {
            p = Path.of(rel);
        } catch (RuntimeException e) {
            throw Fail.usage(what + " " + Names.quote(rel) + " is not a path");
        }
        if (p.isAbsolute()) throw Fail.usage(what + " " + Names.quote(rel) + " must be relative to the top of the checkout");
        Path r = top.resolve(p).normalize();
        if (!r.startsWith(top)) throw Fail.usage(what + " " + Names.quote(rel) + " leaves the checkout");
        if (Files.exists(r)) {
            try {
                Path real = r.toRealPath();
                if (!real.startsWith(top)) throw Fail.usage(what + " " + Names.quote(rel) + " leaves the checkout (through a link)");
                return real;
            } catch (IOException e) {
                throw Fail.usage("cannot read " + what + " " + Names.quote(rel) + ": " + e.getMessage());
            }
        }
        return r;
    }

    private static void unknownFields(JsonNode n, Set<String> known, String where) {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) if (!known.contains(e.getKey())) unknown.add(e.getKey());
        if (!unknown.isEmpty())
            throw Fail.usage(where + ": unknown field " + Names.quote(unknown.get(0)) + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
    }

    private static String string(JsonNode n, String what) {
        if (n == null || !n.isTextual()) throw Fail.usage(what + " must be a string");
        return Names.text(what, n.asText(), 1024, false);
    }
}
