package it;

import static org.junit.jupiter.api.Assertions.*;
import static support.Hostile.bad;
import static support.Hostile.ends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import lib.registry.Registry;
import org.junit.jupiter.api.Test;
import support.Hostile;
import support.Hostile.Case;
import support.World;

/**
 * Hostile input to build-image, run in a throwaway git checkout the test makes (see {@link Hostile}
 * for the judge): every case is refused as bad input (2) with one error line saying why, before
 * anything is built or pushed; the checkout, the test's outside dir and whatever a link in the
 * checkout points at stay as they were, and the registry and the engine have no image of the test's
 * repository afterwards. Most cases carry --dry-run as well, so that a check that let one through
 * would build nothing; the digest-file cases run a real --push --yes.
 */
class HostileBuildInputIT {
    static final List<String> SCRIPTS = List.of("build-image");

    static String services(String context, String dockerfile, String image) {
        return "{\"services\": {\"app\": {\"image\": \"" + image + "\", \"context\": \"" + context + "\", \"dockerfile\": \"" + dockerfile + "\"}}}";
    }

    static void git(Path repo, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        World.Run r = World.sh(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "git " + String.join(" ", args) + ": " + r);
    }

    @Test
    void hostileBuildInputIsRefusedWithExitTwoAndOneLineAndNothingBuiltPushedOrWritten() throws Exception {
        try (World w = new World()) {
            Path repo = w.dir.resolve("checkout");
            Path outside = w.dir.resolve("outside");
            String prefix = World.REGISTRY + "/hostile-build-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
            String repository = prefix + "/app";
            String goodMap = services("app", "app/Dockerfile", "app");
            World.write(repo.resolve("app/Dockerfile"), "FROM scratch\nCOPY version /version\n");
            World.write(repo.resolve("app/version"), "one\n");
            World.write(repo.resolve("seisei-services.json"), goodMap);
            git(repo, "init", "-q", "-b", "main");
            git(repo, "config", "user.name", "Hostile Test");
            git(repo, "config", "user.email", "hostile-test@example.invalid");
            git(repo, "add", "-A");
            git(repo, "commit", "-q", "-m", "first");

            // what the planted links and the --services files lead to, outside the checkout
            World.write(outside.resolve("map.json"), goodMap);
            World.write(outside.resolve("malformed.json"), "{\"services\": {\"app\": ");
            World.write(outside.resolve("escape.json"), services("../..", "Dockerfile", "app"));
            World.write(outside.resolve("through-link.json"), services("app", "app/linked", "app"));
            World.write(outside.resolve("bad-image.json"), services("app", "app/Dockerfile", "UP;id"));
            World.write(outside.resolve("bad-arg.json"), "{\"services\": {\"app\": {\"image\": \"app\", \"context\": \"app\", \"build_args\": {\"A\": \"x\\ny\"}}}}");
            World.write(outside.resolve("Dockerfile"), "FROM scratch\n");
            World.write(outside.resolve("digests.json"), "not json at all\n");
            World.write(outside.resolve("other-digests.json"), "{\"git_sha\": \"" + "b".repeat(40) + "\", \"images\": {\"app\": {\"tag\": \"sha-bbbbbbb\","
                    + " \"ref\": \"" + repository + "@sha256:" + "c".repeat(64) + "\", \"digest\": \"sha256:" + "c".repeat(64) + "\"}}}\n");
            Files.createDirectories(outside.resolve("a-dir"));
            Path notGit = outside.resolve("not-a-checkout");
            Files.createDirectories(notGit);

            Path map = repo.resolve("seisei-services.json");
            Path linked = repo.resolve("app/linked");
            Path digestLink = repo.resolve("image-digests.json");
            String huge = "x".repeat(5000);
            String[] dry = {"--dry-run", "--registry", prefix};
            List<Case> cases = new ArrayList<>();
            // (an empty argument is no argument: picocli drops it)
            for (String svc : new String[] {"../app", "app;id", "a\nb", huge, "APP"})
                cases.add(bad("service " + svc.length(), "build-image", with(svc, dry)).says("unknown service"));
            cases.add(bad("service map linked out of the checkout", "build-image", with("app", dry)).says("outside the checkout").around(() -> {
                Files.delete(map);
                Files.createSymbolicLink(map, outside.resolve("map.json"));
            }, () -> {
                Files.delete(map);
                World.write(map, goodMap);
            }));
            cases.add(bad("malformed service map", "build-image", with("app", dry)).says("malformed service map")
                    .around(() -> World.write(map, "{\"services\": [1,"), () -> World.write(map, goodMap)));
            cases.add(bad("--services a device", "build-image", with("app", dry, "--services", "/dev/zero")).says("not a regular file"));
            cases.add(bad("--services a directory", "build-image", with("app", dry, "--services", outside.resolve("a-dir").toString())));
            cases.add(bad("--services malformed", "build-image", with("app", dry, "--services", outside.resolve("malformed.json").toString()))
                    .says("malformed service map"));
            cases.add(bad("context leaving the checkout", "build-image", with("app", dry, "--services", outside.resolve("escape.json").toString()))
                    .says("leaves the checkout"));
            cases.add(bad("dockerfile linked out of the checkout", "build-image", with("app", dry, "--services", outside.resolve("through-link.json").toString()))
                    .says("through a link").around(() -> Files.createSymbolicLink(linked, outside.resolve("Dockerfile")), () -> Files.delete(linked)));
            cases.add(bad("hostile image name", "build-image", with("app", dry, "--services", outside.resolve("bad-image.json").toString())));
            cases.add(bad("newline in a build arg", "build-image", with("app", dry, "--services", outside.resolve("bad-arg.json").toString())));
            for (String reg : new String[] {"$(id)", "a\nb", "", "http://127.0.0.1:5000/x", "127.0.0.1:5000/UPPER", "../x"})
                cases.add(bad("--registry " + reg.length(), "build-image", "app", "--dry-run", "--registry", reg));
            cases.add(bad("--digest-file a link to a file outside", "build-image", "app", "--push", "--yes", "--registry", prefix)
                    .says("malformed digest file").around(() -> Files.createSymbolicLink(digestLink, outside.resolve("digests.json")), () -> Files.delete(digestLink)));
            cases.add(bad("--digest-file a link to another commit's file outside", "build-image", "app", "--push", "--yes", "--registry", prefix)
                    .says("is for git sha").around(() -> Files.createSymbolicLink(digestLink, outside.resolve("other-digests.json")), () -> Files.delete(digestLink)));
            cases.add(bad("--digest-file a device", "build-image", "app", "--push", "--yes", "--registry", prefix, "--digest-file", "/dev/zero")
                    .says("not a regular file"));
            cases.add(bad("--digest-file a directory", "build-image", "app", "--push", "--yes", "--registry", prefix, "--digest-file",
                    outside.resolve("a-dir").toString()).says("is a directory"));
            for (String version : new String[] {"1.2", "v1.2.3.4", "v1;id", "v1.2.3\n", "v1.2.3+build"})
                cases.add(bad("version " + version.length(), "build-image", with("app", dry, version)).says("invalid version"));
            cases.add(bad("newline in --branch", "build-image", with("app", dry, "--branch", "main\nlatest")));
            cases.add(bad("huge --branch", "build-image", with("app", dry, "--branch", huge)));
            cases.add(bad("newline in --default-branch", "build-image", with("app", dry, "--default-branch", "a\nb")));
            cases.add(bad("not a git checkout", "build-image", with("app", dry)).says("not a git checkout").in(notGit));
            cases.add(bad("dirty work tree", "build-image", with("app", dry)).says("uncommitted")
                    .around(() -> World.write(repo.resolve("app/stray.txt"), "x"), () -> Files.delete(repo.resolve("app/stray.txt"))));
            cases.add(bad("unknown option", "build-image", with("app", dry, "--rm-rf")));

            List<String> failures = Hostile.runAll(w, repo, repo, outside, cases);
            assertEquals(SCRIPTS, cases.stream().map(Case::script).distinct().sorted().toList());
            assertEquals(List.of(), failures);
            assertEquals(List.of(), new Registry().tags(repository), "nothing was pushed");
            assertEquals("", World.sh("docker", "images", "-q", repository).stdout().strip(), "nothing was built");

            // the judge takes a run that goes through for what it is, and a good dry run for what it is
            String refused = Hostile.judge(w, repo, repo, outside, bad("control", "build-image", with("app", dry)));
            assertTrue(refused != null && refused.startsWith("exit 0, not 2"), "a good dry run is not judged refused: " + refused);
            assertNull(Hostile.judge(w, repo, repo, outside, ends(0, "control", "build-image", with("app", dry))));
        }
    }

    /** {@code first}, then {@code rest}, then {@code more}. */
    static String[] with(String first, String[] rest, String... more) {
        List<String> a = new ArrayList<>(List.of(first));
        a.addAll(List.of(rest));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }
}
