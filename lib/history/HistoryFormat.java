package lib.history;

import java.io.IOException;
import java.util.List;
import lib.core.Json;

/**
 * A way a history line can be written. The tool writes one JSON object per line ({@link #JSON});
 * roots that other tools wrote may hold lines in other forms, read by the formats after it in
 * {@link #READERS}. A line no format reads is shown as unreadable, never rewritten; only a line that
 * starts like the tool's own JSON and does not parse can be a write torn by a crash.
 */
public interface HistoryFormat {
    /** The record the line holds, or null when the line is not in this format. */
    HistoryRecord read(String line);

    /** The tool's own lines: one JSON object. */
    HistoryFormat JSON = line -> {
        String t = line.strip();
        if (t.isEmpty() || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') return null;
        try {
            return Json.MAPPER.readValue(t, HistoryRecord.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    };

    /** Every format read, the tool's own first, then the shell scripts' plain-text lines. */
    List<HistoryFormat> READERS = List.of(JSON, new LegacyLineFormat());

    /** The record of a line in any known format, or null. */
    static HistoryRecord parse(String line) {
        for (HistoryFormat f : READERS) {
            HistoryRecord r = f.read(line);
            if (r != null) {
                if (f != JSON) r.foreignLine = line;
                return r;
            }
        }
        return null;
    }

    /** True when the line starts as the tool's own JSON record does but is not one whole: a torn write. */
    static boolean torn(String line) {
        String t = line.strip();
        return t.startsWith("{") && JSON.read(t) == null;
    }
}
