package lib.core;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as people read them, in the decimal units `docker system df` prints (kB, MB, GB). */
public final class Sizes {
    private Sizes() {}

    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};
    private static final Pattern HUMAN = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kKMGTP]?i?B)?\\s*");

    /** 0 B, 812 B, 1.98 MB, 12.3 GB. */
    public static String human(long bytes) {
        if (bytes < 0) return "-" + human(-bytes);
        if (bytes < 1000) return bytes + " B";
        double v = bytes;
        int u = 0;
        while (v >= 999.95 && u < UNITS.length - 1) {
            v /= 1000;
            u++;
        }
        String n = v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        return n + " " + UNITS[u];
    }

    /**
     * Parses a size as docker prints it ("1.982MB", "0B", "12.5kB", "3GiB"); null when it is not
     * one ("N/A", empty).
     */
    public static Long parse(String s) {
        if (s == null) return null;
        Matcher m = HUMAN.matcher(s);
        if (!m.matches()) return null;
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        boolean binary = unit.length() == 3;
        int power = switch (Character.toUpperCase(unit.charAt(0))) {
            case 'K' -> 1;
            case 'M' -> 2;
            case 'G' -> 3;
            case 'T' -> 4;
            case 'P' -> 5;
            default -> 0;
        };
        return Math.round(v * Math.pow(binary ? 1024 : 1000, power));
    }
}
