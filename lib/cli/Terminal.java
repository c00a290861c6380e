package lib.cli;

import lib.core.Proc;

import java.time.Duration;
import java.util.List;

/** How wide the terminal is, for tables that should fit it. */
public final class Terminal {
    private Terminal() {}

    /**
     * {@code columns} ($COLUMNS) when it is a positive number; else, on a terminal, the width
     * {@code stty size} reports for /dev/tty; else 0 (no limit).
     */
    public static int columns(String columns, boolean onTerminal) {
        Integer c = parse(columns);
        if (c != null) return c;
        return onTerminal ? ttyColumns() : 0;
    }

    static Integer parse(String columns) {
        if (columns == null || !columns.strip().matches("[0-9]{1,5}")) return null;
        int c = Integer.parseInt(columns.strip());
        return c > 0 ? c : null;
    }

    /** The width of /dev/tty from {@code stty -F /dev/tty size} ("rows columns"), 0 when it cannot be read. */
    private static int ttyColumns() {
        try {
            Proc.Result r = Proc.of(List.of("stty", "-F", "/dev/tty", "size")).timeout(Duration.ofSeconds(2)).run();
            String[] f = r.stdout().strip().split("\\s+");
            Integer c = r.ok() && f.length == 2 ? parse(f[1]) : null;
            return c == null ? 0 : c;
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
