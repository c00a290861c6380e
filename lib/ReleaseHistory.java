package lib;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the history says about a stack's releases: which ran successfully, newest first. */
public final class ReleaseHistory {
    private ReleaseHistory() {}

    /** Maximum records read back when looking for a stack's releases. */
    public static final int SCAN_LIMIT = 100_000;

    /**
     * Releases that were deployed successfully on {@code stack}, one entry per release id (its
     * latest success record), ordered by when they were first deployed, newest first.
     */
    public static List<HistoryRecord> successfulDeploys(HistoryLog log, String stack) {
        Map<String, HistoryRecord> firstDeploy = new LinkedHashMap<>();
        Map<String, HistoryRecord> latest = new LinkedHashMap<>();
        int seen = 0;
        for (HistoryRecord r : log.newestFirst()) {
            if (++seen > SCAN_LIMIT) break;
            if (!stack.equals(r.stack) || !r.isSuccessfulRelease()) continue;
            latest.putIfAbsent(r.release_id, r);
            if ("deploy".equals(r.action)) firstDeploy.put(r.release_id, r);
        }
        List<String> ids = new ArrayList<>(latest.keySet());
        ids.sort((a, b) -> Release.sortKey(b).compareTo(Release.sortKey(a)));
        List<HistoryRecord> out = new ArrayList<>();
        for (String id : ids) out.add(firstDeploy.getOrDefault(id, latest.get(id)));
        return out;
    }

    /** True when the history has a success record for the release. */
    public static boolean ranSuccessfully(HistoryLog log, String stack, String releaseId) {
        return !log.find(r -> stack.equals(r.stack) && releaseId.equals(r.release_id) && r.isSuccessfulRelease(), 1).isEmpty();
    }
}
