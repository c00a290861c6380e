package lib.history;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A quick look at one history line, for searches that pass over most lines of a long history:
 * the whole record only when the line is about a release the search wants, else only its time, read
 * from the bytes of the tool's own JSON without a parse. Lines in other formats ({@link HistoryFormat})
 * are parsed; they are few.
 */
public final class HistoryLine {
    private HistoryLine() {}

    private static final HistoryScan.Needle RELEASE_ID = HistoryScan.key("release_id");
    private static final HistoryScan.Needle AT_UTC = HistoryScan.key("at_utc");

    /** {@link #glance(byte[], int, int, Predicate)} of one line of text. */
    public static HistoryRecord glance(String line, Set<String> wanted) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return glance(b, 0, b.length, wanted::contains);
    }

    /**
     * The record of the line when its release id is one {@code wanted} accepts, else a record with
     * only its time; null for a torn line or a line no format reads.
     */
    public static HistoryRecord glance(byte[] b, int from, int to, Predicate<String> wanted) {
        while (from < to && HistoryScan.isSpace(b[from])) from++;
        while (to > from && HistoryScan.isSpace(b[to - 1])) to--;
        if (to - from < 2) return null;
        if (b[from] != '{') {
            HistoryRecord r = HistoryFormat.parse(new String(b, from, to - from, StandardCharsets.UTF_8));
            if (r == null || r.release_id == null || wanted.test(r.release_id)) return r;
            HistoryRecord time = new HistoryRecord();
            time.at_utc = r.at_utc;
            return time;
        }
        if (b[to - 1] != '}') return null;
        for (int i = RELEASE_ID.indexIn(b, from, to); i >= 0; i = RELEASE_ID.indexIn(b, i + 1, to)) {
            String v = HistoryScan.stringField(b, i, to, RELEASE_ID);
            if (v != null && wanted.test(v)) return HistoryLog.parse(new String(b, from, to - from, StandardCharsets.UTF_8));
        }
        HistoryRecord r = new HistoryRecord();
        r.at_utc = HistoryScan.stringField(b, from, to, AT_UTC);
        return r;
    }
}
