package lib.cli;

import lib.core.Json;

import java.io.PrintStream;
import org.fusesource.jansi.Ansi;

/**
 * Console output. Messages and progress go to stderr; results go to stdout. Colour only on a
 * terminal and never with NO_COLOR. In --json mode stdout carries only the JSON result. Tables fit
 * the terminal's width (see {@link #width()}).
 */
public final class Console {
    public final boolean json;
    public final boolean colour;
    private final PrintStream out;
    private final PrintStream err;
    /** The width tables fit in; null until a table asks. */
    private Integer width;

    public Console(boolean json) {
        this(json, false);
    }

    /** {@code wide}: tables print every cell whole, whatever the terminal's width (--wide). */
    public Console(boolean json, boolean wide) {
        this(json, System.out, System.err, System.getenv("NO_COLOR") == null && System.console() != null && !json);
        if (wide) width = 0;
    }

    public Console(boolean json, PrintStream out, PrintStream err, boolean colour) {
        this.json = json;
        this.out = out;
        this.err = err;
        this.colour = colour;
    }

    /** A console that prints to the given streams with tables fitted to {@code width} (0: no limit). */
    public Console(boolean json, PrintStream out, PrintStream err, boolean colour, int width) {
        this(json, out, err, colour);
        this.width = Math.max(0, width);
    }

    /**
     * The width tables fit in, 0 for no limit: $COLUMNS when it is set, else the terminal's width
     * when stdout is a terminal, else 0, so piped output keeps every cell whole and greppable.
     */
    public int width() {
        if (width == null) width = Terminal.columns(System.getenv("COLUMNS"), System.console() != null);
        return width;
    }

    public void step(String msg) { err.println(paint("==> ", Ansi.Color.CYAN, true) + msg); }
    public void info(String msg) { err.println("    " + msg); }
    public void ok(String msg) { err.println(paint("ok: ", Ansi.Color.GREEN, true) + msg); }
    public void warn(String msg) { err.println(paint("warning: ", Ansi.Color.YELLOW, true) + msg); }
    public void error(String msg) { err.println(paint("error: ", Ansi.Color.RED, true) + msg); }
    /** A progress line of a long step (pull, health wait). */
    public void progress(String msg) { err.println("    " + paint(msg, null, false)); }

    /** A human result line on stdout (nothing in --json mode). */
    public void result(String line) {
        if (!json) out.println(line);
    }

    /** Human result lines on stdout, written at once (a table of a thousand rows is one write, not a thousand). */
    public void result(java.util.List<String> lines) {
        if (!json && !lines.isEmpty()) out.println(String.join("\n", lines));
    }

    /** The JSON result on stdout (only in --json mode). */
    public void json(Object value) {
        if (json) out.print(Json.pretty(value));
    }

    public void flush() { out.flush(); err.flush(); }

    public String green(String s) { return paint(s, Ansi.Color.GREEN, false); }
    public String red(String s) { return paint(s, Ansi.Color.RED, false); }
    public String yellow(String s) { return paint(s, Ansi.Color.YELLOW, false); }
    public String bold(String s) { return colour ? Ansi.ansi().bold().a(s).reset().toString() : s; }

    private String paint(String s, Ansi.Color c, boolean bold) {
        if (!colour || (c == null && !bold)) return s;
        Ansi a = Ansi.ansi();
        if (bold) a = a.bold();
        if (c != null) a = a.fg(c);
        return a.a(s).reset().toString();
    }
}
