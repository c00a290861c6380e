package lib.model;

import lib.core.Fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * The on-disk layout under the root (default /srv, or SEISEI_ROOT, or --root):
 * <pre>
 * root/stacks/STACK                      -> link to the current release dir
 * root/releases/stacks/STACK/RELEASE_ID/ solidified releases
 * root/releases/verified/TAG             verification records
 * root/releases/current/STACK.json       current manifests: links to stacks/STACK/.manifest.json
 * root/releases/deploy_history.log       history, one JSON object per line
 * root/releases/locks/STACK.lock         per-stack locks and their owner records
 * root/backups/                          what pre-deploy hooks write
 * </pre>
 */
public final class Layout {
    public static final String ROOT_ENV = "SEISEI_ROOT";
    public static final String SOURCE_ENV = "SEISEI_SOURCE";
    public static final String DEFAULT_ROOT = "/srv";
    public static final String DEFAULT_SOURCE = "/opt/seisei-odoo-addons/infra/stacks";
    /** The compose file of a stack source, and so of every release dir. */
    public static final String COMPOSE_FILE = "docker-compose.yml";

    public final Path root;

    public Layout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** --root, else $SEISEI_ROOT, else /srv. */
    public static Layout resolve(String rootOption) {
        return resolve(rootOption, System.getenv());
    }

    public static Layout resolve(String rootOption, Map<String, String> env) {
        return new Layout(pathOption("root", rootOption, env.get(ROOT_ENV), DEFAULT_ROOT));
    }

    /** --source, else $SEISEI_SOURCE, else /opt/seisei-odoo-addons/infra/stacks. */
    public static Path sourceDir(String sourceOption, Map<String, String> env) {
        return pathOption("source", sourceOption, env.get(SOURCE_ENV), DEFAULT_SOURCE);
    }

    public static Path sourceDir(String sourceOption) {
        return sourceDir(sourceOption, System.getenv());
    }

    private static Path pathOption(String what, String option, String envValue, String def) {
        String v = option != null ? option : (envValue != null && !envValue.isBlank() ? envValue : def);
        if (v.isBlank() || v.indexOf('\0') >= 0 || v.chars().anyMatch(c -> c < 0x20))
            throw Fail.usage("invalid --" + what + " " + Names.quote(v));
        try {
            return Paths.get(v).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            throw Fail.usage("invalid --" + what + " " + Names.quote(v));
        }
    }

    public Path stacksDir() { return root.resolve("stacks"); }
    public Path stackLink(String stack) { return stacksDir().resolve(Names.stack(stack)); }
    public Path releasesRoot() { return root.resolve("releases"); }
    public Path stackReleasesDir(String stack) { return releasesRoot().resolve("stacks").resolve(Names.stack(stack)); }
    public Path allStackReleasesDir() { return releasesRoot().resolve("stacks"); }
    public Path releaseDir(String stack, String releaseId) { return stackReleasesDir(stack).resolve(Names.releaseId(releaseId)); }
    /** A release's own manifest, what releases/current/STACK.json leads to while the release is live. */
    public Path releaseManifest(String stack, String releaseId) { return releaseDir(stack, releaseId).resolve(Release.MANIFEST); }
    public Path verifiedDir() { return releasesRoot().resolve("verified"); }
    public Path verifiedRecord(String tag) { return verifiedDir().resolve(Names.tag(tag)); }
    public Path currentDir() { return releasesRoot().resolve("current"); }
    public Path manifest(String stack) { return currentDir().resolve(Names.stack(stack) + ".json"); }
    public Path historyLog() { return releasesRoot().resolve("deploy_history.log"); }
    public Path locksDir() { return releasesRoot().resolve("locks"); }
    public Path lockFile(String stack) { return locksDir().resolve(Names.stack(stack) + ".lock"); }
    public Path lockOwner(String stack) { return locksDir().resolve(Names.stack(stack) + ".owner.json"); }
    public Path backupsDir() { return root.resolve("backups"); }

    /**
     * The release id the stack link points at, or null when there is no link.
     * A link that is not a symlink, or that points anywhere but a release dir of this
     * stack, is an error: nothing may act on a stack whose link was tampered with.
     */
    public String currentReleaseId(String stack) {
        Path link = stackLink(stack);
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) return null;
        if (!Files.isSymbolicLink(link))
            throw Fail.failed(link + " is not a symlink; move it away and deploy again");
        try {
            Path target = Files.readSymbolicLink(link);
            Path abs = link.getParent().resolve(target).normalize();
            Path dir = stackReleasesDir(stack);
            if (!dir.equals(abs.getParent()) || !Names.isReleaseId(abs.getFileName().toString()))
                throw Fail.failed(link + " points outside " + dir + " (to " + target + "); fix the link or use --root");
            return abs.getFileName().toString();
        } catch (IOException e) {
            throw Fail.failed("cannot read " + link + ": " + e.getMessage(), e);
        }
    }

    /** Removes the stack's link (durably), as before its first deploy; quiet when there is none. */
    public void removeStackLink(String stack) {
        Path link = stackLink(stack);
        try {
            Files.deleteIfExists(link);
            lib.core.AtomicFiles.fsyncDir(stacksDir());
        } catch (IOException e) {
            throw Fail.failed("cannot remove " + link + ": " + e.getMessage(), e);
        }
    }

    /** Creates the directories of the layout (not the stack links). */
    public void ensureDirs() {
        try {
            for (Path p : new Path[] {stacksDir(), allStackReleasesDir(), verifiedDir(), currentDir(), locksDir(), backupsDir()})
                Files.createDirectories(p);
        } catch (IOException e) {
            throw Fail.failed("cannot create the layout under " + root + ": " + e.getMessage(), e);
        }
    }

    /** Throws unless {@code p}, with symlinks resolved, lies inside {@code base}. */
    public static Path requireInside(Path p, Path base, String what) {
        try {
            Path real = p.toRealPath();
            Path realBase = base.toRealPath();
            if (!real.startsWith(realBase) || real.equals(realBase))
                throw Fail.failed(what + " " + p + " lies outside " + base);
            return real;
        } catch (IOException e) {
            throw Fail.failed(what + " " + p + " does not exist");
        }
    }
}
