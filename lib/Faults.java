package lib;

/**
 * Named points in the deploy and rollback flows where a test can make the process stop itself
 * (SEISEI_TEST_KILL_AT=<point>): the process kills itself with SIGKILL, as a crash would.
 */
public final class Faults {
    private Faults() {}

    private static final String AT = System.getenv("SEISEI_TEST_KILL_AT");

    public static void point(String name) {
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
