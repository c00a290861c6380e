package lib.history;

/** How a recorded attempt ended, as written in a history record's {@code outcome} field. */
public enum Outcome {
    SUCCESS("success"),
    FAILED("failed"),
    /** A deploy whose release failed its health checks; the previous release was put back. */
    ROLLED_BACK("rolled_back"),
    /** Stopped by SIGINT or SIGTERM before its release was switched in. */
    INTERRUPTED("interrupted");

    public final String word;

    Outcome(String word) {
        this.word = word;
    }

    /** The outcome written as {@code word}, or null for a word this version does not know. */
    public static Outcome of(String word) {
        for (Outcome o : values()) if (o.word.equals(word)) return o;
        return null;
    }
}
