package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lib.engine.Inventory;
import lib.engine.ServiceImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryTest {
    @TempDir Path tmp;
    static final String D1 = "sha256:" + "1".repeat(64);

    @Test
    void parsesImageInspect() {
        String json = "[{\"Id\":\"sha256:aa\",\"RepoTags\":[\"app:v1\",\"app:latest\"],\"RepoDigests\":[\"app@" + D1 + "\"],\"Size\":1234},"
                + "{\"Id\":\"sha256:bb\",\"RepoTags\":[],\"RepoDigests\":[],\"Size\":5}]";
        List<Inventory.Image> images = Inventory.parseImageInspect(json);
        assertEquals(2, images.size());
        Inventory.Image a = images.get(0);
        assertEquals(List.of("sha256:aa", "1234"), List.of(a.id, Long.toString(a.size)));
        assertEquals(List.of("app:v1", "app:latest", "app@" + D1), a.references());
        assertNull(a.uniqueSize);
        assertEquals(List.of(), images.get(1).references());
        assertEquals(List.of(), Inventory.parseImageInspect(" "));
    }

    @Test
    void parsesDiskUsageAndUniqueSizes() {
        String df = "{\"Active\":\"2\",\"Reclaimable\":\"1.2GB (40%)\",\"Size\":\"3GB\",\"TotalCount\":\"7\",\"Type\":\"Images\"}\n"
                + "not json\n\n{\"Active\":\"1\",\"Reclaimable\":\"0B\",\"Size\":\"12kB\",\"TotalCount\":\"1\",\"Type\":\"Containers\"}\n";
        List<Inventory.DfRow> rows = Inventory.parseDiskUsage(df);
        assertEquals(2, rows.size());
        Inventory.DfRow i = rows.get(0);
        assertEquals(List.of("Images", "7", "2", "3GB", "1.2GB (40%)"), List.of(i.type, i.total_count, i.active, i.size, i.reclaimable));
        String verbose = "{\"Images\":[{\"ID\":\"sha256:aa\",\"UniqueSize\":\"1.5MB\"},{\"ID\":\"sha256:bb\",\"UniqueSize\":\"N/A\"}],"
                + "\"Containers\":[]}\n";
        assertEquals(Map.of("sha256:aa", 1_500_000L), Inventory.parseUniqueSizes(verbose));
        assertEquals(Map.of(), Inventory.parseUniqueSizes("garbage"));
    }

    @Test
    void imagesTheServicesOfAReleaseRun() throws Exception {
        Path f = tmp.resolve("docker-compose.yml");
        Files.writeString(f, String.join("\n",
                "services:",
                "  web:",
                "    image: ${IMAGE_REF}",
                "  db:",
                "    image: \"postgres:16\"  # pinned elsewhere",
                "  cache:",
                "      image: 'redis@" + D1 + "'",
                "  built:",
                "    build: .",
                "    # image: commented-out:1",
                ""));
        Files.writeString(tmp.resolve(".env"), "IMAGE_REF=app@" + D1 + "\n");
        assertEquals(List.of("app@" + D1, "postgres:16", "redis@" + D1), ServiceImages.of(tmp, null).named());
        assertThrows(lib.core.Fail.class, () -> ServiceImages.of(tmp.resolve("absent"), null));
    }
}
