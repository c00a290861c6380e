package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import lib.clean.Cleaner;
import lib.cli.Console;
import lib.cli.Table;
import lib.cli.Terminal;
import org.junit.jupiter.api.Test;

/** Tables fit a terminal's width by narrowing their widest columns; without a width they print every cell whole. */
class TableTest {
    static Table wideTable() {
        Table t = new Table("ACTION", "IMAGE", "REFERENCES", "REASON");
        t.add("delete", "sha256:0123456789ab", "x".repeat(400), "no kept release pins it");
        t.add("keep", "sha256:ba9876543210", "127.0.0.1:5000/app:v1", "pinned by web-prod sha-1234567__20260101T000000Z");
        return t;
    }

    static int longest(List<String> lines) {
        return lines.stream().mapToInt(String::length).max().orElse(0);
    }

    @Test
    void withoutAWidthEveryCellIsWhole() {
        List<String> lines = wideTable().lines("  ");
        assertTrue(lines.get(1).contains("x".repeat(400)), lines.get(1));
        assertEquals(lines, wideTable().lines("  ", 0));
    }

    @Test
    void aWidthNarrowsTheWidestColumnAndEndsItsCellsInAnEllipsis() {
        List<String> lines = wideTable().lines("  ", 100);
        assertTrue(longest(lines) <= 100, String.join("\n", lines));
        assertFalse(lines.get(1).contains("x".repeat(100)));
        assertTrue(lines.get(1).matches(".*x+(\u2026|\\.\\.\\.)  no kept.*"), lines.get(1));
        // the short columns stay whole, and the columns still line up under their headers
        assertTrue(lines.get(1).startsWith("  delete  sha256:0123456789ab  "), lines.get(1));
        int reason = lines.get(0).indexOf("REASON");
        assertEquals(reason, lines.get(1).indexOf("no kept"));
        assertEquals(reason, lines.get(2).indexOf("pinned by"));
    }

    @Test
    void aTableThatFitsIsUnchanged() {
        Table t = new Table("A", "B").add("one", "two");
        assertEquals(t.lines(""), t.lines("", 80));
    }

    @Test
    void columnsNeverShrinkBelowTheirHeaderOrFiveCharacters() {
        List<String> lines = wideTable().lines("", 10);
        assertTrue(lines.get(0).startsWith("ACTION  IMAGE  REFERENCES  REASON"), lines.get(0));
        for (String l : lines) assertTrue(l.length() <= 6 + 2 + 5 + 2 + 10 + 2 + 6, l);
    }

    @Test
    void colourIsAppliedToTheShortenedText() {
        Table t = new Table("NAME", "NOTE");
        t.add(List.of(Table.cell("web"), Table.cell("a long note that goes on and on", s -> "<" + s + ">")));
        String line = t.lines("", 20).get(1);
        assertTrue(line.matches("web   <a long n[^>]*(\u2026|\\.\\.\\.)>"), line);
    }

    @Test
    void theWidthComesFromColumnsThenTheTerminalElseNoLimit() {
        assertEquals(120, Terminal.columns("120", false));
        assertEquals(120, Terminal.columns(" 120 ", true));
        assertEquals(0, Terminal.columns(null, false), "piped: no limit");
        assertEquals(0, Terminal.columns("", false));
        assertEquals(0, Terminal.columns("wide", false));
        assertEquals(0, Terminal.columns("0", false));
        assertEquals(0, Terminal.columns("-5", false));
    }

    @Test
    void aConsoleGivesItsTablesItsWidth() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        Console c = new Console(false, sink, sink, false, 60);
        assertEquals(60, c.width());
        assertTrue(longest(wideTable().lines("", c.width())) <= 60);
        assertEquals(0, new Console(false, sink, sink, false, 0).width());
    }

    @Test
    void anImagesReferencesNameEachRepositoryOnce() {
        String d = "sha256:" + "ab".repeat(32);
        List<String> refs = List.of("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:sha-1234567", "127.0.0.1:5000/team/app@" + d,
                "127.0.0.1:5000/other:latest");
        assertEquals("127.0.0.1:5000/team/app:v1,sha-1234567@sha256:abababababab 127.0.0.1:5000/other:latest", Cleaner.references(refs));
        assertEquals("app@sha256:abababababab", Cleaner.references(List.of("app@" + d)));
    }
}
