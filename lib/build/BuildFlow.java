package lib.build;

import lib.cli.Console;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Interrupts;
import lib.core.Json;
import lib.core.Proc;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.Names;
import lib.registry.Registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * build-image SERVICE [VERSION]: tags from git, OCI labels, the classic `docker build`, and with
 * --push: the immutable-tag check, the pushes, the manifest digest read back from the registry and
 * image-digests.json. Every input is checked before anything is built, pushed or written.
 */
public final class BuildFlow {
    public static final String DEFAULT_DIGEST_FILE = DigestManifest.FILE;
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(30);

    public static class Request {
        public String service;
        public String version;
        public boolean push;
        public boolean yes;
        public String registry;
        public Path digestFile;
        public boolean fresh;
        public boolean allowDirty;
        public boolean dryRun;
        public Path services;
        public String defaultBranch;
        public String branch;
        /** Where the script runs: the checkout is the one containing it; the default digest file goes here. */
        public Path dir;
    }

    /** What was (or would be) built and pushed, printed as JSON with --json. */
    public static class Result {
        public String service;
        public String image;
        public String repository;
        public String git_sha;
        public String git_sha7;
        public String branch;
        public String default_branch;
        public String version;
        public boolean dirty;
        public List<String> tags;
        public List<String> immutable_tags;
        public Map<String, String> labels;
        public List<String> build_command;
        public boolean dry_run;
        public boolean pushed;
        public List<String> pushed_tags;
        public List<String> unchanged_tags;
        public String image_id;
        public String digest;
        public String ref;
        public String digest_file;
    }

    /** Asks a person on a terminal; null when there is no terminal to ask on. */
    public interface Confirm {
        Boolean ask(String question);
    }

    private final Request q;
    private final Console console;
    private final Supplier<Registry> registries;
    private final Confirm confirm;
    private Registry registry;

    public BuildFlow(Request request, Console console) {
        this(request, console, Registry::new, BuildFlow::askOnTerminal);
    }

    public BuildFlow(Request request, Console console, Supplier<Registry> registries, Confirm confirm) {
        this.q = request;
        this.console = console;
        this.registries = registries;
        this.confirm = confirm;
    }

    public int run() {
        // Every input is checked before anything runs.
        Path dir = (q.dir == null ? Path.of("") : q.dir).toAbsolutePath().normalize();
        Git git = Git.at(dir);
        Path top = git.top();
        String sha = git.sha();
        String sha7 = BuildTags.sha7(sha);
        Path mapFile = q.services != null ? q.services.toAbsolutePath().normalize() : ServiceMap.defaultFile(top);
        ServiceMap map = ServiceMap.load(mapFile);
        ServiceMap.Service svc = map.service(q.service, top);

        BuildTags.Version version;
        List<String> headTags = git.tagsAtHead();
        if (q.version != null) {
            version = BuildTags.parseVersion(q.version);
            BuildTags.Version onHead = BuildTags.versionAmong(headTags);
            if (onHead != null && !onHead.full().equals(version.full()))
                console.warn("HEAD is tagged " + onHead.text() + "; building as " + version.text() + " as asked");
        } else {
            version = BuildTags.versionAmong(headTags);
            if (version != null) console.info("version " + version.text() + " from the git tag on HEAD");
        }
        String branch = q.branch != null ? Names.text("--branch", q.branch, 255, false) : git.branch();
        String defaultBranch = q.defaultBranch != null ? Names.text("--default-branch", q.defaultBranch, 255, false) : git.defaultBranch();

        Path digestFile = (q.digestFile != null ? q.digestFile : dir.resolve(DEFAULT_DIGEST_FILE)).toAbsolutePath().normalize();
        List<String> changes = new ArrayList<>(git.changes());
        String digestFileInTree = relativeInside(top, digestFile);
        if (digestFileInTree != null) changes.remove(digestFileInTree);
        boolean dirty = !changes.isEmpty();
        if (dirty && !q.allowDirty)
            throw Fail.usage("the work tree of " + top + " has " + changes.size() + " uncommitted change" + (changes.size() == 1 ? "" : "s")
                    + " (" + Names.quote(changes.get(0)) + (changes.size() > 1 ? ", ..." : "")
                    + "): commit or remove them, or build with --allow-dirty (every tag then ends in -dirty)");

        String prefix = registryPrefix(map);
        if (q.push && prefix == null)
            throw Fail.usage("no registry to push to: give --registry PREFIX, set SEISEI_REGISTRY, or add \"registry\" to " + map.file);
        String repository = BuildCommands.repository(prefix, svc.image());

        List<BuildTags.Tag> tags = BuildTags.compute(sha, branch, defaultBranch, version, dirty);
        List<String> tagNames = tags.stream().map(BuildTags.Tag::name).toList();
        List<String> immutable = tags.stream().filter(BuildTags.Tag::immutable).map(BuildTags.Tag::name).toList();
        String primary = tagNames.get(0);
        Map<String, String> labels = BuildCommands.labels(Git.sourceUrl(git.originUrl()), sha, git.commitTime().toString(),
                BuildTags.versionLabel(version, tags, dirty), svc.image());
        List<String> command = BuildCommands.build(svc.dockerfile(), svc.context(), repository, tagNames, labels, svc.buildArgs());

        if (q.push && Files.isDirectory(digestFile)) throw Fail.usage("digest file " + digestFile + " is a directory");
        if (q.push && !q.fresh) checkDigestFile(digestFile, sha);

        Result r = new Result();
        r.service = svc.name();
        r.image = svc.image();
        r.repository = repository;
        r.git_sha = sha;
        r.git_sha7 = sha7;
        r.branch = branch;
        r.default_branch = defaultBranch;
        r.version = version == null ? null : version.full();
        r.dirty = dirty;
        r.tags = tagNames;
        r.immutable_tags = immutable;
        r.labels = labels;
        r.build_command = command;
        r.dry_run = q.dryRun;
        if (q.push) r.digest_file = digestFile.toString();

        if (q.dryRun) return dryRun(r, tags, top, svc);

        if (q.push) {
            confirmPush(repository, tagNames);
            console.step("checking " + repository + " in the registry");
            for (String t : immutable.isEmpty() ? List.of(primary) : immutable) {
                String d = existingDigest(repository, t);
                if (d != null && immutable.contains(t))
                    console.info(t + " is already in the registry as " + d + ": this build must be the same image");
            }
        }

        console.step("building " + repository + ":" + primary + " (" + svc.name() + ", " + top.relativize(svc.dockerfile()) + ")");
        console.info(BuildCommands.display(command));
        Proc.of(command).env(BuildCommands.BUILD_ENV).timeout(BUILD_TIMEOUT).progress(console::progress).check("docker build");
        JsonNode image = inspect(repository + ":" + primary);
        r.image_id = image.path("Id").asText(null);
        console.ok("built " + repository + ":" + primary + " " + r.image_id);

        if (!q.push) {
            console.result("built " + repository + " " + r.image_id);
            console.result("  tags " + String.join(", ", tagNames));
            console.json(r);
            return Exit.OK;
        }

        // Immutable tags: asked again now that the image exists; any other content there refuses the push.
        List<String> repoDigests = new ArrayList<>();
        image.path("RepoDigests").forEach(n -> repoDigests.add(n.asText()));
        List<String> unchanged = new ArrayList<>();
        for (String t : immutable) {
            String d = existingDigest(repository, t);
            if (d == null) continue;
            if (repoDigests.stream().map(ImageRef::parse).anyMatch(rd -> rd != null && d.equals(rd.digest))) {
                unchanged.add(t);
                continue;
            }
            throw Fail.failed("immutable tag " + repository + ":" + t + " already exists with other content (" + d
                    + "); this build (" + r.image_id + ") differs, so nothing was pushed: commit the change for a new sha tag,"
                    + " or deploy the image the registry has");
        }

        List<String> toPush = tagNames.stream().filter(t -> !unchanged.contains(t)).toList();
        for (String t : unchanged) console.info(t + " is already this image in the registry: not pushed again");
        List<String> pushed = new ArrayList<>();
        for (String t : toPush) {
            console.step("pushing " + repository + ":" + t);
            try {
                Proc.of(BuildCommands.push(repository, t)).timeout(PUSH_TIMEOUT).progress(console::progress).check("docker push " + repository + ":" + t);
            } catch (Fail f) {
                throw new Fail(f.code, f.oneLine() + (pushed.isEmpty() ? "" : "; already pushed: " + String.join(", ", pushed))
                        + "; no digest file written", f);
            }
            pushed.add(t);
        }

        console.step("reading back the manifest digest of " + repository + ":" + primary);
        String digest = registry().digestOf(repository, primary);
        for (String t : tagNames) {
            if (t.equals(primary)) continue;
            String d = registry().digestOf(repository, t);
            if (!d.equals(digest)) console.warn(repository + ":" + t + " is " + d + ", not " + digest + " (another push of that tag?)");
        }
        r.pushed = true;
        r.pushed_tags = List.copyOf(pushed);
        r.unchanged_tags = List.copyOf(unchanged);
        r.digest = digest;
        r.ref = repository + "@" + digest;

        writeDigestFile(digestFile, sha, sha7, svc.image(), primary, r.ref, digest);
        console.ok("pushed " + r.ref + " and wrote " + digestFile);
        console.result("pushed " + r.ref);
        console.result("  tags        " + String.join(", ", tagNames));
        console.result("  digest file " + digestFile);
        console.json(r);
        return Exit.OK;
    }

    private int dryRun(Result r, List<BuildTags.Tag> tags, Path top, ServiceMap.Service svc) {
        console.result("would build " + r.repository + " for service " + r.service + " at " + r.git_sha7
                + (r.branch == null ? " (detached HEAD)" : " on " + r.branch) + (r.dirty ? ", dirty" : ""));
        console.result("  dockerfile " + top.relativize(svc.dockerfile()) + ", context " + (top.equals(svc.context()) ? "." : top.relativize(svc.context())));
        for (BuildTags.Tag t : tags) console.result("  tag     " + t.name() + (t.immutable() ? "  (immutable)" : ""));
        for (var e : r.labels.entrySet()) console.result("  label   " + e.getKey() + "=" + e.getValue());
        console.result("  command " + BuildCommands.display(r.build_command));
        if (q.push) {
            for (String t : r.tags) console.result("  push    " + BuildCommands.display(BuildCommands.push(r.repository, t)));
            console.result("  digests " + r.digest_file);
        }
        console.json(r);
        return Exit.OK;
    }

    private void confirmPush(String repository, List<String> tags) {
        if (q.yes) return;
        String question = "push " + tags.size() + " tag" + (tags.size() == 1 ? "" : "s") + " of " + repository + " ("
                + String.join(", ", tags) + ")?";
        Boolean answer = confirm.ask(question);
        if (answer == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) return;
            throw Fail.usage("--push needs --yes when there is no terminal to confirm on");
        }
        if (!answer) throw Fail.failed("not confirmed; nothing was built or pushed");
    }

    private static Boolean askOnTerminal(String question) {
        java.io.Console c = System.console();
        if (c == null) return null;
        String a = Interrupts.asking("nothing was built or pushed", () -> c.readLine("%s [y/N] ", question));
        return a != null && (a.strip().equalsIgnoreCase("y") || a.strip().equalsIgnoreCase("yes"));
    }

    private String registryPrefix(ServiceMap map) {
        if (q.registry != null) return ServiceMap.registryPrefix(q.registry, "--registry");
        String env = System.getenv("SEISEI_REGISTRY");
        if (env != null && !env.isBlank()) return ServiceMap.registryPrefix(env, "$SEISEI_REGISTRY");
        return map.registry;
    }

    /** A digest file that already exists must be for this commit (merged), unless --fresh starts a new one. */
    private static DigestManifest checkDigestFile(Path file, String sha) {
        if (!Files.exists(file)) return null;
        DigestManifest m = DigestManifest.load(file);
        if (!sha.equals(m.git_sha))
            throw Fail.usage("digest file " + file + " is for git sha " + (m.git_sha == null ? "(none)" : m.git_sha)
                    + ", this checkout is at " + sha + ": give --fresh to start a new one, or another --digest-file");
        return m;
    }

    private void writeDigestFile(Path file, String sha, String sha7, String name, String tag, String ref, String digest) {
        DigestManifest m = q.fresh ? null : checkDigestFile(file, sha);
        if (m == null) m = new DigestManifest();
        m.git_sha = sha;
        m.git_sha7 = sha7;
        m.built_at_utc = Clock.nowUtc();
        DigestManifest.Entry e = new DigestManifest.Entry();
        e.tag = tag;
        e.ref = ref;
        e.digest = digest;
        m.images.put(name, e);
        Json.writeAtomic(file, m);
    }

    /** The registry's digest for the tag, or null when the tag (or the repository) is not there. */
    private String existingDigest(String repository, String tag) {
        try {
            return registry().digestOf(repository, tag);
        } catch (Fail f) {
            if (f.code == Exit.USAGE && f.getMessage() != null && f.getMessage().contains("not found")) return null;
            throw f;
        }
    }

    private Registry registry() {
        if (registry == null) registry = registries.get();
        return registry;
    }

    private static JsonNode inspect(String ref) {
        Proc.Result r = Proc.of(BuildCommands.inspect(ref)).timeout(Duration.ofMinutes(1)).check("docker image inspect " + ref);
        JsonNode n = Json.tree(r.stdout());
        if (!n.isArray() || n.isEmpty()) throw Fail.failed("docker image inspect " + ref + " returned nothing");
        return n.get(0);
    }

    /** {@code file} relative to {@code top} when it lies in the checkout, else null. */
    private static String relativeInside(Path top, Path file) {
        try {
            Path parent = file.getParent();
            Path real = Files.isDirectory(parent) ? parent.toRealPath().resolve(file.getFileName()) : file;
            Path realTop = top.toRealPath();
            return real.startsWith(realTop) ? realTop.relativize(real).toString() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
