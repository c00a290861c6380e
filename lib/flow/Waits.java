package lib.flow;

import lib.engine.Diagnostics;
import lib.model.StackSettings;

/**

 * health.timeout_seconds, else 120 s), the lock wait in seconds, and
 * the log lines of each failing container kept as diagnostics.
 */
public record Waits(Integer healthTimeout, double lockWait, int logLines) {
    public static final Waits DEFAULT = new Waits(null, 30, Diagnostics.LOG_LINES);

    /** The health wait for a release with {@code settings}. */
    public int healthSeconds(StackSettings settings) {
        if (healthTimeout != null) return healthTimeout;
        return settings != null ? settings.healthTimeoutSeconds() : lib.model.StackSettings.DEFAULT_HEALTH_TIMEOUT_SECONDS;
    }
}
