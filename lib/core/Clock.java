package lib.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** UTC timestamps in the two formats the records use. */
public final class Clock {
    private Clock() {}

    private static final DateTimeFormatter COMPACT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** 2026-01-31T12:05:00Z */
    public static String nowUtc() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The time of {@code clock} in the form of {@link #nowUtc()}. */
    public static String utc(java.time.Clock clock) {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** 20260131T120500Z, as in release ids. */
    public static String compact(Instant t) {
        return COMPACT.format(t);
    }

    /** "3m ago", "2h ago", "5d ago" for a timestamp in ISO form; "" when unparseable. */
    public static String ago(String isoUtc) {
        try {
            long s = Math.max(0, Instant.now().getEpochSecond() - Instant.parse(isoUtc).getEpochSecond());
            if (s < 60) return s + "s ago";
            if (s < 3600) return (s / 60) + "m ago";
            if (s < 86400) return (s / 3600) + "h ago";
            return (s / 86400) + "d ago";
        } catch (RuntimeException e) {
            return "";
        }
    }
}
