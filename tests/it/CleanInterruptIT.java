package it;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.Layout;
import lib.model.Release;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import support.World;

/**
 * SIGINT and SIGTERM during clean-images, on a root of hundreds of small release dirs and on a
 * registry repository: the clean stops between two deletions (the one under way is finished: no
 * release dir is left half deleted under its id, and no leftover of a rename), records itself as
 * interrupted with what it removed, releases every stack lock (no owner record stays), leaves the
 * rest as it was and exits 130 or 143. A signal at the terminal's y/N question ends the run at once
 * with nothing deleted. The fault point clean-between-deletions slows the deletions down (a pause
 * after each), so the signal lands while the clean is running.
 */
@Execution(ExecutionMode.CONCURRENT) // its tests are independent: a world each, a registry repository each
class CleanInterruptIT {
    static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * {@code count} successful release dirs of {@code stack}, oldest first, each with a compose file,
     * release.json, a success marker and a config dir of a few files; the link on the newest.
     */
    static List<String> releases(Layout l, String stack, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        for (int i = 0; i < count; i++) {
            String id = String.format("r%03d__%s", i, ID_TIME.format(t.plusSeconds(60L * i)));
            Path d = l.releaseDir(stack, id);
            World.write(d.resolve("docker-compose.yml"), "services:\n  web:\n    image: ${IMAGE_REF}\n");
            World.write(d.resolve(Release.FILE), "{\"stack\": \"" + stack + "\", \"release_id\": \"" + id + "\", \"images\": {}}");
            World.write(d.resolve(Release.SUCCEEDED), "{\"action\": \"deploy\"}");
            for (int f = 0; f < 4; f++) World.write(d.resolve("config/f" + f + ".conf"), id + " file " + f + "\n");
            ids.add(id);
        }
        Files.createDirectories(l.stacksDir());
        Files.createSymbolicLink(l.stackLink(stack), l.releaseDir(stack, ids.get(count - 1)));
        return ids;
    }

    /** Waits until the started script printed {@code count} lines containing {@code text} on stderr. */
    static void awaitLines(World w, String text, int count) throws Exception {
        Path err = w.dir.resolve("started.err");
        for (int i = 0; i < 3000; i++) {
            if (Files.exists(err) && Files.readString(err).lines().filter(x -> x.contains(text)).count() >= count) return;
            Thread.sleep(20);
        }
        fail("never printed " + count + " lines with " + text + ":\n" + (Files.exists(err) ? Files.readString(err) : "(nothing)"));
    }

    static int signal(Process p, String sig) throws Exception {
        assertEquals(0, World.sh("kill", "-" + sig, Long.toString(p.pid())).exit());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script ended after SIG" + sig);
        return p.exitValue();
    }

    static List<HistoryRecord> history(Layout l) {
        List<HistoryRecord> all = new ArrayList<>(new HistoryLog(l.historyLog()).find(r -> true, 100));
        java.util.Collections.reverse(all);
        return all;
    }

    /** The lock owner records under the root: none may outlive the process that wrote it. */
    static List<String> ownerRecords(Layout l) throws Exception {
        if (!Files.isDirectory(l.locksDir())) return List.of();
        try (Stream<Path> s = Files.list(l.locksDir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".owner.json")).toList();
        }
    }

    /** Exactly one error line on the started script's stderr, and it is the last one; returns it. */
    static String oneErrorLine(World w) throws Exception {
        String err = Files.readString(w.dir.resolve("started.err")).strip();
        List<String> errors = err.lines().filter(x -> x.startsWith("error")).toList();
        assertEquals(1, errors.size(), err);
        assertEquals(errors.get(0), err.lines().reduce((a, b) -> b).orElse(""), "the error is the last line:\n" + err);
        return errors.get(0);
    }

    /** The snapshot entries under one release dir (the dir itself included). */
    static Map<String, String> under(Map<String, String> snapshot, String prefix) {
        Map<String, String> m = new TreeMap<>();
        for (var e : snapshot.entrySet()) if (e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "/")) m.put(e.getKey(), e.getValue());
        return m;
    }

    /**
     * Checks a root after an interrupted local clean of {@code ids} (the newest is live): the removed
     * dirs are the oldest ones, exactly those the history names; every other dir is whole; nothing else
     * changed; no leftover of a deletion and no owner record.
     */
    static int checkInterruptedClean(World w, Layout l, String stack, List<String> ids, Map<String, String> before, String signal) throws Exception {
        Map<String, String> after = w.snapshot();
        String rel = w.root.relativize(l.stackReleasesDir(stack)).toString();
        List<String> gone = new ArrayList<>();
        for (String id : ids) {
            String key = rel + "/" + id;
            if (!after.containsKey(key)) gone.add(id);
            else assertEquals(under(before, key), under(after, key), id + " is whole");
        }
        try (Stream<Path> s = Files.list(l.stackReleasesDir(stack))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith(".")), "no leftover of a deletion: " + names);
        }
        assertFalse(gone.isEmpty(), "some release dirs were deleted before the signal");
        assertTrue(gone.size() < ids.size() - 1, "the signal stopped the clean: " + gone.size() + " deleted");
        assertEquals(ids.subList(0, gone.size()), gone, "the oldest went first");

        List<HistoryRecord> h = history(l);
        assertEquals(1, h.size(), "one record of the clean");
        assertEquals("clean", h.get(0).action);
        assertEquals("interrupted", h.get(0).outcome);
        assertEquals(gone.stream().map(id -> l.releaseDir(stack, id).toString()).toList(), h.get(0).removed);
        assertTrue(h.get(0).message.startsWith("interrupted by SIG" + signal), h.get(0).message);
        assertEquals(List.of(), ownerRecords(l));

        // nothing else under the root changed: the remaining releases, the link; only the history and lock files are new
        Map<String, String> rest = new TreeMap<>(after);
        rest.keySet().removeIf(k -> k.startsWith("releases/locks") || k.equals("releases/deploy_history.log"));
        Map<String, String> expected = new TreeMap<>(before);
        for (String id : gone) expected.keySet().removeAll(under(before, rel + "/" + id).keySet());
        rest.keySet().removeIf(k -> !expected.containsKey(k) && Files.isDirectory(w.root.resolve(k)) && isEmptyLayoutDir(w.root.resolve(k)));
        assertEquals(expected, rest);
        return gone.size();
    }

    /** A dir of the layout the clean creates when absent (empty). */
    static boolean isEmptyLayoutDir(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void sigintBetweenDeletionsStopsTheCleanRecordsItAndLeavesEveryOtherReleaseWhole() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String s = w.name("cint", "-staging");
            List<String> ids = releases(l, s, 300);
            Map<String, String> before = w.snapshot();
            Process p = w.start(Map.of("SEISEI_TEST_PAUSE_AT", "clean-between-deletions:0.05"), "clean-images", s, "--keep", "1", "--yes");
            awaitLines(w, "deleted " + l.stackReleasesDir(s), 5);
            assertEquals(130, signal(p, "INT"));
            String error = oneErrorLine(w);
            assertTrue(error.startsWith("error: interrupted by SIGINT: deleted "), error);
            assertTrue(error.contains(" of 299 release dirs"), error);
            int gone = checkInterruptedClean(w, l, s, ids, before, "INT");
            assertTrue(error.startsWith("error: interrupted by SIGINT: deleted " + gone + " of 299"), error);

            // the next clean finishes the job
            World.Run again = w.run("clean-images", s, "--keep", "1", "--yes");
            assertEquals(0, again.exit(), again.toString());
            assertEquals(List.of(ids.get(299)), Release.listIds(l, s));
            assertEquals(List.of("clean:interrupted", "clean:success"), history(l).stream().map(r -> r.action + ":" + r.outcome).toList());
        }
    }

    @Test
    void sigtermDuringAPauseAfterTheFirstDeletionExits143() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String s = w.name("cterm", "-staging");
            List<String> ids = releases(l, s, 6);
            // a second stack, so that more than one lock is taken and released
            String other = w.name("cterm", "-prod");
            releases(l, other, 2);
            Map<String, String> before = w.snapshot();
            Process p = w.start(Map.of("SEISEI_TEST_PAUSE_AT", "clean-between-deletions:60"), "clean-images", s, "--keep", "1", "--yes", "--json");
            awaitLines(w, "deleted " + l.stackReleasesDir(s), 1);
            assertEquals(2, ownerRecords(l).size(), "the clean holds every stack's lock while it deletes");
            assertEquals(143, signal(p, "TERM"));
            String error = oneErrorLine(w);
            assertTrue(error.matches("error: interrupted by SIGTERM: deleted 1 of 5 release dirs and 0 of 0 images \\([^)]*\\); the rest stay: clean again to finish"), error);
            assertEquals(1, checkInterruptedClean(w, l, s, ids, before, "TERM"));
            var report = lib.core.Json.tree(Files.readString(w.dir.resolve("started.out")));
            assertEquals("interrupted", report.path("outcome").asText());
            assertEquals(1, report.path("removed").size());
        }
    }

    @Test
    void sigtermDuringARegistryCleanStopsBetweenDeletions() throws Exception {
        String repo = CleanRegistryIT.uniqueRepo(World.REGISTRY);
        for (int i = 0; i < 5; i++) CleanRegistryIT.push(repo, i, CleanRegistryIT.sha(i));
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String s = w.name("cregint", "-staging");
            releases(l, s, 1);
            Map<String, String> before = w.snapshot();
            Process p = w.start(Map.of("SEISEI_TEST_PAUSE_AT", "clean-between-deletions:60"), "clean-images", "--registry", repo, "--keep", "1", "--yes");
            awaitLines(w, "deleted " + repo + "@", 1);
            assertEquals(1, ownerRecords(l).size());
            assertEquals(143, signal(p, "TERM"));
            String error = oneErrorLine(w);
            assertEquals("error: interrupted by SIGTERM: deleted 1 of 4 digests (1 tag) from " + repo + "; the rest stay: clean again to finish", error);
            // one went; the three others to delete and the newest (kept) are still there
            List<String> left = CleanRegistryIT.tags(repo);
            assertEquals(4, left.size(), left.toString());
            assertTrue(left.contains(CleanRegistryIT.sha(4)), left.toString());
            String deleted = java.util.stream.IntStream.range(0, 4).mapToObj(CleanRegistryIT::sha).filter(t -> !left.contains(t)).findFirst().orElseThrow();
            List<HistoryRecord> h = history(l);
            assertEquals(1, h.size());
            assertEquals("clean-registry", h.get(0).action);
            assertEquals("interrupted", h.get(0).outcome);
            assertEquals(1, h.get(0).removed.size(), String.valueOf(h.get(0).removed));
            assertTrue(h.get(0).removed.get(0).endsWith("(" + deleted + ")"), deleted + ": " + h.get(0).removed);
            assertEquals(List.of(), ownerRecords(l));
            Map<String, String> after = w.snapshot();
            after.keySet().removeIf(k -> k.startsWith("releases/locks") || k.equals("releases/deploy_history.log"));
            assertEquals(before, after);
        }
    }

    @Test
    void ctrlCAtTheQuestionEndsTheRunWithNothingDeleted() throws Exception {
        try (World w = new World()) {
            Layout l = new Layout(w.root);
            String s = w.name("cask", "-staging");
            releases(l, s, 3);
            Map<String, String> before = w.snapshot();
            // a terminal of its own (script(1)); ^C typed on it is the SIGINT a person sends
            String cmd = String.join(" ", World.launcher("clean-images")) + " " + s + " --keep 1 --root " + w.root;
            ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c", cmd, "/dev/null").directory(w.dir.toFile()).redirectErrorStream(true);
            pb.environment().put("NO_COLOR", "1");
            pb.environment().put("SEISEI_ACTOR", "tester");
            pb.redirectOutput(w.dir.resolve("tty.out").toFile());
            Process p = pb.start();
            try (OutputStream keys = p.getOutputStream()) {
                Path out = w.dir.resolve("tty.out");
                for (int i = 0; i < 1500 && !Files.readString(out).contains("[y/N]"); i++) Thread.sleep(20);
                assertTrue(Files.readString(out).contains("[y/N]"), "the question: " + Files.readString(out));
                assertEquals(List.of(), ownerRecords(l), "no lock is taken before the answer");
                keys.write(3);
                keys.flush();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "^C ended the run:\n" + Files.readString(out));
            }
            String out = Files.readString(w.dir.resolve("tty.out"));
            assertEquals(130, p.exitValue(), out);
            assertTrue(out.contains("error: interrupted by SIGINT: nothing was deleted"), out);
            assertEquals(before, w.snapshot(), "nothing changed under the root");
            assertFalse(Files.exists(l.historyLog()));
        }
    }
}
