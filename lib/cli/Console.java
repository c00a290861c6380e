package lib.cli;

import lib.core.Json;

import java.io.PrintStream;
import org.fusesource.jansi.Ansi;

/**
 * Console output. Messages and progress go to stderr; results go to stdout. Colour only on a
 * terminal and never with NO_COLOR. In --json mode stdout carries only the JSON result.
 */
public final class Console {
    public final boolean json;
    public final boolean colour;
    private final PrintStream out;
    private final PrintStream err;

    public Console(boolean json) {
        this(json, System.out, System.err, System.getenv("NO_COLOR") == null && System.console() != null && !json);
    }

    public Console(boolean json, PrintStream out, PrintStream err, boolean colour) {
        this.json = json;
        this.out = out;
        this.err = err;
        this.colour = colour;
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
