package lib.flow;

import lib.engine.Diagnostics;
import lib.engine.Health;
import lib.model.StackSettings;

/**
 * How long a flow waits and how much it shows: the health wait (null: stack.json's
 * health.timeout_seconds, else {@link Health#DEFAULT_TIMEOUT_SECONDS}), the lock wait in seconds, and
 * the log lines of each failing container kept as diagnostics.
 */
public record Waits(Integer healthTimeout, double lockWait, int logLines) {
    public static final Waits DEFAULT = new Waits(null, 30, Diagnostics.LOG_LINES);

    /** The health wait for a release with {@code settings}. */
    public int healthSeconds(StackSettings settings) {
        if (healthTimeout != null) return healthTimeout;
        return settings != null && settings.health.timeout_seconds != null ? settings.health.timeout_seconds : Health.DEFAULT_TIMEOUT_SECONDS;
    }
}
