package lib.cli;

import lib.flow.Context;
import lib.flow.Waits;

/** Turns the shared options of deploy, rollback and verify into what their flows are handed. */
public final class Flows {
    private Flows() {}

    /** The real collaborators for a run under --root by --actor (checked; null for a command that records nothing), printing as --json says. */
    public static Context context(Options.Root root, Options.Who who, Options.Output output) {
        return Context.of(root.layout(), output.console(), who == null ? null : who.actor(), who == null ? null : who.runId());
    }

    /** The waits of --health-timeout, --lock-wait and --log-lines (each checked); null options take their defaults. */
    public static Waits waits(Options.HealthWait health, Options.LockWait lock, Options.LogLines logs) {
        Waits d = Waits.DEFAULT;
        return new Waits(health == null ? null : health.seconds(), lock == null ? d.lockWait() : lock.seconds(),
                logs == null ? d.logLines() : logs.lines());
    }
}
