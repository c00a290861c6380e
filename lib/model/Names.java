package lib.model;

import lib.core.Fail;

import java.util.regex.Pattern;

/**
 * Validation of every name that becomes part of a path, a command line or a record.
 * Names are rejected, never silently rewritten.
 */
public final class Names {
    private Names() {}

    public static final String STAGING = "staging";
    public static final String PRODUCTION = "production";

    private static final Pattern STACK = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern RELEASE_ID =
            Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})__(\\d{8}T\\d{6}Z)(-\\d{1,4})?");
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern ENV_VAR = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern REPOSITORY = Pattern.compile(
            "(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?/)?"
                    + COMPONENT + "(?:/" + COMPONENT + ")*");

    public static String stack(String s) {
        return check("stack name", s, STACK, "lowercase letters, digits, '-' and '_', at most 63, starting with a letter or digit");
    }

    public static boolean isStack(String s) {
        return s != null && STACK.matcher(s).matches();
    }

    public static String tag(String s) {
        return check("tag", s, TAG, "letters, digits, '.', '-' and '_', at most 128, not starting with '.' or '-'");
    }

    public static boolean isTag(String s) {
        return s != null && TAG.matcher(s).matches();
    }

    public static String releaseId(String s) {
        return check("release id", s, RELEASE_ID, "<tag>__<yyyyMMdd'T'HHmmss'Z'>");
    }

    public static boolean isReleaseId(String s) {
        return s != null && RELEASE_ID.matcher(s).matches();
    }

    /** The tag part of a release id. */
    public static String tagOfRelease(String releaseId) {
        var m = RELEASE_ID.matcher(releaseId);
        if (!m.matches()) throw Fail.usage("invalid release id " + quote(releaseId));
        return m.group(1);
    }

    public static String env(String s) {
        if (STAGING.equals(s) || PRODUCTION.equals(s)) return s;
        throw Fail.usage("invalid environment " + quote(s) + ": expected staging or production");
    }

    public static String digest(String s) {
        return check("digest", s, DIGEST, "sha256:<64 lowercase hex digits>");
    }

    public static boolean isDigest(String s) {
        return s != null && DIGEST.matcher(s).matches();
    }

    public static String envVar(String s) {
        return check(".env variable name", s, ENV_VAR, "uppercase letters, digits and '_'");
    }

    public static String repository(String s) {
        if (s != null && s.length() <= 255 && REPOSITORY.matcher(s).matches()) {
            int slash = s.indexOf('/');
            String first = slash < 0 ? s : s.substring(0, slash);
            boolean isHost = slash > 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
            if (isHost || first.matches(COMPONENT)) return s;
        }
        throw Fail.usage("invalid image repository " + quote(s) + ": expected [registry/]path, without tag or digest");
    }

    /** Free text that goes into records (actor, run id, reason, note): one line, bounded. */
    public static String text(String what, String s, int max, boolean allowEmpty) {
        if (s == null) s = "";
        if (!allowEmpty && s.isBlank()) throw Fail.usage(what + " must not be empty");
        if (s.length() > max) throw Fail.usage(what + " is longer than " + max + " characters");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) throw Fail.usage(what + " must be one line without control characters");
        }
        return s;
    }

    private static String check(String what, String s, Pattern p, String rule) {
        if (s != null && p.matcher(s).matches()) return s;
        throw Fail.usage("invalid " + what + " " + quote(s) + ": " + rule);
    }

    /** Quotes a user-supplied value for an error message, keeping the message on one line and short. */
    public static String quote(String s) {
        if (s == null) return "(none)";
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder b = new StringBuilder("'");
        for (char c : shown.toCharArray()) {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append('\'').toString();
    }
}
