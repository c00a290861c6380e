package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lib.core.Fail;
import lib.model.Layout;
import lib.model.StackSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutTest {
    @TempDir Path tmp;

    @Test
    void rootFromOptionThenEnvironmentThenDefault() {
        assertEquals(Path.of("/x/y"), Layout.resolve("/x/y", Map.of("SEISEI_ROOT", "/env")).root);
        assertEquals(Path.of("/env"), Layout.resolve(null, Map.of("SEISEI_ROOT", "/env")).root);
        assertEquals(Path.of("/srv"), Layout.resolve(null, Map.of()).root);
        assertEquals(Path.of("/opt/seisei-odoo-addons/infra/stacks"), Layout.sourceDir(null, Map.of()));
        assertEquals(Path.of("/s"), Layout.sourceDir(null, Map.of("SEISEI_SOURCE", "/s")));
        assertThrows(Fail.class, () -> Layout.resolve("a\nb", Map.of()));
    }

    @Test
    void pathsOfTheLayout() {
        Layout l = new Layout(Path.of("/srv"));
        assertEquals(Path.of("/srv/stacks/web-prod"), l.stackLink("web-prod"));
        assertEquals(Path.of("/srv/releases/stacks/web-prod/v1__20260131T120000Z"), l.releaseDir("web-prod", "v1__20260131T120000Z"));
        assertEquals(Path.of("/srv/releases/verified/sha-abc"), l.verifiedRecord("sha-abc"));
        assertEquals(Path.of("/srv/releases/current/web-prod.json"), l.manifest("web-prod"));
        assertEquals(Path.of("/srv/releases/deploy_history.log"), l.historyLog());
        assertEquals(Path.of("/srv/backups"), l.backupsDir());
        assertThrows(Fail.class, () -> l.stackLink("../etc"));
        assertThrows(Fail.class, () -> l.releaseDir("web-prod", "../../x"));
        assertThrows(Fail.class, () -> l.verifiedRecord("../x"));
    }

    @Test
    void linkPointingOutsideTheStackReleasesIsRefused() throws Exception {
        Layout l = new Layout(tmp);
        l.ensureDirs();
        assertNull(l.currentReleaseId("web-prod"));
        Path good = Files.createDirectories(l.stackReleasesDir("web-prod").resolve("v1__20260131T120000Z"));
        Files.createSymbolicLink(l.stackLink("web-prod"), good);
        assertEquals("v1__20260131T120000Z", l.currentReleaseId("web-prod"));
        Files.delete(l.stackLink("web-prod"));
        Files.createSymbolicLink(l.stackLink("web-prod"), Path.of("/etc"));
        assertThrows(Fail.class, () -> l.currentReleaseId("web-prod"));
        Files.delete(l.stackLink("web-prod"));
        Path other = Files.createDirectories(l.stackReleasesDir("api-prod").resolve("v1__20260131T120000Z"));
        Files.createSymbolicLink(l.stackLink("web-prod"), other);
        assertThrows(Fail.class, () -> l.currentReleaseId("web-prod"));
    }

    @Test
    void environmentFromSettingsOrName() throws Exception {
        StackSettings bare = StackSettings.load(tmp);
        assertEquals("production", bare.environmentOf("odoo18-prod"));
        assertEquals("production", bare.environmentOf("odoo18-production"));
        assertEquals("staging", bare.environmentOf("odoo18-staging"));
        assertEquals("staging", bare.environmentOf("odoo18-stg"));
        assertThrows(Fail.class, () -> bare.environmentOf("erp-seisei"));
        assertEquals(10, bare.keepReleases());
        assertEquals("IMAGE_REF", bare.primary().var);
        Files.writeString(tmp.resolve("stack.json"), "{\"environment\":\"production\",\"keep_releases\":3}");
        assertEquals("production", StackSettings.load(tmp).environmentOf("erp-seisei"));
        Files.writeString(tmp.resolve("stack.json"), "{\"environment\":\"prod\"}");
        assertThrows(Fail.class, () -> StackSettings.load(tmp));
        Files.writeString(tmp.resolve("stack.json"), "{\"hooks\":{\"pre_deploy\":\"../../bin/sh\"}}");
        assertThrows(Fail.class, () -> StackSettings.load(tmp));
        Files.writeString(tmp.resolve("stack.json"), "{broken");
        assertThrows(Fail.class, () -> StackSettings.load(tmp));
    }
}
