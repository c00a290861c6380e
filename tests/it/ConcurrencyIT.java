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
            int ok = 0;
            for (Process p : ps) {
                assertTrue(p.waitFor(240, TimeUnit.SECONDS));
                if (p.exitValue() == 0) ok++;
            }
            String err = World.read(w.dir.resolve("started.err"));
            assertTrue(ok >= 3, "at least the three deploys succeed: " + err);
            assertTrue(err.contains("waiting for the lock of " + s + ", held by pid"), err);
            List<String> lines = Files.readAllLines(l.historyLog());
            List<HistoryRecord> recs = new HistoryLog(l.historyLog()).find(r -> !"repair".equals(r.action), 1000);
            assertEquals(0, new HistoryLog(l.historyLog()).countMalformed());
            assertEquals(before + ps.size(), lines.size(), "exactly one history record per attempt:\n" + String.join("\n", lines));
            CurrentManifest m = CurrentManifest.read(l, s);
            assertEquals(m.release_id, l.currentReleaseId(s));
            assertEquals(m.image_tag, w.version(s));
            assertEquals(1, World.containers(s).size());
            assertTrue(recs.size() >= 6);
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
            try (var held = lib.model.StackLock.acquire(l, hold, "someone", "long deploy", 0, null)) {
                Process pa = w.start(Map.of(), "deploy", a, "staging", "v1", "--lock-wait", "0");
                Process pb = w.start(Map.of(), "deploy", b, "staging", "v2", "--lock-wait", "0");
                assertTrue(pa.waitFor(120, TimeUnit.SECONDS));
                assertTrue(pb.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, pa.exitValue(), World.read(w.dir.resolve("started.err")));
                assertEquals(0, pb.exitValue(), World.read(w.dir.resolve("started.err")));
            }
            assertEquals("v1", w.version(a));
            assertEquals("v2", w.version(b));
        }
    }
}
