package lib.flow;

import java.util.function.Supplier;
import lib.cli.Console;
import lib.engine.Engines;
import lib.history.HistoryLog;
import lib.model.Layout;
import lib.registry.Registry;

/**
 * What a flow works with, handed in rather than made inside: the root, the console, who runs it, the
 * history, the engines, the hooks, the clock and the registry client. {@link #of} wires the real ones;
 * unit tests pass fakes.
 */
public record Context(Layout layout, Console console, String actor, String runId, HistoryLog history, Engines engines,
                      Hooks hooks, java.time.Clock clock, Supplier<Registry> registry) {

    /** The real collaborators for a run on {@code layout} by {@code actor}. */
    public static Context of(Layout layout, Console console, String actor, String runId) {
        java.time.Clock clock = java.time.Clock.systemUTC();
        return new Context(layout, console, actor, runId, new HistoryLog(layout.historyLog(), clock), Engines.detect(console),
                Hooks.PROCESSES, clock, Registry::new);
    }

    /** The same context with other engines (for tests and tools that drive one engine). */
    public Context withEngines(Engines other) {
        return new Context(layout, console, actor, runId, history, other, hooks, clock, registry);
    }
}
