package lib.clean;

import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.history.HistoryScan;
import lib.model.Layout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which release dirs ran successfully: those with a success marker, and those the history has a
 * success record for, found with one backwards read of the history ({@link CleanPlan.SuccessSearch}
 * decides when to stop).
 */
public final class SuccessfulReleases {
    private SuccessfulReleases() {}

    /** {@link CleanPlan#key} of every release of {@code stacks} that ran successfully. */
    public static Set<String> of(Layout layout, List<CleanPlan.StackInput> stacks, Set<String> marked) {
        Map<String, List<String>> wanted = new LinkedHashMap<>();
        Set<String> out = new HashSet<>();
        for (CleanPlan.StackInput s : stacks) {
            List<String> ids = new ArrayList<>();
            for (CleanPlan.Dir d : s.dirs) {
                if (d.kind == CleanPlan.Kind.LEFTOVER) continue;
                if (marked.contains(CleanPlan.key(s.stack, d.name))) out.add(CleanPlan.key(s.stack, d.name));
                else ids.add(d.name);
            }
            wanted.put(s.stack, ids);
        }
        CleanPlan.SuccessSearch search = new CleanPlan.SuccessSearch(wanted);
        if (!search.done()) {
            HistoryScan.newestFirst(layout.historyLog(), (buf, from, to) -> {
                HistoryRecord r = quickRecord(buf, from, to, search::wants);
                return r == null || search.accept(r);
            });
        }
        out.addAll(search.found());
        return out;
    }

    private static final HistoryScan.Needle RELEASE_ID_KEY = new HistoryScan.Needle("\"release_id\"");
    private static final HistoryScan.Needle AT_UTC_KEY = new HistoryScan.Needle("\"at_utc\"");

    /** {@link #quickRecord(byte[], int, int, Predicate)} of one line of text. */
    public static HistoryRecord quickRecord(String line, Set<String> wanted) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return quickRecord(b, 0, b.length, wanted::contains);
    }

    /**
     * A history line as far as the search for successful releases needs it: the full record when
     * the line names a wanted release as its release_id, else only its time (at_utc), read from the
     * bytes without a JSON parse: most lines of a long history are about releases no longer on disk.
     * Null for a torn or foreign line.
     */
    public static HistoryRecord quickRecord(byte[] b, int from, int to, Predicate<String> wanted) {
        while (from < to && HistoryScan.isSpace(b[from])) from++;
        while (to > from && HistoryScan.isSpace(b[to - 1])) to--;
        if (to - from < 2 || b[from] != '{' || b[to - 1] != '}') return null;
        for (int i = RELEASE_ID_KEY.indexIn(b, from, to); i >= 0; i = RELEASE_ID_KEY.indexIn(b, i + 1, to)) {
            String v = stringValue(b, i + RELEASE_ID_KEY.length(), to);
            if (v != null && wanted.test(v)) return HistoryLog.parse(new String(b, from, to - from, StandardCharsets.UTF_8));
        }
        HistoryRecord r = new HistoryRecord();
        int a = AT_UTC_KEY.indexIn(b, from, to);
        if (a >= 0) r.at_utc = stringValue(b, a + AT_UTC_KEY.length(), to);
        return r;
    }

    /** The plain string after a key ({@code : "value"}), or null when the value is something else. */
    private static String stringValue(byte[] b, int i, int to) {
        while (i < to && b[i] == ' ') i++;
        if (i >= to || b[i] != ':') return null;
        i++;
        while (i < to && b[i] == ' ') i++;
        if (i >= to || b[i] != '"') return null;
        int start = ++i;
        while (i < to && b[i] != '"') {
            if (b[i] == '\\') return null;
            i++;
        }
        return i >= to ? null : new String(b, start, i - start, StandardCharsets.UTF_8);
    }
}
