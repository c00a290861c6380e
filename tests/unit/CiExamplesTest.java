package unit;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import support.World;

/** The CI examples parse as YAML and call the scripts rather than inline logic. */
class CiExamplesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Path CI = World.REPO.resolve("examples/ci");

    static JsonNode load(String rel) throws Exception {
        return YAML.readTree(Files.readString(CI.resolve(rel)));
    }

    static String runs(JsonNode job) {
        StringBuilder b = new StringBuilder();
        for (JsonNode step : job.path("steps")) b.append(step.path("run").asText()).append('\n');
        for (JsonNode line : job.path("script")) b.append(line.asText()).append('\n');
        return b.toString();
    }

    @Test
    void githubBuildPushesWithBuildImageAndUploadsTheDigests() throws Exception {
        JsonNode build = load("github/build.yml").path("jobs").path("build");
        assertTrue(runs(build).contains("jbang build-image@seisei"));
        assertTrue(runs(build).contains("--push"));
        boolean upload = false;
        for (JsonNode s : build.path("steps")) upload |= s.path("uses").asText().startsWith("actions/upload-artifact");
        assertTrue(upload);
    }

    @Test
    void githubDeployAndRollbackUseTheScriptsInAnEnvironment() throws Exception {
        JsonNode deploy = load("github/deploy.yml").path("jobs").path("deploy");
        assertEquals("${{ inputs.environment }}", deploy.path("environment").asText());
        assertTrue(runs(deploy).contains("jbang deploy@seisei"));
        assertTrue(runs(deploy).contains("--digest-file"));
        JsonNode rollback = load("github/rollback.yml").path("jobs").path("rollback");
        assertTrue(runs(rollback).contains("jbang rollback@seisei"));
        assertTrue(runs(rollback).contains("--steps"));
    }

    @Test
    void gitlabHasBuildDeployAndAManualProductionAndRollback() throws Exception {
        JsonNode ci = load("gitlab/.gitlab-ci.yml");
        assertTrue(runs(ci.path("build")).contains("jbang build-image@seisei"));
        assertTrue(runs(ci.path(".deploy")).contains("jbang deploy@seisei"));
        assertEquals("manual", ci.path("deploy-production").path("when").asText());
        assertEquals("production", ci.path("deploy-production").path("environment").asText());
        assertTrue(runs(ci.path("rollback-production")).contains("jbang rollback@seisei"));
    }
}
