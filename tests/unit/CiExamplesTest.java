package unit;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import support.Ci;
import support.World;

/**
 * What the CI examples ask of GitHub and GitLab exists there: every input, output, variable and
 * setting they use is declared, predefined or documented; the tokens have the permissions the
 * steps need; JBang is pinned to ./jbang's version and the scripts' catalog trusted; arguments reach
 * the server only as a JSON request on stdin. CiPipelinesIT runs them.
 */
class CiExamplesTest {
    /** The github context's properties the workflows may use. */
    static final Set<String> GITHUB_CONTEXT = Set.of("actor", "triggering_actor", "run_id", "repository_owner", "token", "sha", "ref_name");
    static final Pattern PATH = Pattern.compile("[a-z_]+(\\.[A-Za-z0-9_-]+)+");
    static final Pattern REQUEST = Pattern.compile("script: \"([a-z-]+)\"");

    static Set<String> names(JsonNode object) {
        Set<String> out = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static Set<String> inputs(JsonNode workflow) {
        Set<String> out = new LinkedHashSet<>(names(workflow.path("on").path("workflow_dispatch").path("inputs")));
        out.addAll(names(workflow.path("on").path("workflow_call").path("inputs")));
        return out;
    }

    static List<String> runs(JsonNode job) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : job.path("steps")) if (s.has("run")) out.add(s.get("run").asText());
        return out;
    }

    static JsonNode step(JsonNode job, String action) {
        for (JsonNode s : job.path("steps")) if (s.path("uses").asText().startsWith(action + "@")) return s;
        return null;
    }

    @Test
    void everyExampleParses() {
        for (String f : Ci.WORKFLOWS) {
            JsonNode w = Ci.workflow(f);
            assertTrue(w.path("jobs").isObject() && w.path("jobs").size() > 0, f);
            assertTrue(w.path("on").isObject(), f);
        }
        assertFalse(Ci.gitlabJobs(Ci.gitlab()).isEmpty());
    }

    @Test
    void everyWorkflowExpressionNamesSomethingThatExists() {
        for (String f : Ci.WORKFLOWS) {
            JsonNode w = Ci.workflow(f);
            JsonNode dispatch = w.path("on").path("workflow_dispatch").path("inputs"), call = w.path("on").path("workflow_call").path("inputs");
            if (!dispatch.isMissingNode() && !call.isMissingNode()) assertEquals(names(dispatch), names(call), f + ": dispatch and call inputs");
            Set<String> documented = Ci.documentedContexts(Ci.GITHUB.resolve(f));
            Set<String> workflowEnv = names(w.path("env"));
            for (var job : Ci.jobs(w).entrySet()) {
                JsonNode j = job.getValue();
                Set<String> needs = new HashSet<>();
                if (j.path("needs").isTextual()) needs.add(j.path("needs").asText());
                for (JsonNode n : j.path("needs")) needs.add(n.asText());
                for (String e : Ci.expressions(j)) {
                    String where = f + " job " + job.getKey() + ": ${{ " + e + " }}";
                    assertTrue(PATH.matcher(e).matches(), where + " is not a plain property path");
                    String[] p = e.split("\\.");
                    switch (p[0]) {
                        case "inputs" -> assertTrue(inputs(w).contains(p[1]), where + ": no such input");
                        case "github" -> {
                            if (p[1].equals("event")) assertTrue(names(dispatch).contains(p[3]), where + ": no such input");
                            else assertTrue(GITHUB_CONTEXT.contains(p[1]), where);
                        }
                        case "vars", "secrets" -> assertTrue(documented.contains(p[0] + "." + p[1]) || e.equals("secrets.GITHUB_TOKEN"),
                                where + ": not among the settings the header documents " + documented);
                        case "env" -> assertTrue(workflowEnv.contains(p[1]) || names(j.path("env")).contains(p[1]), where);
                        case "needs" -> {
                            assertTrue(needs.contains(p[1]), where + ": not in needs");
                            assertTrue(names(w.path("jobs").path(p[1]).path("outputs")).contains(p[3]), where + ": no such output");
                        }
                        case "steps" -> {
                            JsonNode writer = null;
                            for (JsonNode s : j.path("steps")) if (s.path("id").asText().equals(p[1])) writer = s;
                            assertNotNull(writer, where + ": no step with that id");
                            assertTrue(writer.path("run").asText().contains("echo \"" + p[3] + "=") && writer.path("run").asText().contains("$GITHUB_OUTPUT"),
                                    where + ": the step does not write it to $GITHUB_OUTPUT");
                        }
                        default -> fail(where + ": unknown context");
                    }
                }
            }
        }
    }

    @Test
    void runLinesTakeInputsOnlyFromTheEnvironment() {
        for (String f : Ci.WORKFLOWS)
            for (var job : Ci.jobs(Ci.workflow(f)).entrySet())
                for (String run : runs(job.getValue()))
                    assertFalse(run.contains("${{"), f + " job " + job.getKey() + " pastes an expression into a shell line:\n" + run);
    }

    @Test
    void reusableWorkflowsGetTheirDeclaredInputs() {
        int calls = 0;
        for (String f : Ci.WORKFLOWS)
            for (var job : Ci.jobs(Ci.workflow(f)).entrySet()) {
                String uses = job.getValue().path("uses").asText();
                if (uses.isEmpty()) continue;
                calls++;
                assertTrue(uses.startsWith("./.github/workflows/"), uses);
                JsonNode called = Ci.workflow(uses.substring("./.github/workflows/".length())).path("on").path("workflow_call").path("inputs");
                assertFalse(called.isMissingNode(), uses + " is not a reusable workflow");
                Set<String> given = names(job.getValue().path("with"));
                assertTrue(names(called).containsAll(given), f + " passes inputs " + uses + " does not declare: " + given);
                called.fields().forEachRemaining(i -> {
                    if (i.getValue().path("required").asBoolean()) assertTrue(given.contains(i.getKey()), f + " does not pass " + i.getKey());
                });
                assertEquals("inherit", job.getValue().path("secrets").asText(), f + ": the deploy key is a secret the call must pass on");
            }
        assertEquals(1, calls, "build.yml deploys every build to staging through deploy.yml");
    }

    @Test
    void aDownloadFromAnotherRunMayReadActions() {
        for (String f : Ci.WORKFLOWS) {
            JsonNode w = Ci.workflow(f);
            for (var job : Ci.jobs(w).entrySet()) {
                JsonNode dl = step(job.getValue(), "actions/download-artifact");
                if (dl == null || !dl.path("with").has("run-id")) continue;
                assertTrue(Set.of("read", "write").contains(Ci.permission(w, job.getValue(), "actions")), f + " job " + job.getKey() + " needs actions: read");
                assertFalse(dl.path("with").path("github-token").asText().isEmpty(), f + ": a download from another run needs a token");
                // a called workflow's token has at most what its caller's job grants
                for (String g : Ci.WORKFLOWS) {
                    JsonNode caller = Ci.workflow(g);
                    for (var cj : Ci.jobs(caller).entrySet())
                        if (cj.getValue().path("uses").asText().endsWith("/" + f))
                            assertEquals("read", Ci.permission(caller, cj.getValue(), "actions"), g + " job " + cj.getKey() + " calls " + f);
                }
            }
        }
    }

    @Test
    void jbangIsPinnedToTheLaunchersVersionAndTheScriptsAreTrusted() {
        String pin = Ci.jbangPin();
        int setups = 0;
        for (String f : Ci.WORKFLOWS)
            for (var job : Ci.jobs(Ci.workflow(f)).entrySet()) {
                JsonNode setup = step(job.getValue(), "jbangdev/setup-jbang");
                String all = String.join("\n", runs(job.getValue()));
                if (!all.contains("@seisei")) {
                    assertNull(setup, f + ": JBang set up for nothing");
                    continue;
                }
                setups++;
                assertNotNull(setup, f + " runs a script without setting JBang up");
                assertTrue(setup.path("uses").asText().matches("jbangdev/setup-jbang@[0-9a-f]{40}"), "pinned to a commit: " + setup);
                assertEquals(pin, setup.path("with").path("version").asText(), f + ": the JBang version ./jbang pins");
                assertTrusted(f, all);
            }
        assertEquals(1, setups, "only the build runs a script on the runner; the server runs the rest");
        JsonNode build = Ci.gitlabJobs(Ci.gitlab()).get("build");
        String install = String.join("\n", Ci.lines(build).stream().filter(Ci::installsTools).toList());
        assertTrue(install.contains("JBANG_DOWNLOAD_VERSION=" + pin + " "), "GitLab installs JBang " + pin + ":\n" + install);
        assertTrusted(".gitlab-ci.yml build", String.join("\n", Ci.lines(build)));
    }

    static void assertTrusted(String where, String lines) {
        int trust = lines.indexOf("jbang trust add \"$SEISEI_SCRIPTS/\""), add = lines.indexOf("jbang catalog add --global --name seisei \"$SEISEI_SCRIPTS/jbang-catalog.json\"");
        int use = lines.indexOf("@seisei");
        assertTrue(trust >= 0 && add > trust && use > add, where + ": trust the scripts' URL, then add the catalog globally, then run:\n" + lines);
    }

    @Test
    void sshChecksTheHostKeyAndSendsOnlyTheRequestOnStdin() {
        List<String> lines = new ArrayList<>();
        for (String f : Ci.WORKFLOWS) for (JsonNode j : Ci.jobs(Ci.workflow(f)).values()) lines.addAll(runs(j));
        for (JsonNode j : Ci.gitlabJobs(Ci.gitlab()).values()) lines.addAll(Ci.lines(j));
        int sshs = 0;
        for (String block : lines) {
            String flat = block.replace("\\\n", " ").replaceAll("\\s+", " ");
            Matcher m = Pattern.compile("(?:^|[;{] |\\n)ssh (.*?)(;|$)").matcher(flat);
            while (m.find()) {
                sshs++;
                String ssh = m.group(1);
                for (String must : List.of("-o StrictHostKeyChecking=yes", "-o UserKnownHostsFile=", "-o BatchMode=yes", "-F none", "-T "))
                    assertTrue(ssh.contains(must), "ssh without " + must + ": " + ssh);
                assertTrue(ssh.matches(".*\"\\$\\{DEPLOY_USER:-deploy}@\\$DEPLOY_HOST\"( < request\\.json)?\\s*}?"),
                        "nothing after the destination: the forced command takes its request from stdin only: " + ssh);
            }
            assertFalse(flat.contains("accept-new") || flat.contains("StrictHostKeyChecking=no"), "a fresh runner would trust any host key: " + flat);
            assertFalse(flat.matches(".*\\bscp\\b.*"), "a forced command allows no scp: " + flat);
        }
        assertEquals(4, sshs, "deploy.yml, verify.yml, rollback.yml and GitLab's remote()");
    }

    @Test
    void everyRequestNamesAScriptTheServerRuns() {
        String wrapper = World.read(Ci.WRAPPER);
        Set<String> allowed = new LinkedHashSet<>(World.SCRIPTS);
        allowed.remove("build-image");
        Matcher m = Pattern.compile("scripts='\\[(.*?)]'").matcher(wrapper);
        assertTrue(m.find(), "the wrapper lists its scripts");
        assertEquals(allowed, new LinkedHashSet<>(List.of(m.group(1).replace("\"", "").split(","))), "every script but build-image");
        Set<String> requested = new LinkedHashSet<>();
        List<String> all = new ArrayList<>();
        for (String f : Ci.WORKFLOWS) for (JsonNode j : Ci.jobs(Ci.workflow(f)).values()) all.addAll(runs(j));
        for (JsonNode j : Ci.gitlabJobs(Ci.gitlab()).values()) all.addAll(Ci.lines(j));
        for (String l : all) {
            Matcher r = REQUEST.matcher(l);
            while (r.find()) requested.add(r.group(1));
        }
        assertEquals(Set.of("deploy", "verify", "rollback"), requested);
        assertTrue(allowed.containsAll(requested));
        World.Run syntax = World.sh("bash", "-n", Ci.WRAPPER.toString());
        assertEquals(0, syntax.exit(), syntax.toString());
    }

    @Test
    void theGithubFlowHasEveryStep() {
        JsonNode build = Ci.workflow("build.yml");
        assertTrue(build.path("on").path("push").has("branches"), "a push builds");
        JsonNode upload = step(build.path("jobs").path("build"), "actions/upload-artifact");
        assertEquals("image-digests", upload.path("with").path("name").asText());
        assertEquals("image-digests.json", upload.path("with").path("path").asText(), "one merged digest file");
        String buildRun = String.join("\n", runs(build.path("jobs").path("build")));
        assertTrue(buildRun.contains("for service in $SERVICES") && buildRun.contains("--digest-file image-digests.json"), buildRun);

        JsonNode deploy = Ci.workflow("deploy.yml");
        JsonNode in = deploy.path("on").path("workflow_dispatch").path("inputs");
        assertEquals("boolean", in.path("break_glass").path("type").asText());
        assertTrue(in.has("reason"));
        assertEquals("${{ inputs.environment }}", deploy.path("jobs").path("deploy").path("environment").asText(), "production asks its reviewers");
        assertEquals("image-digests", step(deploy.path("jobs").path("deploy"), "actions/download-artifact").path("with").path("name").asText());

        JsonNode verify = Ci.workflow("verify.yml");
        assertEquals(Set.of("workflow_dispatch"), names(verify.path("on")), "a person starts it");
        assertEquals("signoff", verify.path("jobs").path("mark").path("environment").asText(), "behind an environment with reviewers");
        assertTrue(inputs(verify).contains("note"));

        JsonNode rollback = Ci.workflow("rollback.yml");
        assertTrue(inputs(rollback).containsAll(Set.of("steps", "to", "reason")));
    }

    @Test
    void theGitlabFlowHasEveryStep() {
        JsonNode ci = Ci.gitlab();
        Map<String, com.fasterxml.jackson.databind.node.ObjectNode> jobs = Ci.gitlabJobs(ci);
        assertEquals(List.of("build", "deploy-staging", "verify-staging", "deploy-production", "rollback-production"), List.copyOf(jobs.keySet()));
        List<String> stages = new ArrayList<>();
        ci.path("stages").forEach(s -> stages.add(s.asText()));
        for (var j : jobs.entrySet()) assertTrue(stages.contains(j.getValue().path("stage").asText()), j.getKey() + " has a stage");
        for (String manual : List.of("verify-staging", "deploy-production", "rollback-production")) {
            JsonNode j = jobs.get(manual);
            boolean isManual = j.path("when").asText().equals("manual");
            for (JsonNode r : j.path("rules")) isManual |= r.path("when").asText().equals("manual");
            assertTrue(isManual, manual + " is started by a person");
        }
        assertEquals("signoff", jobs.get("verify-staging").path("environment").asText());
        assertEquals("production", jobs.get("deploy-production").path("environment").asText());
        assertEquals("production", jobs.get("rollback-production").path("environment").asText());
        assertTrue(Ci.variables(ci, jobs.get("deploy-production")).keySet().containsAll(Set.of("BREAK_GLASS", "BREAK_GLASS_REASON")));
        assertTrue(Ci.variables(ci, jobs.get("rollback-production")).keySet().containsAll(Set.of("ROLLBACK_STEPS", "ROLLBACK_TO", "ROLLBACK_REASON")));
        List<String> paths = new ArrayList<>();
        jobs.get("build").path("artifacts").path("paths").forEach(p -> paths.add(p.asText()));
        assertEquals(List.of("image-digests.json"), paths, "one merged digest file");
        for (String j : List.of("deploy-staging", "verify-staging", "deploy-production")) {
            List<String> needs = new ArrayList<>();
            jobs.get(j).path("needs").forEach(n -> needs.add(n.asText()));
            assertTrue(needs.contains("build"), j + " gets the build's digest file");
        }
    }

    @Test
    void everyGitlabVariableIsDefinedPredefinedOrASetting() {
        JsonNode ci = Ci.gitlab();
        Set<String> settings = Ci.documentedVariables(Ci.GITLAB);
        assertTrue(settings.containsAll(Set.of("DEPLOY_HOST", "DEPLOY_PORT", "DEPLOY_USER", "DEPLOY_KNOWN_HOSTS", "DEPLOY_SSH_KEY")), settings.toString());
        for (var job : Ci.gitlabJobs(ci).entrySet()) {
            Map<String, String> defined = Ci.variables(ci, job.getValue());
            Set<String> known = new HashSet<>(defined.keySet());
            known.addAll(Ci.GITLAB_PREDEFINED);
            known.addAll(settings);
            List<String> uses = new ArrayList<>(defined.values());
            for (JsonNode r : job.getValue().path("rules")) uses.add(r.path("if").asText());
            for (String v : uses) for (String x : Ci.expanded(v)) assertTrue(known.contains(x), job.getKey() + ": $" + x + " in " + v);
            for (String line : Ci.lines(job.getValue())) {
                known.addAll(Ci.assigned(line));
                for (String x : Ci.expanded(line))
                    assertTrue(known.contains(x), job.getKey() + ": $" + x + " is neither defined, predefined nor a documented setting: " + line);
            }
        }
    }

    @Test
    void theGitlabBuildHasADockerClientAndReachesTheDindService() {
        JsonNode build = Ci.gitlabJobs(Ci.gitlab()).get("build");
        assertTrue(build.path("image").asText().startsWith("docker:"), "an image with the docker CLI");
        assertTrue(build.path("services").get(0).asText().matches("docker:[0-9.]+-dind"), build.path("services").toString());
        assertEquals("tcp://docker:2376", build.path("variables").path("DOCKER_HOST").asText());
        assertFalse(build.path("variables").path("DOCKER_TLS_CERTDIR").asText().isEmpty());
        assertEquals("1", build.path("variables").path("DOCKER_TLS_VERIFY").asText());
    }

    @Test
    void theTagIsReadFromTheDigestFileNotFromTheShortSha() {
        JsonNode ci = Ci.gitlab();
        for (var job : Ci.gitlabJobs(ci).entrySet())
            for (String line : Ci.lines(job.getValue()))
                assertFalse(line.contains("CI_COMMIT_SHORT_SHA"), job.getKey() + ": GitLab's short sha has 8 characters, the tag 7: " + line);
        for (String j : List.of("deploy-staging", "verify-staging", "deploy-production"))
            assertTrue(Ci.lines(Ci.gitlabJobs(ci).get(j)).contains("TAG=$(jq -r '[.images[].tag] | unique | .[0]' image-digests.json)"), j);
    }
}
