package support;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs examples/ci/gitlab/.gitlab-ci.yml as a GitLab runner with the docker executor runs it, as far
 * as a test on one machine can: a job's extends merged, its variables from the predefined ones, the
 * pipeline's, the job's, the project's settings (File variables as paths to their content) and a
 * manual run's, in GitLab's order of precedence, with $references expanded; before_script and script
 * as one `sh` script (POSIX sh, as the images have) in a fresh detached checkout with the artifacts of
 * the jobs it needs. The lines that install tools on the job's image (apk add, the JBang installer)
 * are not run: the runner here has the tools. The docker:dind service is this machine's engine.
 */
public final class GitLabRunner extends CiRunner {
    private static final Pattern REF = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    public final JsonNode ci = Ci.gitlab();
    /** Settings > CI/CD > Variables. */
    public final Map<String, String> project = new LinkedHashMap<>();
    /** The project's variables of type File: the job sees a path to a file with this content. */
    public final Map<String, String> projectFiles = new LinkedHashMap<>();
    public final String registryImage;
    private long nextPipeline = 501;
    private long nextJob = 9001;

    public GitLabRunner(Path dir, Path origin, String registryImage) {
        super(dir, origin);
        this.registryImage = registryImage;
    }

    public final class Pipeline {
        public final long id = nextPipeline++;
        public final String sha;
        final Map<String, Path> artifacts = new LinkedHashMap<>();
        final List<String> done = new ArrayList<>();

        Pipeline(String sha) { this.sha = sha; }
    }

    public record Result(String job, boolean ok, int exit, String output) {
        @Override
        public String toString() { return job + (ok ? " ok" : " failed with exit " + exit) + "\n" + output; }
    }

    /** A push of {@code sha} to the default branch: runs the jobs that start by themselves, stage by stage, until one fails. */
    public List<Result> push(String sha, String actor) {
        Pipeline p = new Pipeline(sha);
        last = p;
        List<Result> out = new ArrayList<>();
        for (JsonNode stage : ci.path("stages"))
            for (var j : Ci.gitlabJobs(ci).entrySet()) {
                if (!j.getValue().path("stage").asText().equals(stage.asText()) || manual(j.getValue())) continue;
                Result r = job(p, j.getKey(), Map.of(), actor);
                out.add(r);
                if (!r.ok) return out;
            }
        return out;
    }

    /** The pipeline of the last push. */
    public Pipeline last;

    /** A person starting a manual job of a pipeline, with the variables they enter. */
    public Result manual(Pipeline p, String name, Map<String, String> variables, String actor) {
        if (!manual(Ci.gitlabJob(ci, name))) throw new AssertionError(name + " is not a manual job");
        return job(p, name, variables, actor);
    }

    static boolean manual(JsonNode job) {
        boolean m = job.path("when").asText().equals("manual");
        for (JsonNode r : job.path("rules")) m |= r.path("when").asText().equals("manual");
        return m;
    }

    private Result job(Pipeline p, String name, Map<String, String> manualVariables, String actor) {
        JsonNode job = Ci.gitlabJob(ci, name);
        Path jd = jobDir("gitlab-" + name);
        Path ws = jd.resolve("ws");
        checkout(ws, p.sha, true);
        JsonNode environment = job.path("environment");
        String envName = environment.isObject() ? environment.path("name").asText() : environment.asText();

        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("CI", "true");
        vars.put("GITLAB_CI", "true");
        vars.put("CI_COMMIT_SHA", p.sha);
        vars.put("CI_COMMIT_SHORT_SHA", p.sha.substring(0, 8));
        vars.put("CI_COMMIT_BRANCH", "main");
        vars.put("CI_COMMIT_REF_NAME", "main");
        vars.put("CI_DEFAULT_BRANCH", "main");
        vars.put("CI_PIPELINE_ID", String.valueOf(p.id));
        vars.put("CI_JOB_ID", String.valueOf(nextJob++));
        vars.put("CI_JOB_NAME", name);
        vars.put("CI_PROJECT_DIR", ws.toString());
        vars.put("CI_REGISTRY", registryImage.substring(0, registryImage.indexOf('/')));
        vars.put("CI_REGISTRY_IMAGE", registryImage);
        vars.put("CI_REGISTRY_USER", "gitlab-ci-token");
        vars.put("CI_REGISTRY_PASSWORD", "job-token-" + vars.get("CI_JOB_ID"));
        vars.put("GITLAB_USER_LOGIN", actor);
        if (!envName.isEmpty()) vars.put("CI_ENVIRONMENT_NAME", envName);
        Map<String, String> yaml = Ci.variables(ci, job);
        vars.putAll(yaml);
        vars.putAll(project);
        vars.putAll(manualVariables);
        // the YAML's values may name other variables ($CI_REGISTRY_IMAGE, $PRODUCTION_STACK); what a person enters is taken as it is
        for (int pass = 0; pass < 3; pass++)
            for (String k : yaml.keySet()) if (!project.containsKey(k) && !manualVariables.containsKey(k)) vars.put(k, expand(vars.get(k), vars));
        for (var f : projectFiles.entrySet()) {
            Path file = jd.resolve("files").resolve(f.getKey());
            World.write(file, f.getValue());
            vars.put(f.getKey(), file.toString());
        }
        for (JsonNode s : job.path("services")) {
            if (!s.asText().matches("docker:[0-9.]+-dind")) throw new AssertionError("the test knows no service " + s);
            if (!vars.getOrDefault("DOCKER_HOST", "").startsWith("tcp://docker:")) throw new AssertionError(name + ": nothing points docker at the dind service");
            // the dind service is this machine's engine
            vars.put("DOCKER_HOST", "unix:///var/run/docker.sock");
            vars.put("DOCKER_TLS_VERIFY", "");
            vars.put("DOCKER_CERT_PATH", "");
        }
        List<String> needs = new ArrayList<>();
        if (job.has("needs")) job.path("needs").forEach(n -> needs.add(n.asText()));
        else needs.addAll(p.done);
        for (String n : needs) {
            if (!p.done.contains(n)) throw new AssertionError(name + " needs " + n + ", which has not run in pipeline " + p.id);
            Path a = p.artifacts.get(n);
            if (a != null) try (var files = Files.list(a)) {
                for (Path f : files.toList()) copy(f, ws.resolve(f.getFileName()));
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        }

        StringBuilder script = new StringBuilder("set -e\n");
        for (String line : Ci.lines(job)) if (!Ci.installsTools(line)) script.append(line).append('\n');
        Path file = jd.resolve("script.sh");
        World.write(file, script.toString());
        Map<String, String> env = baseEnv(jd, true);
        env.putAll(vars);
        World.Run r = run(List.of("sh", file.toString()), ws, env);
        String output = "## " + name + " (pipeline " + p.id + (envName.isEmpty() ? "" : ", environment " + envName) + ", exit " + r.exit() + ")\n"
                + r.stdout() + r.stderr();
        if (r.exit() != 0) return new Result(name, false, r.exit(), output);
        for (JsonNode path : job.path("artifacts").path("paths")) {
            Path f = ws.resolve(path.asText());
            if (!Files.isRegularFile(f)) throw new AssertionError(name + ": no artifact " + path.asText());
            copy(f, dir.resolve("artifacts").resolve(p.id + "-" + name).resolve(path.asText()));
            p.artifacts.put(name, dir.resolve("artifacts").resolve(p.id + "-" + name));
        }
        p.done.add(name);
        return new Result(name, true, 0, output);
    }

    /** $X and ${X} replaced by their values (unknown ones by nothing, as GitLab does). */
    static String expand(String v, Map<String, String> vars) {
        Matcher m = REF.matcher(v);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(b, Matcher.quoteReplacement(vars.getOrDefault(name, "")));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** The artifacts of a job that ran in a pipeline. */
    public Path artifact(Pipeline p, String job, String file) {
        return p.artifacts.get(job).resolve(file);
    }
}
