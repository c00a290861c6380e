package lib.core;

/**
 * Named points in the deploy and rollback flows where a test can make the process stop itself, as a
 * crash would (SEISEI_TEST_KILL_AT=point: SIGKILL there), or wait there for the test to change the
 * world under it (SEISEI_TEST_PAUSE_AT=point:seconds, 0 to 60 seconds).
 * <p>
 * Both act only when SEISEI_TEST_FAULTS holds {@link #SWITCH} as well, a value no production run
 * sets by accident; then the process says so on stderr at its first fault point. Hooks never get
 * these variables (see {@link #isSwitch}).
 */
public final class Faults {
    private Faults() {}

    /** The value of SEISEI_TEST_FAULTS that turns the fault points on. */
    public static final String SWITCH = "inject-faults-this-is-a-test";
    public static final double MAX_PAUSE_SECONDS = 60;

    private static final boolean ON = SWITCH.equals(System.getenv("SEISEI_TEST_FAULTS"));
    private static final String AT = ON ? System.getenv("SEISEI_TEST_KILL_AT") : null;
    private static final String PAUSE = ON ? System.getenv("SEISEI_TEST_PAUSE_AT") : null;
    private static boolean warned;

    /** True for the variables that steer the fault points: never passed on to hooks. */
    public static boolean isSwitch(String variable) {
        return variable.startsWith("SEISEI_TEST_");
    }

    public static void point(String name) {
        if (!ON || (AT == null && PAUSE == null)) return;
        if (!warned) {
            warned = true;
            System.err.println("warning: test fault injection is on (SEISEI_TEST_FAULTS): "
                    + (AT != null ? "kill at " + AT : "") + (AT != null && PAUSE != null ? ", " : "") + (PAUSE != null ? "pause at " + PAUSE : ""));
        }
        if (PAUSE != null && PAUSE.startsWith(name + ":")) {
            double seconds;
            try {
                seconds = Double.parseDouble(PAUSE.substring(name.length() + 1));
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (!(seconds >= 0 && seconds <= MAX_PAUSE_SECONDS)) {
                System.err.println("warning: SEISEI_TEST_PAUSE_AT " + PAUSE + ": the pause must be 0.." + (int) MAX_PAUSE_SECONDS + " seconds; not pausing");
            } else {
                try {
                    Thread.sleep((long) (seconds * 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (name.equals(AT)) {
            try {
                new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(10_000);
            } catch (Exception ignored) {
                // the kill did not land: halt below
            }
            Runtime.getRuntime().halt(137);
        }
    }
}
