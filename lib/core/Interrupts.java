package lib.core;

import java.io.PrintStream;

/**
 * SIGINT and SIGTERM for the scripts that change state. Before a flow's point of no return (the
 * link switch) a signal stops the flow at its next step: {@link #check} fails with exit 130 (INT) or
 * 143 (TERM), a running external program is stopped, and the flow records the attempt and cleans up
 * on its way out. After that point ({@link #critical}) the flow finishes its activation or recovery
 * first, says so once, and ends with the same exit code.
 */
public final class Interrupts {
    private Interrupts() {}

    private static volatile String signal;
    private static volatile String finishing;
    private static volatile boolean told;
    private static volatile String asking;
    private static Thread main;
    private static PrintStream err = System.err;

    /** Handles SIGINT and SIGTERM from now on in this process; the calling thread is the one interrupted. */
    public static synchronized void install() {
        if (main != null) return;
        main = Thread.currentThread();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> received(name));
            } catch (IllegalArgumentException e) {
                // a signal the JVM reserves here: left to its default
            }
        }
    }

    static void received(String name) {
        if (signal == null) signal = name;
        String what = finishing;
        String question = asking;
        if (what == null && question != null) {
            // a question on the terminal cannot be interrupted; nothing has changed yet, so the process ends here
            err.println();
            err.println("error: interrupted by SIG" + name + ": " + question);
            err.flush();
            System.exit(exitCode());
        }
        if (what != null) {
            if (!told) {
                told = true;
                err.println("warning: received SIG" + name + "; finishing " + what + " first, then stopping");
                err.flush();
            }
        } else if (main != null) {
            main.interrupt();
        }
    }

    /** True once SIGINT or SIGTERM arrived. */
    public static boolean pending() { return signal != null; }

    /** 130 after SIGINT, 143 after SIGTERM. */
    public static int exitCode() { return "TERM".equals(signal) ? 143 : 130; }

    /** The failure a flow stops with after a signal before its point of no return. */
    public static Fail stopped(String detail) {
        return new Fail(exitCode(), "interrupted by SIG" + signal + (detail == null ? "" : ": " + detail));
    }

    /**
     * Fails with {@link #stopped} when a signal arrived and the flow is not finishing something. The
     * thread's interrupt is cleared first, so the flow can still write its record on the way out.
     */
    public static void check() {
        if (signal != null && finishing == null) {
            Thread.interrupted();
            throw stopped(null);
        }
    }

    /**
     * Asks a question on the terminal ({@code read}): a signal meanwhile ends the process at once with
     * 130 or 143 and the one line {@code nothingDone} (nothing may have changed before the answer).
     */
    public static <T> T asking(String nothingDone, java.util.function.Supplier<T> read) {
        asking = nothingDone;
        try {
            check();
            return read.get();
        } finally {
            asking = null;
        }
    }

    /** From now on a signal waits until {@link #done}: the flow is finishing {@code what} (switched in, recovering). */
    public static void critical(String what) {
        finishing = what;
        Thread.interrupted();
    }

    /** Ends {@link #critical}; a signal that arrived meanwhile counts from here. */
    public static void done() {
        finishing = null;
    }
}
