package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * Hostile input across the scripts: every case exits non-zero with one line on stderr, no stack
 * trace, and the root is byte-for-byte what it was. Cases whose arguments a launcher could mangle
 * (whitespace, newlines, quotes, shell syntax, empty or huge values) run through JBang, as
 * `jbang SCRIPT.java` passes them; the others through the suite's launcher.
 */
class HostileInputIT {
    interface Step { void run() throws Exception; }

    record Case(String what, Step setup, Step teardown, String script, String[] args) {
        boolean viaJBang() {
            for (String a : args) if (a.isEmpty() || a.length() > 1000 || a.matches("(?s).*[\\s$`;'\"\\\\|&<>()*?].*")) return true;
            return false;
        }
    }

    /** Why the case's outcome is wrong, or null when it was refused with one line and changed nothing. */
    static String judge(World w, Case c) throws Exception {
        c.setup().run();
        var before = w.snapshot();
        World.Run r = c.viaJBang() ? w.jbang(c.script(), c.args()) : w.script(c.script(), c.args());
        var after = w.snapshot();
        c.teardown().run();
        String err = r.stderr().strip();
        String why = null;
        if (r.exit() == 0) why = "exit 0";
        else if (err.lines().filter(x -> x.startsWith("error")).count() != 1) why = "not exactly one error line";
        else if (!err.lines().reduce((a, b) -> b).orElse("").startsWith("error: ")) why = "the error is not the last line";
        else if (err.contains("Exception") || err.contains("\tat ")) why = "stack trace";
        else if (!before.equals(after)) why = "the root changed";
        return why == null ? null : why + "\n" + r;
    }

    @Test
    void everyHostileInputGetsOneLineAndChangesNothing() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            String huge = "x".repeat(5000);
            Path srcSettings = w.source.resolve(s).resolve("stack.json");
            String goodSettings = World.read(srcSettings);
            Path digests = w.dir.resolve("digests.json");
            Path evilRelease = l.stackReleasesDir(s).resolve("v9__20260101T000000Z");
            Path evilVerified = l.verifiedRecord("v2");
            Step none = () -> { };
            List<Case> cases = new ArrayList<>();
            String R = w.root.toString(), S = w.source.toString();
            // deploy
            for (String stack : new String[] {"../etc", "..", "a/b", "/abs", "a b", "a;rm -rf /", "$(id)", "`id`", "a\nb", huge, "", "UPPER-staging"})
                cases.add(new Case("deploy stack " + stack.length(), none, none, "deploy", new String[] {stack, "staging", "v1", "--root", R, "--source", S}));
            for (String tag : new String[] {"../../x", "v1/../../x", "v1;id", "v1\nv2", "-rf", huge, "a b", ".hidden"})
                cases.add(new Case("deploy tag", none, none, "deploy", new String[] {s, "staging", tag, "--root", R, "--source", S}));
            for (String env : new String[] {"prod", "../staging", "staging\n", "", "STAGING"})
                cases.add(new Case("deploy env", none, none, "deploy", new String[] {s, env, "v1", "--root", R, "--source", S}));
            cases.add(new Case("newline in actor", none, none, "deploy", new String[] {s, "staging", "v1", "--actor", "eve\n{\"forged\":1}", "--root", R, "--source", S}));
            cases.add(new Case("newline in reason", none, none, "deploy", new String[] {p, "production", "v1", "--break-glass", "--reason", "a\nb", "--root", R, "--source", S}));
            cases.add(new Case("huge reason", none, none, "deploy", new String[] {p, "production", "v1", "--break-glass", "--reason", huge, "--root", R, "--source", S}));
            cases.add(new Case("newline in run id", none, none, "deploy", new String[] {s, "staging", "v1", "--run-id", "1\n2", "--root", R, "--source", S}));
            cases.add(new Case("huge health timeout", none, none, "deploy", new String[] {s, "staging", "v1", "--health-timeout", "99999999999", "--root", R, "--source", S}));
            cases.add(new Case("negative health timeout", none, none, "deploy", new String[] {s, "staging", "v1", "--health-timeout", "-5", "--root", R, "--source", S}));
            cases.add(new Case("malformed stack.json", () -> World.write(srcSettings, "{\"environment\": [1,"), () -> World.write(srcSettings, goodSettings),
                    "deploy", new String[] {s, "staging", "v2", "--root", R, "--source", S}));
            cases.add(new Case("stack.json with a hostile image var", () -> World.write(srcSettings, "{\"images\":[{\"var\":\"X;rm\",\"repository\":\"" + World.APP + "\"}]}"),
                    () -> World.write(srcSettings, goodSettings), "deploy", new String[] {s, "staging", "v2", "--root", R, "--source", S}));
            cases.add(new Case("malformed digest file", () -> World.write(digests, "{\"images\": {\"a\": "), none,
                    "deploy", new String[] {s, "staging", "v2", "--digest-file", digests.toString(), "--root", R, "--source", S}));
            cases.add(new Case("digest file with a shell ref", () -> World.write(digests, "{\"images\":{\"a\":{\"tag\":\"v2\",\"ref\":\"$(id)@sha256:"
                    + "a".repeat(64) + "\",\"digest\":\"sha256:" + "a".repeat(64) + "\"}}}"), none,
                    "deploy", new String[] {s, "staging", "v2", "--digest-file", digests.toString(), "--root", R, "--source", S}));
            cases.add(new Case("hostile --image", none, none, "deploy", new String[] {s, "staging", "v2", "--image", "evil.io/x;id", "--root", R, "--source", S}));
            cases.add(new Case("verified record planted as a symlink", () -> {
                Files.createDirectories(evilVerified.getParent());
                Files.createSymbolicLink(evilVerified, Path.of("/etc/hostname"));
            }, () -> Files.delete(evilVerified), "deploy", new String[] {p, "production", "v2", "--root", R, "--source", S}));
            // rollback
            cases.add(new Case("rollback --to a planted symlink release", () -> Files.createSymbolicLink(evilRelease, w.dir),
                    () -> Files.delete(evilRelease), "rollback", new String[] {s, "staging", "--to", "v9__20260101T000000Z", "--root", R}));
            cases.add(new Case("rollback --to traversal", none, none, "rollback", new String[] {s, "staging", "--to", "../../../etc", "--root", R}));
            cases.add(new Case("rollback --steps huge", none, none, "rollback", new String[] {s, "staging", "--steps", "99999999999", "--root", R}));
            cases.add(new Case("rollback stack traversal", none, none, "rollback", new String[] {"../" + s, "staging", "--root", R}));
            cases.add(new Case("rollback with the link pointing outside", () -> {
                Files.delete(l.stackLink(s));
                Files.createSymbolicLink(l.stackLink(s), Path.of("/tmp"));
            }, () -> {
                Files.delete(l.stackLink(s));
                Files.createSymbolicLink(l.stackLink(s), l.releaseDir(s, live));
            }, "rollback", new String[] {s, "staging", "--root", R}));
            // verify and status
            cases.add(new Case("verify mark traversal tag", none, none, "verify", new String[] {"mark", "../x", "--from", s, "--root", R}));
            cases.add(new Case("verify mark newline note", none, none, "verify", new String[] {"mark", "v1", "--from", s, "--note", "a\nb", "--root", R}));
            cases.add(new Case("verify mark from traversal", none, none, "verify", new String[] {"mark", "v1", "--from", "../" + s, "--root", R}));
            cases.add(new Case("verify revoke traversal", none, none, "verify", new String[] {"revoke", "../../etc/passwd", "--root", R}));
            cases.add(new Case("verify check shell", none, none, "verify", new String[] {"check", "$(id)", "--root", R}));
            cases.add(new Case("status traversal", none, none, "status", new String[] {"../..", "--root", R}));
            cases.add(new Case("status huge history", none, none, "status", new String[] {s, "--history", "-1", "--root", R}));
            cases.add(new Case("root with a newline", none, none, "status", new String[] {"--root", R + "\nx"}));
            cases.add(new Case("unknown option", none, none, "deploy", new String[] {s, "staging", "v1", "--rm-rf", "--root", R}));
            // clean-images
            cases.add(new Case("clean-images stack traversal", none, none, "clean-images", new String[] {"../" + s, "--yes", "--root", R}));
            cases.add(new Case("clean-images shell stack", none, none, "clean-images", new String[] {"$(id)", "--dry-run", "--root", R}));
            cases.add(new Case("clean-images negative keep", none, none, "clean-images", new String[] {"--keep", "-1", "--yes", "--root", R}));

            for (String script : new String[] {"deploy", "rollback", "verify", "status", "clean-images"}) {
                World.Run v = w.jbang(script, "--version"); // JBang builds the script here, not in a case's output
                assertEquals(0, v.exit(), v.toString());
            }
            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                String why = judge(w, c);
                if (why != null) failures.add(c.script() + " [" + c.what() + "]: " + why);
            }
            long viaJBang = cases.stream().filter(Case::viaJBang).count();
            System.out.println("hostile inputs: " + cases.size() + " cases (" + viaJBang + " through JBang), " + failures.size() + " failed");
            // every script that takes a root is covered, and the judge does see a command that goes through
            assertEquals(World.SCRIPTS.stream().filter(x -> !x.equals("build-image")).sorted().toList(),
                    cases.stream().map(Case::script).distinct().sorted().toList());
            String control = w.stagingStack();
            String accepted = judge(w, new Case("control", none, none, "deploy", new String[] {control, "staging", "v1", "--root", R, "--source", S}));
            assertTrue(accepted != null && accepted.startsWith("exit 0"), "a good deploy is not judged refused: " + accepted);
            assertEquals(List.of(), failures);
            assertEquals("v1", w.version(s));
            assertEquals(live, l.currentReleaseId(s));
            for (String line : Files.readAllLines(l.historyLog())) assertTrue(line.startsWith("{") && line.endsWith("}"), line);
        }
    }
}
