package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * ./install-fast: the servers' fast path, installed into a prefix (the one the suite installed for
 * this run, or one of its own) and used against the real engine. It runs beside other classes: no
 * other test runs install-fast, whose stand-in registry it looks for among all processes.
 */
class FastPathIT {
    @Test
    void installFastWritesLaunchersWithTrainedArchivesThatDeployAndReport() throws Exception {
        try (World w = new World()) {
            // the suite's own install for this code (tests/prepare ran ./install-fast) when there is one
            Path prefix = World.fastPrefix();
            if (prefix == null) {
                prefix = w.dir.resolve("prefix");
                World.Run install = w.exec(List.of(World.REPO.resolve("install-fast").toString(), prefix.toString()), Map.of());
                assertEquals(0, install.exit(), install.toString());
            }
            assertEquals(1, World.sh("pgrep", "-f", "TrainRegistry.java").exit(), "the stand-in registry is stopped");
            for (String s : World.SCRIPTS) {
                assertTrue(Files.isExecutable(prefix.resolve("bin/seisei-" + s)), s);
                assertTrue(Files.size(prefix.resolve("lib/seisei-deploy/" + s + "/" + s + ".jsa")) > 0, s + " has a class-data archive");
            }
            // the deploy archive was trained on a real resolution over HTTP (from the stand-in registry)
            Path d = prefix.resolve("lib/seisei-deploy/deploy");
            World.Run archive = World.sh("java", "-XX:SharedArchiveFile=" + d.resolve("deploy.jsa"), "-XX:+PrintSharedArchiveAndExit",
                    "-jar", d.resolve("deploy.jar").toString());
            assertTrue(archive.stdout().contains("archive is valid"), archive.toString());
            assertTrue(archive.stdout().contains("sun.net.www.protocol.http.HttpURLConnection$HttpInputStream"), "HTTP classes archived");
            assertTrue(archive.stdout().contains("lib.registry.Registry "), "the resolver archived");

            String s = w.stagingStack();
            List<String> where = List.of("--root", w.root.toString(), "--source", w.source.toString());
            World.Run deploy = w.exec(cmd(prefix, "deploy", List.of(s, "staging", "v1"), where), Map.of());
            assertEquals(0, deploy.exit(), deploy.toString());
            assertEquals("v1", w.version(s));
            World.Run status = w.exec(cmd(prefix, "status", List.of(s, "--json"), List.of("--root", w.root.toString())), Map.of());
            assertEquals(0, status.exit(), status.toString());
            var json = lib.core.Json.tree(status.stdout());
            assertEquals("v1", json.path("image_tag").asText(), status.stdout());
            assertEquals(1, json.path("history").size(), "its deploy, found in the history: " + status.stdout());
            World.Run bad = w.exec(cmd(prefix, "deploy", List.of("../x", "staging", "v1"), where), Map.of());
            assertEquals(2, bad.exit(), bad.toString());
            assertEquals(1, bad.stderr().strip().lines().count(), "a one-line error, no archive warnings: " + bad.stderr());
        }
    }

    static List<String> cmd(Path prefix, String script, List<String> args, List<String> more) {
        List<String> c = new java.util.ArrayList<>(List.of(prefix.resolve("bin/seisei-" + script).toString()));
        c.addAll(args);
        c.addAll(more);
        return c;
    }
}
