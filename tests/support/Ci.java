package support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CI examples as the CI systems read them: the GitHub workflows and their ${{ }} expressions,
 * the GitLab pipeline's jobs with their extends merged, and the shell variables their lines use.
 */
public final class Ci {
    private Ci() {}

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final Path GITHUB = World.REPO.resolve("examples/ci/github");
    public static final Path GITLAB = World.REPO.resolve("examples/ci/gitlab/.gitlab-ci.yml");
    public static final Path WRAPPER = World.REPO.resolve("examples/server/seisei-ssh-command");
    public static final List<String> WORKFLOWS = List.of("build.yml", "deploy.yml", "verify.yml", "rollback.yml");

    /** A ${{ expression }} of a workflow. */
    public static final Pattern EXPRESSION = Pattern.compile("\\$\\{\\{\\s*(.*?)\\s*}}");

    /** The GitLab keywords at the top of a pipeline that are not jobs. */
    public static final Set<String> GITLAB_KEYWORDS = Set.of("stages", "variables", "workflow", "default", "include", "image", "services",
            "before_script", "after_script", "cache");

    /** GitLab's predefined variables the pipeline may use (https://docs.gitlab.com/ee/ci/variables/predefined_variables.html). */
    public static final Set<String> GITLAB_PREDEFINED = Set.of("CI", "GITLAB_CI", "CI_COMMIT_SHA", "CI_COMMIT_SHORT_SHA", "CI_COMMIT_BRANCH",
            "CI_COMMIT_REF_NAME", "CI_COMMIT_TAG", "CI_DEFAULT_BRANCH", "CI_PIPELINE_ID", "CI_JOB_ID", "CI_JOB_NAME", "CI_PROJECT_DIR",
            "CI_REGISTRY", "CI_REGISTRY_IMAGE", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "CI_ENVIRONMENT_NAME", "GITLAB_USER_LOGIN", "HOME",
            "PATH");

    public static JsonNode workflow(String file) {
        return load(GITHUB.resolve(file));
    }

    public static JsonNode gitlab() {
        return load(GITLAB);
    }

    public static JsonNode load(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new RuntimeException(file + ": " + e.getMessage(), e);
        }
    }

    /** The version ./jbang pins (JBANG_CLI_VERSION's default). */
    public static String jbangPin() {
        Matcher m = Pattern.compile("JBANG_CLI_VERSION=\"\\$\\{SEISEI_JBANG_VERSION:-([0-9.]+)}\"").matcher(World.read(World.REPO.resolve("jbang")));
        if (!m.find()) throw new AssertionError("./jbang names no pinned version");
        return m.group(1);
    }

    /** The comment lines at the top of a file, before its first YAML line. */
    public static String header(Path file) {
        StringBuilder b = new StringBuilder();
        for (String line : World.read(file).split("\n")) {
            if (!line.startsWith("#")) break;
            b.append(line).append('\n');
        }
        return b.toString();
    }

    /** Every ${{ }} expression in the string values under {@code node}. */
    public static List<String> expressions(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (String s : strings(node)) {
            Matcher m = EXPRESSION.matcher(s);
            while (m.find()) out.add(m.group(1));
        }
        return out;
    }

    /** Every string value under {@code node}, depth first. */
    public static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isTextual()) out.add(node.asText());
        else for (JsonNode child : node) out.addAll(strings(child));
        return out;
    }

    /** The steps of every job of a workflow (job id -> steps). */
    public static Map<String, JsonNode> jobs(JsonNode workflow) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        workflow.path("jobs").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** The permission a job's GITHUB_TOKEN has for {@code scope}: the job's permissions, else the workflow's. */
    public static String permission(JsonNode workflow, JsonNode job, String scope) {
        JsonNode p = job.has("permissions") ? job.get("permissions") : workflow.path("permissions");
        return p.path(scope).asText("none");
    }

    // ---- GitLab

    /** The pipeline's jobs (not the hidden templates), each with its extends merged in, in file order. */
    public static Map<String, ObjectNode> gitlabJobs(JsonNode ci) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (Iterator<String> it = ci.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.startsWith(".") && !GITLAB_KEYWORDS.contains(name)) out.put(name, gitlabJob(ci, name));
        }
        return out;
    }

    /** A job or template with what it extends merged under it, as GitLab does (maps deeply, anything else replaced). */
    public static ObjectNode gitlabJob(JsonNode ci, String name) {
        JsonNode own = ci.get(name);
        if (own == null || !own.isObject()) throw new AssertionError("no job " + name);
        ObjectNode merged = YAML.createObjectNode();
        JsonNode ext = own.path("extends");
        List<String> parents = new ArrayList<>();
        if (ext.isTextual()) parents.add(ext.asText());
        for (JsonNode p : ext) if (p.isTextual()) parents.add(p.asText());
        for (String p : parents) merge(merged, gitlabJob(ci, p));
        merge(merged, own);
        merged.remove("extends");
        return merged;
    }

    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode old = into.get(e.getKey());
            if (old instanceof ObjectNode o && e.getValue().isObject()) merge(o, e.getValue());
            else into.set(e.getKey(), e.getValue().deepCopy());
        });
    }

    /** A job's shell lines: before_script then script. */
    public static List<String> lines(JsonNode job) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : job.path("before_script")) out.add(l.asText());
        for (JsonNode l : job.path("script")) out.add(l.asText());
        return out;
    }

    /** A before_script line that installs a tool on the job's image (the test's runner has the tools installed instead). */
    public static boolean installsTools(String line) {
        return line.startsWith("apk add ") || line.contains("https://sh.jbang.dev");
    }

    /** A job's variables: the pipeline's, then its own (what extends gave it included). */
    public static Map<String, String> variables(JsonNode ci, JsonNode job) {
        Map<String, String> out = new LinkedHashMap<>();
        ci.path("variables").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        job.path("variables").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /**
     * The variables a shell line expands ($X, ${X}, ${X:-...}), outside single quotes (where a jq
     * program's $names are jq's own).
     */
    public static Set<String> expanded(String line) {
        Set<String> out = new LinkedHashSet<>();
        boolean single = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && !single) {
                i++;
                continue;
            }
            if (c == '\'') {
                single = !single;
                continue;
            }
            if (c != '$' || single || i + 1 >= line.length()) continue;
            int start = line.charAt(i + 1) == '{' ? i + 2 : i + 1;
            int end = start;
            while (end < line.length() && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_')) end++;
            if (end > start && !Character.isDigit(line.charAt(start))) out.add(line.substring(start, end));
        }
        return out;
    }

    /** The names a shell line assigns (NAME=..., for NAME in) or defines as functions (name() {). */
    public static Set<String> assigned(String line) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?:^|[;&|]\\s*|\\bdo\\s+)([A-Za-z_][A-Za-z0-9_]*)=").matcher(line);
        while (m.find()) out.add(m.group(1));
        m = Pattern.compile("\\bfor\\s+([A-Za-z_][A-Za-z0-9_]*)\\s+in\\b").matcher(line);
        while (m.find()) out.add(m.group(1));
        m = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)\\(\\)").matcher(line);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The vars.X and secrets.X a workflow's header comment documents as its settings. */
    public static Set<String> documentedContexts(Path file) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\b((?:vars|secrets)\\.[A-Z][A-Z0-9_]*)").matcher(header(file));
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The variables the pipeline's header comment documents as project settings: a name in capitals first on a comment line. */
    public static Set<String> documentedVariables(Path file) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^#\\s+([A-Z][A-Z0-9_]+)\\s").matcher(header(file));
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
