package it;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import support.World;

/**
 * The README's first command runs green end to end and tears down. It runs beside other classes:
 * its stacks, ports, image repository and .work/demo are names no other test uses, and the engine
 * it starts is the one the suite started already.
 */
@Order(5) // long: started early (tests/run.java)
class DemoIT {
    @Test
    void demoRunsEndToEnd() {
        try (World w = new World()) {
            World.Run r = w.exec(List.of(World.REPO.resolve("demo").toString()), Map.of());
            String out = r.all();
            assertEquals(0, r.exit(), out.length() > 4000 ? out.substring(out.length() - 4000) : out);
            assertTrue(out.contains("(refused with exit 3, as it should)"), "the gate refused the unverified tag");
            assertTrue(out.contains("(deploy exited 5: unhealthy"), "the broken release was rolled back");
            assertTrue(out.contains("rolled back hello-prod from"), "production was rolled back a step");
            assertTrue(out.contains("dry run: nothing was deleted"), "clean-images dry run");
            assertTrue(out.contains("tear down with: ./demo down"));
            World.Run down = w.exec(List.of(World.REPO.resolve("demo").toString(), "down"), Map.of());
            assertEquals(0, down.exit(), down.toString());
            assertTrue(World.containers("hello-staging").isEmpty());
            assertTrue(World.containers("hello-prod").isEmpty());
        }
    }
}
