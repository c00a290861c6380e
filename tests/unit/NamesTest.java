package unit;

import static org.junit.jupiter.api.Assertions.*;

import lib.core.Exit;
import lib.core.Fail;
import lib.model.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    static final String LONG = "a".repeat(300);

    @ParameterizedTest
    @ValueSource(strings = {"odoo18-prod", "a", "web_front", "ocr-staging", "x1"})
    void acceptsStacks(String s) {
        assertEquals(s, Names.stack(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", "../etc", "a/b", "/abs", "with space", "semi;colon", "back`tick`", "$(id)",
            "new\nline", "tab\t", "Upper", "-dash", "_under", "a.b", "nul\0", "quote'", "star*"})
    void rejectsHostileStacks(String s) {
        Fail f = assertThrows(Fail.class, () -> Names.stack(s));
        assertEquals(Exit.USAGE, f.code);
        assertFalse(f.oneLine().contains("\n"));
    }

    @Test
    void rejectsLongAndNullStack() {
        assertThrows(Fail.class, () -> Names.stack(LONG));
        assertThrows(Fail.class, () -> Names.stack(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha-abc1234", "v1.2.3", "1.2.3-rc.1", "latest", "main-abc1234", "_x", "A_b.c-d"})
    void acceptsTags(String s) {
        assertEquals(s, Names.tag(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".hidden", "-x", "a/b", "a b", "a;b", "a\nb", "a:b", "a@b", "$(id)", "a\\b"})
    void rejectsHostileTags(String s) {
        assertThrows(Fail.class, () -> Names.tag(s));
    }

    @Test
    void rejectsLongTag() {
        assertThrows(Fail.class, () -> Names.tag(LONG));
        assertEquals("a".repeat(128), Names.tag("a".repeat(128)));
        assertThrows(Fail.class, () -> Names.tag("a".repeat(129)));
    }

    @Test
    void envsAreExact() {
        assertEquals("staging", Names.env("staging"));
        assertEquals("production", Names.env("production"));
        for (String s : new String[] {"", "prod", "Production", "staging ", "../staging", "stg", "production\n", LONG})
            assertThrows(Fail.class, () -> Names.env(s), s);
        assertThrows(Fail.class, () -> Names.env(null));
    }

    @Test
    void releaseIds() {
        assertEquals("sha-abc__20260131T120000Z", Names.releaseId("sha-abc__20260131T120000Z"));
        assertEquals("sha-abc__20260131T120000Z-2", Names.releaseId("sha-abc__20260131T120000Z-2"));
        assertEquals("sha-abc", Names.tagOfRelease("sha-abc__20260131T120000Z-2"));
        for (String s : new String[] {"", "..", "sha-abc", "sha-abc__2026", "../x__20260131T120000Z",
                "a/b__20260131T120000Z", "sha__20260131T120000Z/..", "x__20260131T120000Z\n", LONG})
            assertThrows(Fail.class, () -> Names.releaseId(s), s);
    }

    @Test
    void digestsAndRepositories() {
        String d = "sha256:" + "a".repeat(64);
        assertEquals(d, Names.digest(d));
        assertThrows(Fail.class, () -> Names.digest("sha256:" + "A".repeat(64)));
        assertThrows(Fail.class, () -> Names.digest("sha256:abc"));
        assertThrows(Fail.class, () -> Names.digest("md5:" + "a".repeat(64)));
        for (String r : new String[] {"ghcr.io/org/app", "127.0.0.1:5000/seisei-test/app", "localhost:5000/a", "busybox", "library/redis"})
            assertEquals(r, Names.repository(r));
        for (String r : new String[] {"", "ghcr.io/org/app:tag", "a@sha256:x", "UPPER/app", "a//b", "a/../b", "a b", "http://x/y"})
            assertThrows(Fail.class, () -> Names.repository(r), r);
    }

    @Test
    void freeText() {
        assertEquals("github-actions", Names.text("actor", "github-actions", 128, false));
        assertThrows(Fail.class, () -> Names.text("actor", "a\nb", 128, false));
        assertThrows(Fail.class, () -> Names.text("reason", "   ", 128, false));
        assertThrows(Fail.class, () -> Names.text("reason", LONG, 128, false));
        assertEquals("", Names.text("run id", null, 128, true));
    }

    @Test
    void quoteKeepsOneLine() {
        assertEquals("'a\\x0ab'", Names.quote("a\nb"));
        assertTrue(Names.quote(LONG).length() < 100);
    }

    @Test
    void isStackAndIsTagAgreeWithTheChecks() {
        for (String n : new String[] {"web-prod", "a", "odoo18_staging", "Web", "-x", "a/b", "", "x".repeat(64), "v1.2.3", ".hidden", "sha-abc1234"}) {
            boolean stack = true, tag = true;
            try { Names.stack(n); } catch (Fail f) { stack = false; }
            try { Names.tag(n); } catch (Fail f) { tag = false; }
            assertEquals(stack, Names.isStack(n), n);
            assertEquals(tag, Names.isTag(n), n);
        }
        assertFalse(Names.isStack(null));
        assertFalse(Names.isTag(null));
    }
}
