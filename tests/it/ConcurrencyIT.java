package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lib.model.CurrentManifest;
import lib.history.HistoryLog;
import lib.history.HistoryRecord;
import lib.model.Layout;
import lib.model.StackLock;
import org.junit.jupiter.api.Test;
import support.World;

class ConcurrencyIT {

    @Test
    void deploysAndRollbacksOfOneStackAreSerialisedWithOneRecordEach() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            Layout l = new Layout(w.root);
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            assertEquals(0, w.run("deploy", s, "staging", "v2").exit());
            int before = Files.readAllLines(l.historyLog()).size();
            List<Process> ps = new ArrayList<>();
            ps.add(w.start(Map.of(), "deploy", s, "staging", "v3", "--lock-wait", "120"));
            ps.add(w.start(Map.of(), "deploy", s, "staging", "v1", "--lock-wait", "120"));
            ps.add(w.start(Map.of(), "rollback", s, "staging", "--lock-wait", "120"));
            ps.add(w.start(Map.of(), "deploy", s, "staging", "v2", "--lock-wait", "120"));
            List<Integer> exits = new ArrayList<>();
            for (Process p : ps) {
                assertTrue(p.waitFor(240, TimeUnit.SECONDS));
                exits.add(p.exitValue());
            }
            String err = World.read(w.dir.resolve("started.err"));
            assertEquals(List.of(0, 0, 0, 0), exits, "each waits for the lock, then succeeds: " + err);
            assertTrue(err.contains("waiting for the lock of " + s + ", held by pid"), err);
            List<String> lines = Files.readAllLines(l.historyLog());
            List<HistoryRecord> recs = new HistoryLog(l.historyLog()).find(r -> !"repair".equals(r.action), 1000);
            assertEquals(0, new HistoryLog(l.historyLog()).countMalformed());
            assertEquals(before + ps.size(), lines.size(), "exactly one history record per attempt:\n" + String.join("\n", lines));
            CurrentManifest m = CurrentManifest.read(l, s);
            assertEquals(m.release_id, l.currentReleaseId(s));
            assertEquals(m.image_tag, w.version(s));
            assertEquals(1, World.containers(s).size());
            List<HistoryRecord> attempts = recs.subList(0, ps.size());
            assertEquals(List.of("deploy", "deploy", "deploy", "rollback"), attempts.stream().map(r -> r.action).sorted().toList());
            assertTrue(attempts.stream().allMatch(HistoryRecord::isSuccess), String.join("\n", lines));
        }
    }

    @Test
    void deploysOfDifferentStacksRunInParallel() throws Exception {
        try (World w = new World()) {
            String a = w.stagingStack();
            String b = w.stagingStack();
            String hold = w.stagingStack();
            Layout l = new Layout(w.root);
            l.ensureDirs();
            // each deploy holds its lock for 2 s at least, so two that run at once are seen holding both
            Map<String, String> pause = Map.of("SEISEI_TEST_PAUSE_AT", "after-lock:2");
            Map<String, long[]> held = new java.util.HashMap<>();
            Map<String, StackLock.Owner> owners = new java.util.HashMap<>();
            boolean both = false;
            try (var other = StackLock.acquire(l, hold, "someone", "long deploy", 0, null)) {
                Process pa = w.start(pause, "deploy", a, "staging", "v1", "--lock-wait", "0");
                Process pb = w.start(pause, "deploy", b, "staging", "v2", "--lock-wait", "0");
                long deadline = System.nanoTime() + 120_000_000_000L;
                while ((pa.isAlive() || pb.isAlive()) && System.nanoTime() < deadline) {
                    int holding = 0;
                    for (String s : List.of(a, b)) {
                        StackLock.Owner o = StackLock.owner(l, s);
                        if (o == null) continue;
                        holding++;
                        owners.putIfAbsent(s, o);
                        long now = System.currentTimeMillis();
                        held.computeIfAbsent(s, k -> new long[] {now, now})[1] = now;
                    }
                    both |= holding == 2;
                    Thread.sleep(20);
                }
                assertTrue(pa.waitFor(120, TimeUnit.SECONDS));
                assertTrue(pb.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, pa.exitValue(), World.read(w.dir.resolve("started.err")));
                assertEquals(0, pb.exitValue(), World.read(w.dir.resolve("started.err")));
            }
            assertEquals("v1", w.version(a));
            assertEquals("v2", w.version(b));
            assertTrue(both, "both deploys held their stack's lock at one moment; seen held (ms): "
                    + held.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()[0] + ".." + e.getValue()[1]).toList());
            // and the records agree: each deploy ended after the other took its lock
            List<HistoryRecord> recs = new HistoryLog(l.historyLog()).find(r -> "deploy".equals(r.action), 10);
            assertEquals(2, recs.size());
            for (HistoryRecord r : recs) {
                String otherStack = r.stack.equals(a) ? b : a;
                assertEquals("success", r.outcome);
                assertTrue(java.time.Instant.parse(r.at_utc).compareTo(java.time.Instant.parse(owners.get(otherStack).since)) >= 0,
                        r.stack + " ended at " + r.at_utc + ", " + otherStack + " took its lock at " + owners.get(otherStack).since);
            }
        }
    }
}
