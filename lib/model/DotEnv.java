package lib.model;

import lib.core.Fail;
import lib.core.SmallFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A release's .env, read the way Docker Compose reads it, for the code that does not run compose:
 * `docker stack deploy` interpolates from its own environment only, and clean-images reads the pinned
 * images without starting compose. The rules (Compose's "env file syntax"):
 * <ul>
 * <li>blank lines and lines starting with {@code #} are ignored; so are lines without {@code =};</li>
 * <li>{@code KEY=VALUE}, with an optional {@code export } before the key, spaces around the key and
 *     after the {@code =} ignored; a later line of the same key wins;</li>
 * <li>an unquoted value ends at the end of the line, or at a {@code #} after a space or tab (an inline
 *     comment); trailing spaces are dropped: {@code A=x # c} is {@code x}, {@code A=x#y} is {@code x#y};</li>
 * <li>a value in single quotes is taken literally up to the closing quote ({@code \'} is a quote),
 *     in double quotes with the escapes {@code \n \r \t \\ \"} (other backslashes stay); quoted
 *     values may span lines, and whatever follows the closing quote on its line is ignored;</li>
 * <li>a quote that is never closed makes the value the rest of its line, as written.</li>
 * </ul>
 * Unlike Compose, {@code $VAR} and {@code ${VAR}} inside values are not expanded: values come out as written.
 */
public final class DotEnv {
    private DotEnv() {}

    public static final String FILE = ".env";

    public static Map<String, String> parse(String text) {
        Map<String, String> vars = new LinkedHashMap<>();
        String s = text.replace("\r\n", "\n");
        int n = s.length();
        int i = 0;
        while (i < n) {
            int eol = s.indexOf('\n', i);
            if (eol < 0) eol = n;
            int next = eol + 1;
            int k = skipBlanks(s, i, eol);
            if (s.startsWith("export", k) && k + 6 < eol && (s.charAt(k + 6) == ' ' || s.charAt(k + 6) == '\t')) k = skipBlanks(s, k + 6, eol);
            int eq = s.indexOf('=', k);
            if (k == eol || s.charAt(k) == '#' || eq < 0 || eq >= eol || s.substring(k, eq).isBlank()) {
                i = next;
                continue;
            }
            String key = s.substring(k, eq).strip();
            int v = skipBlanks(s, eq + 1, eol);
            char q = v < eol ? s.charAt(v) : 0;
            String value;
            int close = q == '\'' || q == '"' ? closingQuote(s, v + 1, q) : -1;
            if (close >= 0) {
                String raw = s.substring(v + 1, close);
                value = q == '\'' ? raw.replace("\\'", "'") : unescape(raw);
                int after = s.indexOf('\n', close);
                next = after < 0 ? n : after + 1;
            } else {
                value = q == '\'' || q == '"' ? s.substring(v, eol).strip() : unquotedValue(s.substring(v, eol));
            }
            vars.put(key, value);
            i = next;
        }
        return vars;
    }

    private static int skipBlanks(String s, int i, int end) {
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        return i;
    }

    /** The index of the quote that closes a value opened before {@code from}, skipping escaped ones; -1 when none. */
    private static int closingQuote(String s, int from, char q) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) i++;
            else if (c == q) return i;
        }
        return -1;
    }

    private static String unquotedValue(String v) {
        for (int i = 1; i < v.length(); i++) {
            if (v.charAt(i) == '#' && (v.charAt(i - 1) == ' ' || v.charAt(i - 1) == '\t')) return v.substring(0, i).strip();
        }
        return v.strip();
    }

    private static String unescape(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 == raw.length()) {
                b.append(c);
                continue;
            }
            char e = raw.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case '\\', '"' -> b.append(e);
                default -> b.append('\\').append(e);
            }
        }
        return b.toString();
    }

    /** The variables of {@code dir/.env}; none when it is absent. */
    public static Map<String, String> read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return Map.of();
        try {
            return parse(SmallFiles.text(f, ".env"));
        } catch (IOException e) {
            throw Fail.failed("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * The variables whose values are pinned image references (repo[:tag]@sha256:...), as pinned
     * images; values that are not, or whose repository is malformed, are left out.
     */
    public static Map<String, ImageRef> pinnedImages(Map<String, String> vars) {
        Map<String, ImageRef> out = new LinkedHashMap<>();
        for (var e : vars.entrySet()) {
            try {
                ImageRef ref = ImageRef.parsePinned(e.getValue(), null);
                if (ref != null) out.put(e.getKey(), ref);
            } catch (Fail ignored) {
            }
        }
        return out;
    }
}
