package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import support.World;

/** After `jbang catalog add --name seisei`, every alias runs from a directory outside the checkout. */
class CatalogIT {

    @Test
    void everyAliasWorksFromAnotherDirectory() throws Exception {
        try (World w = new World()) {
            Path jbangDir = w.dir.resolve("jbang-home");
            Path elsewhere = Files.createDirectories(w.dir.resolve("elsewhere"));
            // a JBang home of its own (its catalogs), with the suite's shared cache: an alias compiles its script once per run
            Map<String, String> env = Map.of("JBANG_DIR", jbangDir.toString(), "JBANG_CACHE_DIR", support.DeployServer.jbangCache());
            String jbang = World.REPO.resolve("jbang").toString();
            World.Run add = w.exec(List.of(jbang, "catalog", "add", "--name", "seisei", World.REPO.resolve("jbang-catalog.json").toString()), env);
            assertEquals(0, add.exit(), add.toString());
            var catalog = lib.core.Json.tree(Files.readString(World.REPO.resolve("jbang-catalog.json")));
            for (String alias : World.SCRIPTS) {
                assertFalse(catalog.path("aliases").path(alias).path("description").asText().isBlank(), alias);
                World.Run r = execIn(w, elsewhere, List.of(jbang, alias + "@seisei", "--help"), env);
                assertEquals(0, r.exit(), alias + "\n" + r);
                assertTrue(r.stdout().contains("Usage: " + alias), alias + "\n" + r.stdout());
                assertTrue(r.stdout().contains("Examples:"), alias);
                World.Run v = execIn(w, elsewhere, List.of(jbang, alias + "@seisei", "--version"), env);
                assertEquals(0, v.exit(), alias + "\n" + v);
                assertTrue(v.stdout().startsWith("seisei-deploy "), v.stdout());
            }
        }
    }

    static World.Run execIn(World w, Path dir, List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        pb.environment().put("NO_COLOR", "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = Files.createTempFile(w.dir, "o", ".txt"), err = Files.createTempFile(w.dir, "e", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS));
        return new World.Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
