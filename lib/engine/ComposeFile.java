package lib.engine;

import lib.core.Fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What each service of a compose file runs, read in Java the way Compose reads it, without a compose
 * process:
 * <ul>
 * <li>the YAML with anchors, aliases and merge keys ({@code <<: *x}), as PyYAML (Compose v1) and
 *     go-yaml (v2) resolve them; SnakeYAML reads it (Jackson's YAML reader keeps an alias as the
 *     anchor's name);</li>
 * <li>{@code image}, {@code profiles} and {@code extends} (same file or another file, any depth) of
 *     each service, with the variables interpolated by Compose's rules ({@link #interpolate});</li>
 * <li>a service with a profile is optional; a service without an image (built locally) runs none
 *     that can be named.</li>
 * </ul>
 * A file using what this reader does not follow (top-level {@code include}) is {@link Unsupported};
 * one that Compose would refuse (bad YAML, a bad interpolation, a required variable unset) is a
 * {@link Fail}. The caller then asks compose itself, or knows less.
 */
public final class ComposeFile {
    private ComposeFile() {}

    /** A compose file that uses what this reader does not follow: not an error of the file. */
    public static final class Unsupported extends Fail {
        Unsupported(String message) {
            super(lib.core.Exit.FAILED, message);
        }
    }

    /** Interpolation rules: Compose v1 (no nested expressions, no {@code +}) or v2 (compose-go's). */
    public enum Rules { V1, V2 }

    /** The services of {@code dir/file} with {@code vars} as the variables. */
    public static ServiceImages services(Path dir, String file, Map<String, String> vars, Rules rules) {
        Map<String, Object> top = load(dir.resolve(file));
        if (top.containsKey("include"))
            throw new Unsupported(dir.resolve(file) + " includes other compose files (include:), which only compose itself reads");
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> optional = new LinkedHashSet<>();
        Map<String, Object> services = map(top.get("services"), "services", dir.resolve(file));
        for (String name : services.keySet()) {
            Resolved r = resolve(dir, dir.resolve(file), top, name, vars, rules, new HashSet<>());
            images.put(name, r.image);
            if (!r.profiles.isEmpty()) optional.add(name);
        }
        return new ServiceImages(images, optional);
    }

    private record Resolved(String image, List<String> profiles) {}

    /** A service's image and profiles, following extends; {@code seen} guards against a cycle. */
    private static Resolved resolve(Path dir, Path file, Map<String, Object> top, String name, Map<String, String> vars, Rules rules,
                                    Set<String> seen) {
        if (!seen.add(file + "#" + name)) throw Fail.failed(file + ": service " + name + " extends itself (a cycle of extends)");
        Map<String, Object> services = map(top.get("services"), "services", file);
        if (!services.containsKey(name)) throw Fail.failed(file + ": no service " + name + " to extend");
        Object raw = services.get(name);
        Map<String, Object> svc = raw == null ? Map.of() : map(raw, "service " + name, file);
        String image = svc.containsKey("image") ? scalar(svc.get("image"), vars, rules, file, name + ".image") : null;
        List<String> profiles = new ArrayList<>();
        Object p = svc.get("profiles");
        if (p instanceof List<?> l) for (Object o : l) profiles.add(scalar(o, vars, rules, file, name + ".profiles"));
        else if (p != null) throw Fail.failed(file + ": profiles of service " + name + " is not a list");
        Object ext = svc.get("extends");
        if (ext != null && image == null) {
            Base b = base(ext, file, top, vars, rules, name);
            image = resolve(dir, b.file, b.top, b.service, vars, rules, seen).image;
        }
        return new Resolved(image, profiles);
    }

    /** The service an {@code extends} names, and the file (and its top-level mapping) it is in. */
    private record Base(String service, Path file, Map<String, Object> top) {}

    /** Reads service {@code name}'s {@code extends} value: a service name, or {service, file}. */
    private static Base base(Object ext, Path file, Map<String, Object> top, Map<String, String> vars, Rules rules, String name) {
        if (ext instanceof String s) return new Base(scalar(s, vars, rules, file, name + ".extends"), file, top);
        Map<String, Object> e = map(ext, "extends of service " + name, file);
        String service = scalar(e.get("service"), vars, rules, file, name + ".extends.service");
        if (service == null) throw Fail.failed(file + ": extends of service " + name + " names no service");
        Object f = e.get("file");
        if (f == null) return new Base(service, file, top);
        Path baseFile = file.getParent().resolve(scalar(f, vars, rules, file, name + ".extends.file")).normalize();
        return new Base(service, baseFile, load(baseFile));
    }

    /** The top-level mapping of {@code dir/file}, as written. */
    public static Map<String, Object> top(Path dir, String file) {
        return load(dir.resolve(file));
    }

    /**
     * The options of service {@code name} as written (values not interpolated), merged along its
     * {@code extends} chain (same file or another, any depth) with its own options winning, as Compose
     * merges single-value options; null when the file has no such service.
     */
    public static Map<String, Object> serviceOptions(Path dir, String file, Map<String, String> vars, Rules rules, String name) {
        Path f = dir.resolve(file);
        Map<String, Object> top = load(f);
        if (!map(top.get("services"), "services", f).containsKey(name)) return null;
        return options(f, top, name, vars, rules, new HashSet<>());
    }

    private static Map<String, Object> options(Path file, Map<String, Object> top, String name, Map<String, String> vars, Rules rules,
                                               Set<String> seen) {
        if (!seen.add(file + "#" + name)) throw Fail.failed(file + ": service " + name + " extends itself (a cycle of extends)");
        Map<String, Object> services = map(top.get("services"), "services", file);
        if (!services.containsKey(name)) throw Fail.failed(file + ": no service " + name + " to extend");
        Object raw = services.get(name);
        Map<String, Object> own = raw == null ? Map.of() : map(raw, "service " + name, file);
        Map<String, Object> out = new LinkedHashMap<>();
        Object ext = own.get("extends");
        if (ext != null) {
            Base b = base(ext, file, top, vars, rules, name);
            out.putAll(options(b.file, b.top, b.service, vars, rules, seen));
        }
        out.putAll(own);
        out.remove("extends");
        return out;
    }

    /** A scalar value as Compose sees it after interpolation; null stays null. */
    private static String scalar(Object v, Map<String, String> vars, Rules rules, Path file, String where) {
        if (v == null) return null;
        if (v instanceof Map || v instanceof List) throw Fail.failed(file + ": " + where + " is not a single value");
        try {
            return interpolate(v.toString(), vars, rules);
        } catch (Fail f) {
            throw Fail.failed(file + ": " + where + ": " + f.getMessage());
        }
    }

    /** The top-level mapping of a compose file. */
    static Map<String, Object> load(Path file) {
        String text;
        try {
            text = lib.core.SmallFiles.text(file, "compose file");
        } catch (NoSuchFileException e) {
            throw Fail.failed("no compose file " + file);
        } catch (IOException e) {
            throw Fail.failed("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses YAML text whose top level must be a mapping (an empty document is an empty one). */
    public static Map<String, Object> parse(String text, String what) {
        Object doc;
        try {
            LoaderOptions o = new LoaderOptions();
            o.setAllowDuplicateKeys(false);
            doc = new Yaml(new SafeConstructor(o)).load(text);
        } catch (RuntimeException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ").strip();
            throw Fail.failed("cannot read " + what + " as YAML: " + m);
        }
        if (doc == null) return Map.of();
        return map(doc, "the top level", Path.of(what));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v, String what, Path file) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw Fail.failed(file + ": " + what + " is not a mapping");
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
        return out;
    }

    /**
     * Compose's interpolation of one value: {@code $$} is a {@code $}; {@code $VAR} and {@code ${VAR}}
     * the variable's value (empty when unset); {@code ${VAR:-d}} d when VAR is unset or empty,
     * {@code ${VAR-d}} d when unset; {@code ${VAR:?m}} / {@code ${VAR?m}} an error with m when unset
     * or empty / unset. v2 (compose-go) also has {@code ${VAR:+r}} / {@code ${VAR+r}} (r when set and
     * non-empty / set) and expressions inside the default ({@code ${A:-${B}}}); in v1 a default ends
     * at the first {@code }} and is taken as written. Names are letters, digits and underscores, not
     * starting with a digit. Any other {@code $} is an invalid interpolation, as in Compose.
     */
    public static String interpolate(String s, Map<String, String> vars, Rules rules) {
        if (s.indexOf('$') < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && s.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            if (i + 1 < n && isNameStart(s.charAt(i + 1))) {
                int j = i + 1;
                while (j < n && isNamePart(s.charAt(j))) j++;
                String v = vars.get(s.substring(i + 1, j));
                out.append(v == null ? "" : v);
                i = j;
                continue;
            }
            if (i + 1 < n && s.charAt(i + 1) == '{') {
                int close = rules == Rules.V2 ? matchingBrace(s, i + 2) : s.indexOf('}', i + 2);
                if (close < 0) throw invalid(s);
                out.append(braced(s.substring(i + 2, close), vars, rules, s));
                i = close + 1;
                continue;
            }
            throw invalid(s);
        }
        return out.toString();
    }

    private static String braced(String body, Map<String, String> vars, Rules rules, String whole) {
        int j = 0;
        if (body.isEmpty() || !isNameStart(body.charAt(0))) throw invalid(whole);
        while (j < body.length() && isNamePart(body.charAt(j))) j++;
        String name = body.substring(0, j);
        String value = vars.get(name);
        if (j == body.length()) return value == null ? "" : value;
        boolean colon = body.charAt(j) == ':';
        int k = colon ? j + 1 : j;
        if (k >= body.length()) throw invalid(whole);
        char op = body.charAt(k);
        String arg = body.substring(k + 1);
        if (op != '-' && op != '?' && !(op == '+' && rules == Rules.V2)) throw invalid(whole);
        boolean set = value != null && (!colon || !value.isEmpty());
        switch (op) {
            case '-':
                return set ? value : rules == Rules.V2 ? interpolate(arg, vars, rules) : arg;
            case '+':
                return set ? interpolate(arg, vars, rules) : "";
            default:
                if (!set) throw Fail.failed("required variable " + name + " is " + (value == null ? "missing" : "empty")
                        + (arg.isEmpty() ? "" : ": " + arg));
                return value;
        }
    }

    /** The index of the brace closing a {@code ${} opened before {@code from}, counting nested ones; -1 when none. */
    private static int matchingBrace(String s, int from) {
        int depth = 1;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static Fail invalid(String s) {
        return Fail.failed("invalid interpolation format in " + lib.model.Names.quote(s) + " (a literal $ is written $$)");
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
