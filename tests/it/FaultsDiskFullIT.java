package it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lib.model.Layout;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * FaultsIT's full disk: a deploy into a releases dir on a 1 MB tmpfs, mounted inside the test's
 * own world (no other test looks there, so it runs beside other classes).
 */
class FaultsDiskFullIT {
    @Test
    void fullDiskInTheReleasesDirLeavesNoPartialRelease() throws Exception {
        try (World w = new World()) {
            String s = w.stagingStack();
            assertEquals(0, w.run("deploy", s, "staging", "v1").exit());
            Layout l = new Layout(w.root);
            String live = l.currentReleaseId(s);
            Path big = w.source.resolve(s).resolve("config/blob.bin");
            Files.createDirectories(big.getParent());
            Files.write(big, new byte[3 * 1024 * 1024]);
            Path releases = l.stackReleasesDir(s);
            Path moved = w.dir.resolve("releases-saved");
            World.sh("cp", "-a", releases.toString(), moved.toString());
            World.Run mount = World.sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", releases.toString());
            World.require(mount.exit() == 0, "cannot mount a tmpfs here: " + mount.stderr().strip());
            try {
                World.sh("cp", "-a", moved + "/.", releases.toString());
                var before = World.snapshot(releases);
                World.Run r = w.run("deploy", s, "staging", "v2");
                assertEquals(1, r.exit(), r.toString());
                List<String> errors = r.stderr().lines().filter(x -> x.startsWith("error:")).toList();
                assertEquals(1, errors.size(), r.stderr());
                assertTrue(errors.get(0).startsWith("error: cannot create release v2__") && errors.get(0).endsWith(": No space left on device"),
                        "the error says which release could not be made and that the disk is full: " + r.stderr());
                assertEquals(before, World.snapshot(releases), "no partial release left behind");
                assertEquals(live, l.currentReleaseId(s));
                assertEquals("v1", w.version(s));
            } finally {
                World.sh("umount", releases.toString());
            }
        }
    }
}
