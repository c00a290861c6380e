package lib.clean;

import lib.history.HistoryLine;
import lib.history.HistoryRecord;
import lib.history.HistoryScan;
import lib.model.Layout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
                HistoryRecord r = HistoryLine.glance(buf, from, to, search::wants);
                return r == null || search.accept(r);
            });
        }
        out.addAll(search.found());
        return out;
    }
}
