package support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hostile input cases and their judge, shared by the HostileInput*IT classes. A case is refused
 * with its documented exit code (or, for a planted symlink the script must simply not follow, it
 * succeeds), prints exactly one error line and it last, no stack trace, and changes nothing: not the
 * tree it runs on (the root, or the checkout for build-image), not the test's outside dir, and not
 * anything a symlink in the tree points at outside it (all snapshotted before and after). Cases
 * whose arguments a launcher could mangle (whitespace, newlines, quotes, shell syntax, empty or huge
 * values) run through JBang, as `jbang SCRIPT.java` passes them; the others through the suite's launcher.
 */
public final class Hostile {
    private Hostile() {}

    public interface Step { void run() throws Exception; }

    public static final Step NONE = () -> { };

    /**
     * One hostile input: {@code exit} is the documented exit code it must end with, {@code says} a
     * piece of the error line that shows the refusal is for the right reason (null: any), {@code cwd}
     * where it runs (null: where the judge runs every case).
     */
    public record Case(String what, Step setup, Step teardown, String script, String[] args, int exit, String says, Path cwd) {
        public boolean viaJBang() {
            for (String a : args) if (a.isEmpty() || a.length() > 1000 || a.matches("(?s).*[\\s$`;'\"\\\\|&<>()*?].*")) return true;
            return false;
        }

        public Case says(String fragment) {
            return new Case(what, setup, teardown, script, args, exit, fragment, cwd);
        }

        public Case around(Step setup, Step teardown) {
            return new Case(what, setup, teardown, script, args, exit, says, cwd);
        }

        /** This case run in {@code dir} instead of the judge's directory. */
        public Case in(Path dir) {
            return new Case(what, setup, teardown, script, args, exit, says, dir);
        }
    }

    /** A case refused as bad input (exit 2) with nothing to set up. */
    public static Case bad(String what, String script, String... args) {
        return new Case(what, NONE, NONE, script, args, 2, null, null);
    }

    /** A case that must end with {@code exit}, with nothing to set up. */
    public static Case ends(int exit, String what, String script, String... args) {
        return new Case(what, NONE, NONE, script, args, exit, null, null);
    }

    /**
     * Runs {@code c} in {@code cwd} and says why its outcome is wrong, or null when it ended as it
     * must and changed nothing in {@code tree}, in {@code outside} or where a link in {@code tree} leads.
     */
    public static String judge(World w, Path cwd, Path tree, Path outside, Case c) throws Exception {
        c.setup().run();
        List<Path> trees = new ArrayList<>(List.of(tree, outside));
        for (Path t : World.linkTargetsOutside(tree)) if (!t.startsWith(outside)) trees.add(t);
        Map<String, String> before = World.snapshot(trees);
        World.Run r = w.scriptIn(c.cwd() != null ? c.cwd() : cwd, c.viaJBang(), c.script(), c.args());
        Map<String, String> after = World.snapshot(trees);
        c.teardown().run();
        String err = r.stderr().strip();
        List<String> errors = err.lines().filter(x -> x.startsWith("error")).toList();
        String why = null;
        if (r.exit() != c.exit()) why = "exit " + r.exit() + ", not " + c.exit();
        else if (c.exit() == 0 && !errors.isEmpty()) why = "an error line on success";
        else if (c.exit() != 0 && errors.size() != 1) why = "not exactly one error line";
        else if (c.exit() != 0 && !err.lines().reduce((a, b) -> b).orElse("").startsWith("error: ")) why = "the error is not the last line";
        else if (c.says() != null && !errors.get(0).contains(c.says())) why = "the error does not say " + c.says();
        else if (err.contains("Exception") || err.contains("\tat ")) why = "stack trace";
        else if (!before.equals(after)) why = "changed: " + difference(before, after);
        return why == null ? null : why + "\n" + r;
    }

    /** The paths that differ between two snapshots, at most forty. */
    static String difference(Map<String, String> before, Map<String, String> after) {
        List<String> d = new ArrayList<>();
        for (var e : before.entrySet()) if (!e.getValue().equals(after.get(e.getKey()))) d.add(e.getKey() + (after.containsKey(e.getKey()) ? "" : " (gone)"));
        for (String k : after.keySet()) if (!before.containsKey(k)) d.add(k + " (new)");
        return String.join(", ", d.subList(0, Math.min(40, d.size()))) + (d.size() > 40 ? ", ..." : "");
    }

    /** Runs every case and returns the failures; prints a one-line count. */
    public static List<String> runAll(World w, Path cwd, Path tree, Path outside, List<Case> cases) throws Exception {
        long warm = System.nanoTime();
        for (String script : cases.stream().map(Case::script).distinct().toList()) {
            World.Run v = w.jbang(script, "--version"); // JBang builds the script here, not in a case's output
            if (v.exit() != 0) throw new AssertionError(v.toString());
        }
        System.out.printf("hostile inputs: JBang built %s in %.0f s%n", cases.stream().map(Case::script).distinct().toList(), (System.nanoTime() - warm) / 1e9);
        long started = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            String why = judge(w, cwd, tree, outside, c);
            if (why != null) failures.add(c.script() + " [" + c.what() + "]: " + why);
        }
        long viaJBang = cases.stream().filter(Case::viaJBang).count();
        System.out.printf("hostile inputs: %d cases (%d through JBang), %d failed, in %.0f s%n", cases.size(), viaJBang, failures.size(),
                (System.nanoTime() - started) / 1e9);
        return failures;
    }
}
