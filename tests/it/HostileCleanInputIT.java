package it;

import static org.junit.jupiter.api.Assertions.*;
import static support.Hostile.bad;
import static support.Hostile.ends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lib.model.Layout;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import support.Hostile;
import support.Hostile.Case;
import support.World;

/**
 * Hostile input to clean-images, local and --registry (see {@link Hostile} for the judge), on a root
 * of release dirs the test writes (none of them pins an image, so no case can take an image from the
 * engine): refusals with their documented exit code and one error line, and symlinks planted in the
 * root (release dirs, a stack's releases dir, verification records, a current manifest, files inside
 * a release) that the clean must neither follow nor delete through: the root and everything they
 * point at stay as they were.
 */
class HostileCleanInputIT {
    static final List<String> SCRIPTS = List.of("clean-images");

    /** A successful release dir of {@code stack}, pinning no image. */
    static Path release(Layout l, String stack, String id) {
        Path d = l.releaseDir(stack, id);
        World.write(d.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
        World.write(d.resolve(Release.FILE), "{\"stack\": \"" + stack + "\", \"release_id\": \"" + id + "\", \"images\": {}}");
        World.write(d.resolve(Release.SUCCEEDED), "{\"action\": \"deploy\"}");
        return d;
    }

    /** A release dir's content at {@code dir}, anywhere (a planted link's target). */
    static void releaseAt(Path dir, String stack, String id) {
        World.write(dir.resolve("docker-compose.yml"), "services: {}\n");
        World.write(dir.resolve(Release.FILE), "{\"stack\": \"" + stack + "\", \"release_id\": \"" + id + "\", \"images\": {}}");
        World.write(dir.resolve(Release.SUCCEEDED), "{\"action\": \"deploy\"}");
        World.write(dir.resolve("config/precious.conf"), "must survive\n");
    }

    static void link(Path link, Path target) throws Exception {
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, target);
    }

    @Test
    void hostileCleanInputGetsItsExitCodeAndOneLineAndNothingIsFollowedOutOfTheRoot() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            Path outside = w.dir.resolve("outside");
            String s = w.name("hclean", "-staging");
            String live = "v5__20260105T000000Z";
            release(l, s, live);
            link(l.stackLink(s), l.releaseDir(s, live));
            // old "release dirs" that are links to dirs outside the root: never followed, never deleted
            for (int i = 1; i <= 3; i++) {
                String id = "v" + i + "__2026010" + i + "T000000Z";
                releaseAt(outside.resolve("linked-" + i), s, id);
                link(l.stackReleasesDir(s).resolve(id), outside.resolve("linked-" + i));
            }
            // a stack whose releases dir is a link to a dir outside the root, with old releases there
            String away = w.name("haway", "-staging");
            for (int i = 1; i <= 3; i++) releaseAt(outside.resolve("away").resolve("v" + i + "__2026010" + i + "T000000Z"), away, "v" + i + "__2026010" + i + "T000000Z");
            String R = w.root.toString();
            String huge = "x".repeat(5000);
            Path verified = l.verifiedRecord("v1");
            Path current = l.manifest(s);
            Path awayDir = l.stackReleasesDir(away);
            Path awayLink = l.stackLink(away);
            World.write(outside.resolve("record.json"), "{\"tag\": \"v1\", \"from_stack\": \"" + s + "\", \"from_release_id\": \"v1__20260101T000000Z\","
                    + " \"images\": {}}\n");
            String repo = World.REGISTRY + "/hostile-clean-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());

            List<Case> cases = new ArrayList<>();
            for (String keep : new String[] {"abc", "-1", "99999999999", "100001", "1;id"})
                cases.add(bad("--keep " + keep, "clean-images", "--keep", keep, "--dry-run", "--root", R));
            cases.add(bad("--keep 0 --yes", "clean-images", s, "--keep", "0", "--yes", "--root", R).says("--keep must be"));
            for (String stack : new String[] {"../" + s, "/etc", "$(id)", "a\nb", huge, "no-such-stack"})
                cases.add(bad("stack " + stack.length(), "clean-images", stack, "--yes", "--root", R));
            for (String reg : new String[] {"Not A Repo", "a\nb", "", "http://127.0.0.1:5000/x", repo + ":sha-aaaa000", "../x"})
                cases.add(bad("--registry " + reg.length(), "clean-images", "--registry", reg, "--dry-run", "--root", R));
            cases.add(bad("--registry with a stack", "clean-images", s, "--registry", repo, "--dry-run", "--root", R));
            cases.add(bad("--registry with --dangling", "clean-images", "--registry", repo, "--dangling", "--dry-run", "--root", R));
            cases.add(bad("--dangling and --all", "clean-images", "--dangling", "--all", "--dry-run", "--root", R));
            cases.add(bad("--dangling with --keep", "clean-images", "--dangling", "--keep", "3", "--dry-run", "--root", R));
            cases.add(bad("--all with a stack", "clean-images", s, "--all", "--dry-run", "--root", R));
            cases.add(bad("newline in actor", "clean-images", s, "--keep", "1", "--yes", "--actor", "eve\n{\"forged\":1}", "--root", R));
            cases.add(bad("newline in run id", "clean-images", s, "--keep", "1", "--yes", "--run-id", "1\n2", "--root", R));
            cases.add(bad("a root without releases", "clean-images", "--keep", "1", "--yes", "--root", outside.resolve("a-dir").toString())
                    .around(() -> Files.createDirectories(outside.resolve("a-dir")), Hostile.NONE));
            cases.add(bad("unknown option", "clean-images", "--rm-rf", "--root", R));
            // planted links: the linked release dirs are not the clean's to delete, their targets stay whole
            cases.add(ends(0, "linked release dirs", "clean-images", s, "--keep", "1", "--yes", "--root", R));
            cases.add(ends(0, "linked release dirs, every stack", "clean-images", "--keep", "1", "--yes", "--root", R));
            Hostile.Step plantAway = () -> {
                link(awayDir, outside.resolve("away"));
                link(awayLink, awayDir.resolve("v3__20260103T000000Z"));
            };
            Hostile.Step removeAway = () -> {
                Files.delete(awayDir);
                Files.delete(awayLink);
            };
            cases.add(ends(1, "a stack's releases dir linked outside the root", "clean-images", away, "--keep", "1", "--yes", "--root", R)
                    .says("outside the root").around(plantAway, removeAway));
            cases.add(ends(1, "a stack's releases dir linked outside the root, every stack", "clean-images", "--keep", "1", "--yes", "--root", R)
                    .says("outside the root").around(plantAway, removeAway));
            cases.add(ends(0, "a verification record that is a link", "clean-images", s, "--keep", "1", "--yes", "--root", R)
                    .around(() -> link(verified, outside.resolve("record.json")), () -> Files.delete(verified)));
            cases.add(ends(0, "a verification record that is a link to a device", "clean-images", s, "--keep", "1", "--yes", "--root", R)
                    .around(() -> link(verified, Path.of("/dev/zero")), () -> Files.delete(verified)));
            cases.add(ends(1, "a verification record that is a link, --registry", "clean-images", "--registry", repo, "--keep", "1", "--yes", "--root", R)
                    .says("symlink").around(() -> link(verified, outside.resolve("record.json")), () -> Files.delete(verified)));
            cases.add(ends(0, "a current manifest that is a link to a device", "clean-images", s, "--keep", "1", "--yes", "--root", R)
                    .around(() -> link(current, Path.of("/dev/zero")), () -> Files.delete(current)));
            cases.add(bad("a current manifest that is a link to a device, --registry", "clean-images", "--registry", repo, "--keep", "1", "--yes", "--root", R)
                    .says("not a regular file").around(() -> link(current, Path.of("/dev/zero")), () -> Files.delete(current)));
            cases.add(ends(0, "a release's .env that is a link to a device", "clean-images", s, "--keep", "1", "--dry-run", "--root", R)
                    .around(() -> link(l.releaseDir(s, live).resolve(".env"), Path.of("/dev/zero")),
                            () -> Files.delete(l.releaseDir(s, live).resolve(".env"))));
            cases.add(ends(0, "a release's compose file that is a link to a device, --registry", "clean-images", "--registry", repo, "--keep", "1",
                    "--dry-run", "--root", R).around(() -> {
                        Files.delete(l.releaseDir(s, live).resolve("docker-compose.yml"));
                        link(l.releaseDir(s, live).resolve("docker-compose.yml"), Path.of("/dev/zero"));
                    }, () -> {
                        Files.delete(l.releaseDir(s, live).resolve("docker-compose.yml"));
                        World.write(l.releaseDir(s, live).resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
                    }));

            List<String> failures = Hostile.runAll(w, w.dir, w.root, outside, cases);
            assertEquals(SCRIPTS, cases.stream().map(Case::script).distinct().sorted().toList());
            assertEquals(List.of(), failures);

            // a clean that deletes: an old release holding links to a dir and a file outside goes, the link
            // targets stay whole; the judge sees the deletion under the root
            String old = "v0__20251231T000000Z";
            Path oldDir = release(l, s, old);
            World.write(outside.resolve("shared/data.txt"), "shared\n");
            link(oldDir.resolve("config/shared"), outside.resolve("shared"));
            link(oldDir.resolve("data.txt"), outside.resolve("shared/data.txt"));
            Map<String, String> outsideBefore = World.snapshot(List.of(outside));
            String verdict = Hostile.judge(w, w.dir, w.root, outside, ends(0, "control", "clean-images", s, "--keep", "1", "--yes", "--root", R));
            assertTrue(verdict != null && verdict.startsWith("changed: ") && verdict.contains(oldDir + " (gone)"), "the deletion is seen: " + verdict);
            assertFalse(Files.exists(oldDir));
            assertEquals(outsideBefore, World.snapshot(List.of(outside)), "nothing outside the root changed");
            assertEquals(live, l.currentReleaseId(s));
        }
    }
}
