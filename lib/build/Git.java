package lib.build;

import lib.core.Fail;
import lib.core.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what build-image needs from a git checkout (`git -C TOP ...`, argument arrays, read-only). */
public final class Git {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Map<String, String> ENV = Map.of("LC_ALL", "C", "GIT_TERMINAL_PROMPT", "0", "GIT_OPTIONAL_LOCKS", "0");

    private final Path top;

    private Git(Path top) { this.top = top; }

    /** The checkout containing {@code dir}; refused when there is none. */
    public static Git at(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) throw Fail.usage(d + " is not a directory");
        Proc.Result r = Proc.of(List.of("git", "-C", d.toString(), "rev-parse", "--show-toplevel")).env(ENV).timeout(TIMEOUT).run();
        if (!r.ok() || r.stdout().isBlank())
            throw Fail.usage(d + " is not a git checkout: run build-image inside the repository to build (" + r.lastLine() + ")");
        return new Git(Path.of(r.stdout().strip()));
    }

    public Path top() { return top; }

    /** The full sha of HEAD; refused when there is no commit yet. */
    public String sha() {
        Proc.Result r = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}");
        if (!r.ok()) throw Fail.usage("the checkout " + top + " has no commit yet");
        return r.stdout().strip();
    }

    /** The checked-out branch, or null for a detached HEAD. */
    public String branch() {
        Proc.Result r = git("symbolic-ref", "--quiet", "--short", "HEAD");
        return r.ok() && !r.stdout().isBlank() ? r.stdout().strip() : null;
    }

    /** origin/HEAD when it is set, else main when that branch exists, else master. */
    public String defaultBranch() {
        Proc.Result r = git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD");
        if (r.ok() && r.stdout().strip().startsWith("origin/")) return r.stdout().strip().substring("origin/".length());
        boolean main = git("show-ref", "--verify", "--quiet", "refs/heads/main").ok()
                || git("show-ref", "--verify", "--quiet", "refs/remotes/origin/main").ok();
        return main ? "main" : "master";
    }

    /** The tags that point at HEAD. */
    public List<String> tagsAtHead() {
        Proc.Result r = git("tag", "--points-at", "HEAD");
        if (!r.ok()) throw Fail.failed("git tag --points-at HEAD failed in " + top + ": " + r.lastLine());
        return r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** The commit time of HEAD. */
    public Instant commitTime() {
        Proc.Result r = git("log", "-1", "--format=%ct", "HEAD");
        try {
            return Instant.ofEpochSecond(Long.parseLong(r.stdout().strip()));
        } catch (NumberFormatException e) {
            throw Fail.failed("cannot read the commit time of HEAD in " + top + ": " + r.lastLine());
        }
    }

    /** Paths (relative to the top) that differ from HEAD: changed, staged, deleted or untracked, not ignored. */
    public List<String> changes() {
        Proc.Result r = git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none");
        if (!r.ok()) throw Fail.failed("git status failed in " + top + ": " + r.lastLine());
        return parseStatus(r.stdout());
    }

    /** The URL of the origin remote, or null. */
    public String originUrl() {
        Proc.Result r = git("remote", "get-url", "origin");
        return r.ok() && !r.stdout().isBlank() ? r.stdout().strip() : null;
    }

    /** The paths of `git status --porcelain=v1 -z` output (a rename's source path is left out). */
    public static List<String> parseStatus(String z) {
        List<String> paths = new ArrayList<>();
        String[] entries = z.split("\0");
        for (int i = 0; i < entries.length; i++) {
            String e = entries[i];
            if (e.length() < 4) continue;
            paths.add(e.substring(3));
            char x = e.charAt(0);
            if (x == 'R' || x == 'C') i++;
        }
        return paths;
    }

    private static final Pattern SCP = Pattern.compile("(?:[^@/]+@)?([A-Za-z0-9.-]+):(?!//)(.+)");
    private static final Pattern URL = Pattern.compile("(?:https?|ssh|git)://(?:[^@/]+@)?([^/:]+)(?::\\d+)?/(.+)");

    /**
     * A remote URL as a public web address for the source label: credentials dropped, ssh and scp
     * forms turned into https, ".git" removed. Null for local paths and forms it does not know.
     */
    public static String sourceUrl(String remote) {
        if (remote == null) return null;
        String r = remote.strip();
        String host;
        String path;
        Matcher u = URL.matcher(r);
        Matcher s = SCP.matcher(r);
        if (u.matches()) {
            host = u.group(1);
            path = u.group(2);
        } else if (!r.contains("://") && s.matches() && s.group(1).contains(".")) {
            host = s.group(1);
            path = s.group(2);
        } else {
            return null;
        }
        path = path.replaceAll("^/+", "").replaceAll("/+$", "");
        if (path.endsWith(".git")) path = path.substring(0, path.length() - 4);
        if (path.isEmpty() || host.isEmpty()) return null;
        return "https://" + host + "/" + path;
    }

    private Proc.Result git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", top.toString()));
        cmd.addAll(List.of(args));
        return Proc.of(cmd).env(ENV).timeout(TIMEOUT).run();
    }
}
