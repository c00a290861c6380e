package lib.core;

/**
 * Named points in the deploy and rollback flows where a test can make the process stop itself
 * (SEISEI_TEST_KILL_AT=<point>): the process kills itself with SIGKILL, as a crash would. With
 * SEISEI_TEST_PAUSE_AT=<point>:<seconds> it waits there instead, for a test to change the world
 * under it (remove the stack source in the middle of its copy, say).
 */
public final class Faults {
    private Faults() {}

    private static final String AT = System.getenv("SEISEI_TEST_KILL_AT");
    private static final String PAUSE = System.getenv("SEISEI_TEST_PAUSE_AT");

    public static void point(String name) {
        if (PAUSE != null && PAUSE.startsWith(name + ":")) {
            try {
                Thread.sleep((long) (Double.parseDouble(PAUSE.substring(name.length() + 1)) * 1000));
            } catch (InterruptedException | NumberFormatException ignored) {
            }
        }
        if (AT != null && AT.equals(name)) {
            try {
                new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(10_000);
            } catch (Exception ignored) {
            }
            Runtime.getRuntime().halt(137);
        }
    }
}
