package lib.build;

import lib.core.Fail;
import lib.model.Names;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tags build-image gives an image, following docker/metadata-action: {@code sha-<7>} always;
 * {@code <branch>-<sha7>} on a branch; for a version {@code v1.2.3} also {@code 1.2.3}, {@code 1.2}
 * and {@code 1} ({@code v0.x.y}: no major tag; a pre-release: only its own tag); {@code latest} on
 * the default branch unless the version is a pre-release. A dirty work tree adds {@code -dirty} to
 * every tag and never gets {@code latest}.
 *
 * <p>Immutable tags ({@code sha-<7>}, {@code <branch>-<sha7>} and full versions of a clean tree)
 * name one commit's build forever; moving tags ({@code latest}, major, minor, and every
 * {@code -dirty} tag) follow new builds.
 */
public final class BuildTags {
    private BuildTags() {}

    public static final String DIRTY = "-dirty";
    public static final String LATEST = "latest";

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    private static final String NUM = "(0|[1-9][0-9]*)";
    private static final String PRE_ID = "(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)";
    private static final Pattern SEMVER = Pattern.compile(
            "[vV]?" + NUM + "\\." + NUM + "\\." + NUM + "(?:-(" + PRE_ID + "(?:\\." + PRE_ID + ")*))?");
    /** Room for "-" + sha7 + "-dirty" after the branch in a tag of at most 128 characters. */
    private static final int BRANCH_MAX = 128 - 8 - DIRTY.length();

    public enum Kind { SHA, VERSION, MINOR, MAJOR, BRANCH, LATEST }

    public record Tag(String name, Kind kind, boolean immutable) {}

    /** A semantic version as given (text) and parsed. */
    public record Version(String text, int major, int minor, int patch, String preRelease) {
        public boolean isPreRelease() { return preRelease != null; }

        /** 1.2.3 or 1.2.3-rc.1, without the leading v. */
        public String full() { return major + "." + minor + "." + patch + (preRelease == null ? "" : "-" + preRelease); }
    }

    /** Parses {@code v1.2.3}, {@code 1.2.3} or {@code v1.2.3-rc.1}; anything else is refused. */
    public static Version parseVersion(String text) {
        Version v = tryParse(text);
        if (v != null) return v;
        String why = text != null && text.contains("+")
                ? ": build metadata (+...) cannot be part of an image tag"
                : ": expected a semantic version such as v1.2.3 or v1.2.3-rc.1";
        throw Fail.usage("invalid version " + Names.quote(text) + why);
    }

    /** The highest version among the git tags on HEAD that are versions; null when none is. */
    public static Version versionAmong(List<String> gitTags) {
        return gitTags.stream().map(BuildTags::tryParse).filter(v -> v != null).max(ORDER).orElse(null);
    }

    /** Semantic-version precedence (a release ranks above its pre-releases; pre-releases compared as text). */
    public static final Comparator<Version> ORDER = Comparator.comparingInt(Version::major)
            .thenComparingInt(Version::minor).thenComparingInt(Version::patch)
            .thenComparing(v -> v.preRelease() == null ? "\uffff" : v.preRelease());

    /** A branch name as a tag part: runs of characters outside [A-Za-z0-9._-] become one '-'. */
    public static String sanitizeBranch(String branch) {
        if (branch == null) return "";
        String s = branch.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[.-]+", "");
        return s.length() > BRANCH_MAX ? s.substring(0, BRANCH_MAX) : s;
    }

    public static String sha7(String sha) {
        return checkSha(sha).substring(0, 7);
    }

    /**
     * The tags for a build, the primary ({@code sha-<7>}) first.
     *
     * @param sha the full commit sha
     * @param branch the checked-out branch, null for a detached HEAD
     * @param defaultBranch the repository's default branch (where {@code latest} comes from)
     * @param version the version being built, or null
     * @param dirty whether the work tree has changes the commit does not hold
     */
    public static List<Tag> compute(String sha, String branch, String defaultBranch, Version version, boolean dirty) {
        String sha7 = sha7(sha);
        String suffix = dirty ? DIRTY : "";
        List<Tag> tags = new ArrayList<>();
        tags.add(new Tag("sha-" + sha7 + suffix, Kind.SHA, !dirty));
        if (version != null) {
            tags.add(new Tag(version.full() + suffix, Kind.VERSION, !dirty));
            if (!version.isPreRelease()) {
                tags.add(new Tag(version.major() + "." + version.minor() + suffix, Kind.MINOR, false));
                if (version.major() > 0) tags.add(new Tag(version.major() + suffix, Kind.MAJOR, false));
            }
        }
        String b = sanitizeBranch(branch);
        if (!b.isEmpty()) tags.add(new Tag(b + "-" + sha7 + suffix, Kind.BRANCH, !dirty));
        boolean onDefault = branch != null && branch.equals(defaultBranch);
        if (onDefault && !dirty && (version == null || !version.isPreRelease())) tags.add(new Tag(LATEST, Kind.LATEST, false));
        for (Tag t : tags) Names.tag(t.name());
        return List.copyOf(tags);
    }

    private static final Pattern SHA_TAG = Pattern.compile("sha-[0-9a-f]{7,64}");
    private static final Pattern BRANCH_SHA_TAG = Pattern.compile("[A-Za-z0-9._-]+-[0-9a-f]{7}");

    /**
     * Whether a tag, by its name alone, is one that never moves: {@code sha-<hex>}, {@code <branch>-<sha7>}
     * or a full version ({@code 1.2.3}, {@code v1.2.3}, {@code 1.2.3-rc.1}), not {@code -dirty}. Every
     * other name moves: {@code latest}, a major or minor version, a plain branch name, anything dirty.
     */
    public static boolean isImmutableName(String tag) {
        if (tag == null || tag.endsWith(DIRTY)) return false;
        return SHA_TAG.matcher(tag).matches() || BRANCH_SHA_TAG.matcher(tag).matches() || tryParse(tag) != null;
    }

    /** The org.opencontainers.image.version label: the version when there is one, else the primary tag. */
    public static String versionLabel(Version version, List<Tag> tags, boolean dirty) {
        if (version != null) return version.full() + (dirty ? DIRTY : "");
        return tags.get(0).name();
    }

    private static Version tryParse(String text) {
        if (text == null) return null;
        Matcher m = SEMVER.matcher(text);
        if (!m.matches()) return null;
        try {
            return new Version(text, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String checkSha(String sha) {
        if (sha != null && SHA.matcher(sha).matches()) return sha;
        throw Fail.usage("invalid git sha " + Names.quote(sha) + ": expected 40 (or 64) lowercase hex digits");
    }
}
