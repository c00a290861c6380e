package it;

import static org.junit.jupiter.api.Assertions.*;
import static support.Hostile.bad;
import static support.Hostile.ends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lib.model.Layout;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.Hostile;
import support.Hostile.Case;
import support.World;

/**
 * Hostile input to deploy, rollback, verify and status (see {@link Hostile} for the judge): each
 * refused with its documented exit code and one error line, the root and everything its planted
 * symlinks point at unchanged. clean-images and build-image have classes of their own
 * ({@link HostileCleanInputIT}, {@link HostileBuildInputIT}), so the three run side by side.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each
@Order(4) // long: started early (tests/run.java)
class HostileInputIT {
    static final List<String> DEPLOY = List.of("deploy");
    static final List<String> ROOT_SCRIPTS = List.of("rollback", "status", "verify");

    @Test
    void everyScriptHasHostileCases() {
        List<String> covered = Stream.of(DEPLOY, ROOT_SCRIPTS, HostileCleanInputIT.SCRIPTS, HostileBuildInputIT.SCRIPTS)
                .flatMap(List::stream).sorted().toList();
        assertEquals(World.SCRIPTS.stream().sorted().toList(), covered);
    }

    @Test
    void hostileNamesGivenToDeployAreRefusedWithExitTwoAndOneLine() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            String huge = "x".repeat(5000);
            String R = w.root.toString(), S = w.source.toString();
            List<Case> cases = new ArrayList<>();
            for (String stack : new String[] {"../etc", "..", "a/b", "/abs", "a b", "a;rm -rf /", "$(id)", "`id`", "a\nb", huge, "", "UPPER-staging"})
                cases.add(bad("stack " + stack.length(), "deploy", stack, "staging", "v1", "--root", R, "--source", S));
            for (String tag : new String[] {"../../x", "v1/../../x", "v1;id", "v1\nv2", "-rf", huge, "a b", ".hidden"})
                cases.add(bad("tag", "deploy", s, "staging", tag, "--root", R, "--source", S));
            for (String env : new String[] {"prod", "../staging", "staging\n", "", "STAGING"})
                cases.add(bad("env", "deploy", s, env, "v1", "--root", R, "--source", S));
            assertEquals(List.of(), Hostile.runAll(w, w.dir, w.root, w.dir.resolve("outside"), cases));
            assertFalse(Files.exists(w.root), "nothing was deployed");
        }
    }

    @Test
    void hostileDeployInputGetsItsExitCodeAndOneLineAndChangesNothing() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            String p = w.productionStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path outside = w.dir.resolve("outside");
            World.write(outside.resolve("record"), "{\"tag\": \"v2\", \"images\": {}}\n");
            String huge = "x".repeat(5000);
            Path srcSettings = w.source.resolve(s).resolve("stack.json");
            String goodSettings = World.read(srcSettings);
            Path digests = w.dir.resolve("digests.json");
            Path evilVerified = l.verifiedRecord("v2");
            String R = w.root.toString(), S = w.source.toString();
            List<Case> cases = new ArrayList<>();
            cases.add(bad("newline in actor", "deploy", s, "staging", "v1", "--actor", "eve\n{\"forged\":1}", "--root", R, "--source", S));
            cases.add(bad("newline in reason", "deploy", p, "production", "v1", "--break-glass", "--reason", "a\nb", "--root", R, "--source", S));
            cases.add(bad("huge reason", "deploy", p, "production", "v1", "--break-glass", "--reason", huge, "--root", R, "--source", S));
            cases.add(bad("newline in run id", "deploy", s, "staging", "v1", "--run-id", "1\n2", "--root", R, "--source", S));
            cases.add(bad("huge health timeout", "deploy", s, "staging", "v1", "--health-timeout", "99999999999", "--root", R, "--source", S));
            cases.add(bad("negative health timeout", "deploy", s, "staging", "v1", "--health-timeout", "-5", "--root", R, "--source", S));
            cases.add(bad("malformed stack.json", "deploy", s, "staging", "v2", "--root", R, "--source", S)
                    .around(() -> World.write(srcSettings, "{\"environment\": [1,"), () -> World.write(srcSettings, goodSettings)));
            cases.add(bad("stack.json with a hostile image var", "deploy", s, "staging", "v2", "--root", R, "--source", S)
                    .around(() -> World.write(srcSettings, "{\"images\":[{\"var\":\"X;rm\",\"repository\":\"" + World.APP + "\"}]}"),
                            () -> World.write(srcSettings, goodSettings)));
            cases.add(bad("malformed digest file", "deploy", s, "staging", "v2", "--digest-file", digests.toString(), "--root", R, "--source", S)
                    .around(() -> World.write(digests, "{\"images\": {\"a\": "), Hostile.NONE));
            cases.add(bad("digest file with a shell ref", "deploy", s, "staging", "v2", "--digest-file", digests.toString(), "--root", R, "--source", S)
                    .around(() -> World.write(digests, "{\"images\":{\"a\":{\"tag\":\"v2\",\"ref\":\"$(id)@sha256:" + "a".repeat(64)
                            + "\",\"digest\":\"sha256:" + "a".repeat(64) + "\"}}}"), Hostile.NONE));
            cases.add(bad("digest file that is a device", "deploy", s, "staging", "v2", "--digest-file", "/dev/zero", "--root", R, "--source", S));
            cases.add(bad("hostile --image", "deploy", s, "staging", "v2", "--image", "evil.io/x;id", "--root", R, "--source", S));
            cases.add(bad("unknown option", "deploy", s, "staging", "v1", "--rm-rf", "--root", R, "--source", S));
            cases.add(ends(3, "verified record planted as a symlink", "deploy", p, "production", "v2", "--root", R, "--source", S)
                    .says("symlink").around(() -> {
                        Files.createDirectories(evilVerified.getParent());
                        Files.createSymbolicLink(evilVerified, outside.resolve("record"));
                    }, () -> Files.delete(evilVerified)));

            List<String> failures = Hostile.runAll(w, w.dir, w.root, outside, cases);
            assertEquals(DEPLOY, cases.stream().map(Case::script).distinct().sorted().toList());
            assertEquals(List.of(), failures);
            assertEquals("v1", w.version(s));
            assertEquals(live, l.currentReleaseId(s));
            for (String line : Files.readAllLines(l.historyLog())) assertTrue(line.startsWith("{") && line.endsWith("}"), line);

            // the judge takes a run that goes through for what it is, and sees a write through a link leading outside
            String control = w.stagingStack();
            Path backups = w.dir.resolve("elsewhere/backups");
            Path hook = w.source.resolve(control).resolve("hooks/pre-deploy");
            World.write(hook, "#!/bin/sh\necho saved > \"$SEISEI_BACKUPS_DIR/$SEISEI_RELEASE_ID.sql\"\n");
            assertTrue(hook.toFile().setExecutable(true));
            Files.createDirectories(backups);
            Files.delete(l.backupsDir());
            Files.createSymbolicLink(l.backupsDir(), backups);
            String[] good = {control, "staging", "v1", "--root", R, "--source", S};
            String refused = Hostile.judge(w, w.dir, w.root, outside, bad("control", "deploy", good));
            assertTrue(refused != null && refused.startsWith("exit 0, not 2"), "a good deploy is not judged refused: " + refused);
            String wrote = Hostile.judge(w, w.dir, w.root, outside, ends(0, "control", "deploy", good));
            assertTrue(wrote != null && wrote.startsWith("changed: ") && wrote.matches("(?s).*" + backups + "/v1__\\w+\\.sql \\(new\\).*"),
                    "a write through the backups link is seen: " + wrote);
        }
    }

    @Test
    void hostileRollbackVerifyAndStatusInputGetsItsExitCodeAndOneLineAndChangesNothing() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path outside = w.dir.resolve("outside");
            Path elsewhere = outside.resolve("v9__20260101T000000Z");
            World.write(elsewhere.resolve("release.json"), "{\"stack\": \"" + s + "\", \"release_id\": \"v9__20260101T000000Z\", \"images\": {}}");
            World.write(elsewhere.resolve("docker-compose.yml"), "services: {}\n");
            Path evilRelease = l.stackReleasesDir(s).resolve("v9__20260101T000000Z");
            String R = w.root.toString();
            List<Case> cases = new ArrayList<>();
            cases.add(bad("rollback --to a planted symlink release", "rollback", s, "staging", "--to", "v9__20260101T000000Z", "--root", R)
                    .says("not a release of").around(() -> Files.createSymbolicLink(evilRelease, elsewhere), () -> Files.delete(evilRelease)));
            cases.add(bad("rollback --to traversal", "rollback", s, "staging", "--to", "../../../etc", "--root", R));
            cases.add(bad("rollback --steps huge", "rollback", s, "staging", "--steps", "99999999999", "--root", R));
            cases.add(bad("rollback stack traversal", "rollback", "../" + s, "staging", "--root", R));
            cases.add(ends(1, "rollback with the link pointing outside", "rollback", s, "staging", "--root", R).says("points outside").around(() -> {
                Files.delete(l.stackLink(s));
                Files.createSymbolicLink(l.stackLink(s), elsewhere);
            }, () -> {
                Files.delete(l.stackLink(s));
                Files.createSymbolicLink(l.stackLink(s), l.releaseDir(s, live));
            }));
            cases.add(bad("verify mark traversal tag", "verify", "mark", "../x", "--from", s, "--root", R));
            cases.add(bad("verify mark newline note", "verify", "mark", "v1", "--from", s, "--note", "a\nb", "--root", R));
            cases.add(bad("verify mark from traversal", "verify", "mark", "v1", "--from", "../" + s, "--root", R));
            cases.add(bad("verify revoke traversal", "verify", "revoke", "../../etc/passwd", "--root", R));
            cases.add(bad("verify check shell", "verify", "check", "$(id)", "--root", R));
            cases.add(bad("status traversal", "status", "../..", "--root", R));
            cases.add(bad("status huge history", "status", s, "--history", "-1", "--root", R));
            cases.add(bad("root with a newline", "status", "--root", R + "\nx"));

            List<String> failures = Hostile.runAll(w, w.dir, w.root, outside, cases);
            assertEquals(ROOT_SCRIPTS, cases.stream().map(Case::script).distinct().sorted().toList());
            assertEquals(List.of(), failures);
            assertEquals("v1", w.version(s));
            assertEquals(live, l.currentReleaseId(s));
        }
    }
}
