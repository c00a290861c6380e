package support;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Runs examples/ci/github as GitHub Actions runs it, as far as a test on one machine can: jobs in
 * the order of their needs, reusable workflows called with their inputs, ${{ }} expressions filled
 * from the inputs, github, vars, secrets, env, needs and steps contexts, each `run:` as
 * `bash --noprofile --norc -eo pipefail` in a fresh workspace with the step's env, step outputs
 * through $GITHUB_OUTPUT, and the actions the workflows use done by hand: checkout clones the app
 * repository, setup-jbang puts ./jbang on the PATH, upload/download-artifact keep the files per run
 * (a download from another run needs the token's `actions: read`).
 */
public final class GitHubRunner extends CiRunner {
    public final Map<String, String> vars = new HashMap<>();
    public final Map<String, String> secrets = new HashMap<>();
    /** Values the user sets in a workflow's env: block (here: the registry), by name. */
    public final Map<String, String> workflowEnv = new HashMap<>();
    public final String owner;
    /** What ran: "workflow/job @environment", in order. */
    public final List<String> jobsRun = new ArrayList<>();
    private final Map<String, Map<String, Path>> artifacts = new HashMap<>();
    private long nextRun = 7001;

    public GitHubRunner(Path dir, Path origin, String owner) {
        super(dir, origin);
        this.owner = owner;
    }

    /** A workflow's outcome: its run id, whether every job passed, the failing step's exit code, all output, the jobs' outputs. */
    public record Result(String runId, boolean ok, int exit, String output, Map<String, Map<String, String>> outputs) {
        @Override
        public String toString() { return "run " + runId + (ok ? " ok" : " failed with exit " + exit) + "\n" + output; }
    }

    /** A push of {@code sha} to main, running {@code workflow} (an `on: push` one). */
    public Result push(String workflow, String sha, String actor) {
        return start(workflow, Map.of(), sha, actor, "push");
    }

    /** A person starting a workflow_dispatch workflow with these inputs, on main at {@code sha}. */
    public Result dispatch(String workflow, Map<String, String> inputs, String sha, String actor) {
        return start(workflow, inputs, sha, actor, "workflow_dispatch");
    }

    private Result start(String workflow, Map<String, String> inputs, String sha, String actor, String event) {
        JsonNode wf = Ci.workflow(workflow);
        if (!wf.path("on").has(event)) throw new AssertionError(workflow + " has no `on: " + event + "`");
        String runId = String.valueOf(nextRun++);
        Map<String, Object> github = new HashMap<>(Map.of("actor", actor, "triggering_actor", actor, "run_id", runId,
                "repository_owner", owner, "token", secrets.getOrDefault("GITHUB_TOKEN", ""), "sha", sha, "ref_name", "main"));
        StringBuilder log = new StringBuilder();
        return run(workflow, wf, inputs(wf, event, inputs), github, null, log);
    }

    /** The inputs as the workflow declares them: defaults filled in, unknown or missing required ones refused. */
    static Map<String, String> inputs(JsonNode wf, String event, Map<String, String> given) {
        JsonNode declared = wf.path("on").path(event).path("inputs");
        Map<String, String> out = new HashMap<>();
        declared.fields().forEachRemaining(e -> {
            if (e.getValue().has("default")) out.put(e.getKey(), e.getValue().get("default").asText());
        });
        for (var g : given.entrySet()) {
            if (!declared.has(g.getKey())) throw new AssertionError("no input " + g.getKey() + " in " + declared);
            out.put(g.getKey(), g.getValue());
        }
        declared.fields().forEachRemaining(e -> {
            if (e.getValue().path("required").asBoolean() && !out.containsKey(e.getKey())) throw new AssertionError("input " + e.getKey() + " is required");
            JsonNode options = e.getValue().path("options");
            if (options.isArray() && out.containsKey(e.getKey())) {
                Set<String> allowed = new LinkedHashSet<>();
                options.forEach(o -> allowed.add(o.asText()));
                if (!allowed.contains(out.get(e.getKey()))) throw new AssertionError(e.getKey() + " must be one of " + allowed);
            }
        });
        return out;
    }

    private Result run(String file, JsonNode wf, Map<String, String> inputs, Map<String, Object> github, JsonNode callerJob, StringBuilder log) {
        String runId = (String) github.get("run_id");
        Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
        for (String jobId : order(wf)) {
            JsonNode job = wf.path("jobs").path(jobId);
            Map<String, Object> ctx = context(inputs, github, Map.of(), outputs);
            if (job.has("uses")) {
                String called = job.get("uses").asText().replace("./.github/workflows/", "");
                Map<String, String> with = new HashMap<>();
                job.path("with").fields().forEachRemaining(e -> with.put(e.getKey(), eval(e.getValue().asText(), ctx)));
                JsonNode cwf = Ci.workflow(called);
                Result r = run(called, cwf, inputs(cwf, "workflow_call", with), github, job, log);
                outputs.put(jobId, Map.of());
                if (!r.ok) return new Result(runId, false, r.exit, log.toString(), outputs);
                continue;
            }
            Result r = job(file, wf, jobId, job, inputs, github, outputs, callerJob, log);
            if (!r.ok) return r;
        }
        return new Result(runId, true, 0, log.toString(), outputs);
    }

    private Result job(String file, JsonNode wf, String jobId, JsonNode job, Map<String, String> inputs, Map<String, Object> github,
                       Map<String, Map<String, String>> outputs, JsonNode callerJob, StringBuilder log) {
        String runId = (String) github.get("run_id");
        Path jd = jobDir(file.replace(".yml", "") + "-" + jobId);
        Path ws = jd.resolve("ws");
        try {
            Files.createDirectories(ws);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
        Map<String, String> env = baseEnv(jd, false);
        env.putAll(Map.of("GITHUB_ACTIONS", "true", "GITHUB_RUN_ID", runId, "GITHUB_SHA", (String) github.get("sha"), "GITHUB_REF_NAME", "main",
                "GITHUB_ACTOR", (String) github.get("actor"), "GITHUB_WORKSPACE", ws.toString(), "RUNNER_TEMP", jd.resolve("tmp").toString()));
        Map<String, Map<String, Object>> steps = new HashMap<>();
        Map<String, Object> ctx = context(inputs, github, env, outputs);
        ctx.put("steps", steps);
        addEnv(env, wf.path("env"), ctx, true);
        addEnv(env, job.path("env"), ctx, false);
        JsonNode environment = job.path("environment");
        String envName = eval(environment.isObject() ? environment.path("name").asText() : environment.asText(), ctx);
        jobsRun.add(file + "/" + jobId + (envName.isEmpty() ? "" : " @" + envName));
        log.append("## ").append(file).append(" / ").append(jobId).append(envName.isEmpty() ? "" : " @" + envName).append('\n');
        int n = 0;
        for (JsonNode step : job.path("steps")) {
            n++;
            if (step.has("uses")) {
                action(file, wf, job, callerJob, step, ctx, ws, env, runId, (String) github.get("sha"));
                continue;
            }
            Map<String, String> stepEnv = new LinkedHashMap<>(env);
            addEnv(stepEnv, step.path("env"), ctx, false);
            Path script = jd.resolve("step-" + n + ".sh"), out = jd.resolve("step-" + n + ".out");
            World.write(script, step.path("run").asText());
            World.write(out, "");
            stepEnv.put("GITHUB_OUTPUT", out.toString());
            World.Run r = run(List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString()), ws, stepEnv);
            log.append("### ").append(step.path("name").asText("step " + n)).append(" (exit ").append(r.exit()).append(")\n")
                    .append(r.stdout()).append(r.stderr());
            if (r.exit() != 0) return new Result(runId, false, r.exit(), log.toString(), outputs);
            Map<String, Object> stepOut = new HashMap<>();
            for (String line : World.read(out).split("\n"))
                if (line.contains("=")) stepOut.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            if (step.has("id")) steps.put(step.get("id").asText(), Map.of("outputs", stepOut));
        }
        Map<String, String> jobOut = new LinkedHashMap<>();
        job.path("outputs").fields().forEachRemaining(e -> jobOut.put(e.getKey(), eval(e.getValue().asText(), ctx)));
        outputs.put(jobId, jobOut);
        return new Result(runId, true, 0, log.toString(), outputs);
    }

    private void action(String file, JsonNode wf, JsonNode job, JsonNode callerJob, JsonNode step, Map<String, Object> ctx, Path ws,
                        Map<String, String> env, String runId, String sha) {
        String uses = step.path("uses").asText();
        String action = uses.substring(0, uses.indexOf('@'));
        Map<String, String> with = new HashMap<>();
        step.path("with").fields().forEachRemaining(e -> with.put(e.getKey(), eval(e.getValue().asText(), ctx)));
        switch (action) {
            case "actions/checkout" -> checkout(ws, sha, false);
            case "actions/setup-java" -> {
                if (!with.get("java-version").equals("17")) throw new AssertionError("Java 17 is what the scripts need: " + with);
            }
            case "jbangdev/setup-jbang" -> {
                if (!Ci.jbangPin().equals(with.get("version"))) throw new AssertionError("setup-jbang " + with + ", ./jbang pins " + Ci.jbangPin());
                env.put("PATH", jbangBin + ":" + env.get("PATH"));
            }
            case "actions/upload-artifact" -> {
                Path f = ws.resolve(with.get("path"));
                if (!Files.isRegularFile(f)) throw new AssertionError(file + ": nothing to upload at " + with.get("path"));
                Path kept = dir.resolve("artifacts").resolve(runId).resolve(with.get("name")).resolve(f.getFileName());
                copy(f, kept);
                artifacts.computeIfAbsent(runId, k -> new HashMap<>()).put(with.get("name"), kept);
            }
            case "actions/download-artifact" -> {
                String from = with.getOrDefault("run-id", runId);
                if (with.containsKey("run-id")) {
                    // the API call behind a download from another run
                    if (!Set.of("read", "write").contains(Ci.permission(wf, job, "actions"))
                            || (callerJob != null && !Set.of("read", "write").contains(callerJob.path("permissions").path("actions").asText("none"))))
                        throw new AssertionError(file + ": Resource not accessible by integration (the token lacks actions: read)");
                    if (with.getOrDefault("github-token", "").isEmpty()) throw new AssertionError(file + ": a download from another run needs github-token");
                }
                Path kept = artifacts.getOrDefault(from, Map.of()).get(with.get("name"));
                if (kept == null) throw new AssertionError(file + ": no artifact " + with.get("name") + " in run " + from);
                copy(kept, ws.resolve(with.getOrDefault("path", ".")).resolve(kept.getFileName()).normalize());
            }
            default -> throw new AssertionError(file + ": the test does not know the action " + uses);
        }
    }

    private void addEnv(Map<String, String> env, JsonNode block, Map<String, Object> ctx, boolean workflowLevel) {
        block.fields().forEachRemaining(e -> {
            String v = workflowLevel && workflowEnv.containsKey(e.getKey()) ? workflowEnv.get(e.getKey()) : eval(e.getValue().asText(), ctx);
            env.put(e.getKey(), v);
        });
    }

    private Map<String, Object> context(Map<String, String> inputs, Map<String, Object> github, Map<String, String> env,
                                        Map<String, Map<String, String>> outputs) {
        Map<String, Object> needs = new HashMap<>();
        outputs.forEach((job, out) -> needs.put(job, Map.of("outputs", out)));
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("inputs", inputs);
        ctx.put("github", github);
        ctx.put("vars", vars);
        ctx.put("secrets", secrets);
        ctx.put("env", env);
        ctx.put("needs", needs);
        return ctx;
    }

    /** A string with each ${{ a.b.c }} replaced by that property of the contexts ("" when there is none, as GitHub does). */
    static String eval(String s, Map<String, Object> ctx) {
        Matcher m = Ci.EXPRESSION.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            Object v = ctx;
            for (String part : m.group(1).split("\\.")) v = v instanceof Map<?, ?> map ? map.get(part) : null;
            m.appendReplacement(b, Matcher.quoteReplacement(v == null ? "" : v.toString()));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** The workflow's jobs, each after the jobs it needs. */
    static List<String> order(JsonNode wf) {
        List<String> out = new ArrayList<>();
        Map<String, JsonNode> jobs = Ci.jobs(wf);
        while (out.size() < jobs.size()) {
            int before = out.size();
            for (var j : jobs.entrySet()) {
                if (out.contains(j.getKey())) continue;
                List<String> needs = new ArrayList<>();
                JsonNode n = j.getValue().path("needs");
                if (n.isTextual()) needs.add(n.asText());
                n.forEach(x -> needs.add(x.asText()));
                if (out.containsAll(needs)) out.add(j.getKey());
            }
            if (out.size() == before) throw new AssertionError("jobs that need each other: " + jobs.keySet());
        }
        return out;
    }
}
