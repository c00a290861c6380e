package unit;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lib.core.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import support.World;

/**
 * Each script's {@code //SOURCES} lines name exactly the lib files it needs, one by one (JBang ignores
 * globs when a script runs through a catalog alias), so a moved or newly used file is caught here and
 * not by a user running {@code jbang deploy@seisei}. A file needs the lib classes it imports or names
 * fully qualified, and the classes of its own package (or of a package it imports with {@code .*}) that
 * it names by simple name, in its code with comments and string literals left out; a script needs
 * what its needs need, transitively.
 */
class SourcesTest {
    static final List<String> SCRIPTS = World.SCRIPTS;

    @ParameterizedTest(name = "{0}.java")
    @FieldSource("SCRIPTS")
    void sourcesListExactlyTheLibFilesTheScriptNeeds(String script) {
        List<String> problems = new Scan(World.REPO).problems(script + ".java");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theCatalogNamesExactlyTheSixScripts() throws IOException {
        JsonNode aliases = Json.tree(Files.readString(World.REPO.resolve("jbang-catalog.json"))).path("aliases");
        Set<String> names = new TreeSet<>();
        aliases.fieldNames().forEachRemaining(names::add);
        assertEquals(new TreeSet<>(SCRIPTS), names, "the catalog's aliases");
        for (String s : SCRIPTS) assertEquals(s + ".java", aliases.path(s).path("script-ref").asText(), "the script of alias " + s);
        try (Stream<Path> top = Files.list(World.REPO)) {
            Set<String> scripts = new TreeSet<>(top.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".java"))
                    .map(f -> f.substring(0, f.length() - 5)).toList());
            assertEquals(new TreeSet<>(SCRIPTS), scripts, "the scripts at the top of the repository");
        }
    }

    @Test
    void aFileListedButNotNeededOneNeededButMissingAndOneThatDoesNotExistAreEachNamed(@TempDir Path repo) {
        World.write(repo.resolve("lib/a/A.java"), "package lib.a;\nclass A { B b; String s = \"lib.c.D\"; }\n");
        World.write(repo.resolve("lib/a/B.java"), "package lib.a;\n// uses lib.c.D in a comment only\n"
                + "class B { Object c = new lib.c.C(); char q = '\"'; String t = \"\"\"\n  Bee lib.c.D \\\"\"\" \"\"\"; }\n");
        World.write(repo.resolve("lib/a/Bee.java"), "package lib.a;\nclass Bee {}\n");
        World.write(repo.resolve("lib/c/C.java"), "package lib.c;\nimport lib.e.*;\nclass C { E e; }\n");
        World.write(repo.resolve("lib/c/D.java"), "package lib.c;\nclass D {}\n");
        World.write(repo.resolve("lib/c/Unused.java"), "package lib.c;\nclass Unused { C c; }\n");
        World.write(repo.resolve("lib/e/E.java"), "package lib.e;\nclass E {}\n");
        World.write(repo.resolve("s.java"), "//SOURCES lib/a/A.java lib/c/C.java\n//SOURCES lib/c/Unused.java lib/c/Gone.java lib/e/E.java\n"
                + "import lib.a.A;\nclass s {}\n");
        World.write(repo.resolve("t.java"), "//SOURCES lib/*/*.java\nclass t { lib.e.E e; }\n");
        Scan scan = new Scan(repo);
        assertEquals(List.of(
                "s.java lists lib/c/Gone.java, which does not exist",
                "s.java lists lib/c/Unused.java, which it does not need",
                "s.java misses lib/a/B.java (needed by lib/a/A.java)"), scan.problems("s.java"));
        assertEquals(List.of(
                "t.java lists lib/*/*.java, a glob, which JBang ignores when the script runs through a catalog alias",
                "t.java misses lib/e/E.java (needed by t.java)"), scan.problems("t.java"));
    }

    /** The lib classes of a repository and what each file needs. */
    static final class Scan {
        static final Pattern QUALIFIED = Pattern.compile("\\b(lib(?:\\.[a-z_][a-z0-9_]*)+)\\.([A-Z]\\w*)");
        static final Pattern STAR_IMPORT = Pattern.compile("\\bimport\\s+(lib(?:\\.[a-z_][a-z0-9_]*)+)\\s*\\.\\s*\\*\\s*;");

        final Path repo;
        /** Fully qualified class name (lib.core.Json) to its file, relative to the repository (lib/core/Json.java). */
        final Map<String, String> classes = new TreeMap<>();

        Scan(Path repo) {
            this.repo = repo;
            try (Stream<Path> s = Files.walk(repo.resolve("lib"))) {
                for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String rel = repo.relativize(p).toString();
                    classes.put(rel.substring(0, rel.length() - 5).replace('/', '.'), rel);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** What a script's //SOURCES lines get wrong, one line each naming the script and the file; empty when nothing. */
        List<String> problems(String script) {
            String src = read(script);
            Set<String> listed = new TreeSet<>();
            List<String> out = new ArrayList<>();
            for (String line : src.lines().filter(l -> l.startsWith("//SOURCES")).toList()) {
                for (String f : line.substring("//SOURCES".length()).trim().split("\\s+")) {
                    if (f.isEmpty()) continue;
                    if (f.contains("*")) out.add(script + " lists " + f + ", a glob, which JBang ignores when the script runs through a catalog alias");
                    else listed.add(repo.relativize(repo.resolve(script).resolveSibling(f).normalize()).toString());
                }
            }
            Map<String, String> needed = closure(script);
            for (String f : listed) {
                if (!Files.isRegularFile(repo.resolve(f))) out.add(script + " lists " + f + ", which does not exist");
                else if (!needed.containsKey(f)) out.add(script + " lists " + f + ", which it does not need");
            }
            needed.forEach((f, by) -> {
                if (!listed.contains(f)) out.add(script + " misses " + f + " (needed by " + by + ")");
            });
            return out;
        }

        /** Every lib file the script needs, with the first file found to need it. */
        Map<String, String> closure(String script) {
            Map<String, String> needed = new TreeMap<>();
            Deque<String> todo = new ArrayDeque<>(List.of(script));
            while (!todo.isEmpty()) {
                String file = todo.pop();
                for (String cls : needs(file)) {
                    String f = classes.get(cls);
                    if (!f.equals(script) && needed.putIfAbsent(f, file) == null) todo.add(f);
                }
            }
            return needed;
        }

        /** The lib classes a file names: fully qualified (imports too), and by simple name in its own or a star-imported package. */
        Set<String> needs(String file) {
            String code = strip(read(file));
            Set<String> out = new TreeSet<>();
            Matcher m = QUALIFIED.matcher(code);
            while (m.find()) if (classes.containsKey(m.group(1) + "." + m.group(2))) out.add(m.group(1) + "." + m.group(2));
            Set<String> packages = new TreeSet<>();
            int slash = file.lastIndexOf('/');
            if (slash > 0) packages.add(file.substring(0, slash).replace('/', '.'));
            Matcher star = STAR_IMPORT.matcher(code);
            while (star.find()) packages.add(star.group(1));
            Map<String, String> simple = new LinkedHashMap<>();
            for (String cls : classes.keySet()) {
                int dot = cls.lastIndexOf('.');
                if (packages.contains(cls.substring(0, dot))) simple.put(cls.substring(dot + 1), cls);
            }
            simple.forEach((name, cls) -> {
                if (Pattern.compile("(?<![\\w.$])" + name + "\\b").matcher(code).find()) out.add(cls);
            });
            String self = file.endsWith(".java") ? file.substring(0, file.length() - 5).replace('/', '.') : file;
            out.remove(self);
            return out;
        }

        String read(String file) {
            try {
                return Files.readString(repo.resolve(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Java source with comments, string and char literals and text blocks blanked out (quotes kept, contents gone). */
    static String strip(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            char next = i + 1 < n ? s.charAt(i + 1) : 0;
            if (c == '/' && next == '/') {
                while (i < n && s.charAt(i) != '\n') i++;
                b.append(' ');
            } else if (c == '/' && next == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                b.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                i += 3;
                while (i < n && !s.startsWith("\"\"\"", i)) i += s.charAt(i) == '\\' ? 2 : 1;
                i += 3;
                b.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && s.charAt(i) != c && s.charAt(i) != '\n') i += s.charAt(i) == '\\' ? 2 : 1;
                i++;
                b.append(c).append(c);
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }
}
