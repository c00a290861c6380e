package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import lib.build.BuildTags;
import lib.core.Exit;
import lib.core.Fail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BuildTagsTest {
    static final String SHA = "abc1234def5678901234567890abcdef01234567";

    /**
     * branch (- = detached HEAD), version (- = none), dirty, expected tags in order ('*' marks an
     * immutable one). The default branch is main.
     */
    @ParameterizedTest(name = "{0} {1} dirty={2}")
    @CsvSource(delimiter = '|', value = {
            "main          | -             | false | sha-abc1234* main-abc1234* latest",
            "feature/login | -             | false | sha-abc1234* feature-login-abc1234*",
            "main          | v1.2.3        | false | sha-abc1234* 1.2.3* 1.2 1 main-abc1234* latest",
            "release/1.2   | v1.2.3        | false | sha-abc1234* 1.2.3* 1.2 1 release-1.2-abc1234*",
            "main          | 1.2.3         | false | sha-abc1234* 1.2.3* 1.2 1 main-abc1234* latest",
            "main          | v1.2.3-rc.1   | false | sha-abc1234* 1.2.3-rc.1* main-abc1234*",
            "main          | v2.0.0-beta   | false | sha-abc1234* 2.0.0-beta* main-abc1234*",
            "main          | v0.4.1        | false | sha-abc1234* 0.4.1* 0.4 main-abc1234* latest",
            "dev           | v0.0.1        | false | sha-abc1234* 0.0.1* 0.0 dev-abc1234*",
            "main          | v10.20.30     | false | sha-abc1234* 10.20.30* 10.20 10 main-abc1234* latest",
            "-             | -             | false | sha-abc1234*",
            "-             | v1.2.3        | false | sha-abc1234* 1.2.3* 1.2 1",
            "main          | -             | true  | sha-abc1234-dirty main-abc1234-dirty",
            "main          | v1.2.3        | true  | sha-abc1234-dirty 1.2.3-dirty 1.2-dirty 1-dirty main-abc1234-dirty",
            "-             | v1.2.3-rc.1   | true  | sha-abc1234-dirty 1.2.3-rc.1-dirty",
            "user@x/fix#1  | -             | false | sha-abc1234* user-x-fix-1-abc1234*",
            "Feature_X.y   | -             | false | sha-abc1234* Feature_X.y-abc1234*",
            "a//b          | -             | false | sha-abc1234* a-b-abc1234*",
            "mainline      | -             | false | sha-abc1234* mainline-abc1234*",
    })
    void tagTable(String branch, String version, boolean dirty, String expected) {
        String b = branch.equals("-") ? null : branch;
        BuildTags.Version v = version.equals("-") ? null : BuildTags.parseVersion(version);
        List<BuildTags.Tag> tags = BuildTags.compute(SHA, b, "main", v, dirty);
        List<String> shown = tags.stream().map(t -> t.name() + (t.immutable() ? "*" : "")).toList();
        assertEquals(Arrays.asList(expected.split(" ")), shown);
    }

    @Test
    void latestFollowsTheDefaultBranchGiven() {
        assertTrue(names(BuildTags.compute(SHA, "master", "master", null, false)).contains("latest"));
        assertFalse(names(BuildTags.compute(SHA, "main", "master", null, false)).contains("latest"));
        assertFalse(names(BuildTags.compute(SHA, null, "main", null, false)).contains("latest"));
    }

    @Test
    void kindsNameEachTag() {
        var tags = BuildTags.compute(SHA, "main", "main", BuildTags.parseVersion("v3.1.4"), false);
        assertEquals(List.of(BuildTags.Kind.SHA, BuildTags.Kind.VERSION, BuildTags.Kind.MINOR, BuildTags.Kind.MAJOR,
                BuildTags.Kind.BRANCH, BuildTags.Kind.LATEST), tags.stream().map(BuildTags.Tag::kind).toList());
        assertEquals(List.of("sha-abc1234", "3.1.4", "main-abc1234"), tags.stream().filter(BuildTags.Tag::immutable).map(BuildTags.Tag::name).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2", "v1.2", "1.2.3.4", "v01.2.3", "v1.02.3", "latest", "vfoo", "v1.2.3-", "v1.2.3-rc..1",
            "v1.2.3+build.5", "v1.2.3-rc.01", " v1.2.3", "v1.2.3\n", "V1.2.x", "-1.2.3"})
    void invalidVersionsAreRefused(String v) {
        Fail f = assertThrows(Fail.class, () -> BuildTags.parseVersion(v));
        assertEquals(Exit.USAGE, f.code);
        assertFalse(f.oneLine().contains("\n"));
        assertTrue(f.getMessage().startsWith("invalid version"), f.getMessage());
    }

    @Test
    void buildMetadataIsExplained() {
        assertTrue(assertThrows(Fail.class, () -> BuildTags.parseVersion("v1.2.3+exp")).getMessage().contains("build metadata"));
    }

    @Test
    void parsesVersions() {
        var v = BuildTags.parseVersion("v1.2.3-rc.1");
        assertEquals(1, v.major());
        assertEquals(2, v.minor());
        assertEquals(3, v.patch());
        assertEquals("rc.1", v.preRelease());
        assertEquals("1.2.3-rc.1", v.full());
        assertTrue(v.isPreRelease());
        assertEquals("0.0.0", BuildTags.parseVersion("v0.0.0").full());
        assertEquals("1.2.3-4-gabc1234", BuildTags.parseVersion("v1.2.3-4-gabc1234").full(), "git describe output is a pre-release");
    }

    @Test
    void versionOnHeadIsTheHighestVersionTag() {
        assertNull(BuildTags.versionAmong(List.of()));
        assertNull(BuildTags.versionAmong(List.of("release-x", "deployed")));
        assertEquals("1.2.3", BuildTags.versionAmong(List.of("deployed", "v1.2.3")).full());
        assertEquals("1.10.0", BuildTags.versionAmong(List.of("v1.9.0", "v1.10.0", "v1.10.0-rc.2")).full());
        assertEquals("2.0.0-rc.2", BuildTags.versionAmong(List.of("v2.0.0-rc.1", "v2.0.0-rc.2")).full());
    }

    @Test
    void branchesAreReducedToTagCharacters() {
        assertEquals("feature-x", BuildTags.sanitizeBranch("feature/x"));
        assertEquals("a-b", BuildTags.sanitizeBranch("a/\u00e9/b"));
        assertEquals("x", BuildTags.sanitizeBranch("..x"));
        assertEquals("", BuildTags.sanitizeBranch(null));
        String longBranch = "b".repeat(300);
        var tags = BuildTags.compute(SHA, longBranch, "main", null, true);
        for (BuildTags.Tag t : tags) assertTrue(t.name().length() <= 128, t.name());
        assertTrue(tags.get(1).name().endsWith("-abc1234-dirty"));
    }

    @Test
    void versionLabel() {
        var tags = BuildTags.compute(SHA, "main", "main", null, false);
        assertEquals("sha-abc1234", BuildTags.versionLabel(null, tags, false));
        var v = BuildTags.parseVersion("v1.2.3");
        assertEquals("1.2.3", BuildTags.versionLabel(v, BuildTags.compute(SHA, "main", "main", v, false), false));
        assertEquals("1.2.3-dirty", BuildTags.versionLabel(v, BuildTags.compute(SHA, "main", "main", v, true), true));
    }

    @Test
    void shaIsChecked() {
        assertEquals("abc1234", BuildTags.sha7(SHA));
        assertThrows(Fail.class, () -> BuildTags.compute("abc1234", "main", "main", null, false));
        assertThrows(Fail.class, () -> BuildTags.compute(SHA.toUpperCase(), "main", "main", null, false));
    }

    private static List<String> names(List<BuildTags.Tag> tags) {
        return tags.stream().map(BuildTags.Tag::name).toList();
    }
}
