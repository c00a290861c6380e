package unit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import lib.model.CurrentManifest;
import lib.model.StackSettings;
import lib.status.Metrics;
import lib.status.StackState;
import org.junit.jupiter.api.Test;

class MetricsTest {

    static StackState state(String stack, String health, Boolean consistent) {
        StackState s = new StackState();
        s.stack = stack;
        s.env = "staging";
        s.image_tag = "v1";
        s.image_digest = "sha256:" + "a".repeat(64);
        s.release_id = "v1__20260101T000000Z";
        s.deployed_at_utc = "2026-01-01T00:00:01Z";
        s.health = health;
        s.consistent = consistent;
        s.settings = new StackSettings();
        s.settings.engine = "compose";
        s.manifest = new CurrentManifest();
        s.manifest.duration_ms = 2500L;
        return s;
    }

    @Test
    void oneFamilyPerMetricOneSamplePerStack() {
        StackState a = state("a-staging", "healthy", true);
        StackState b = state("b-prod", "unhealthy", false);
        b.break_glass = true;
        b.image_tag = "odd\"tag\\with\nnewline";
        b.deployed_at_utc = "not a time";
        b.manifest.duration_ms = null;
        b.locked = true;
        b.engineError = "cannot connect";
        String text = Metrics.render(List.of(a, b), Map.of("a-staging", 3));
        List<String> lines = text.lines().toList();
        assertTrue(text.endsWith("\n"));
        assertTrue(lines.contains("seisei_stack_info{stack=\"a-staging\",env=\"staging\",tag=\"v1\",digest=\"sha256:" + "a".repeat(64)
                + "\",release=\"v1__20260101T000000Z\",engine=\"compose\",break_glass=\"false\"} 1"), text);
        assertTrue(text.contains("tag=\"odd\\\"tag\\\\with\\nnewline\""), text);
        assertTrue(text.contains("break_glass=\"true\""), text);
        assertTrue(lines.contains("seisei_stack_last_deploy_timestamp_seconds{stack=\"a-staging\"} 1767225601"), text);
        assertFalse(text.contains("seisei_stack_last_deploy_timestamp_seconds{stack=\"b-prod\"}"), text);
        assertTrue(lines.contains("seisei_stack_last_deploy_duration_seconds{stack=\"a-staging\"} 2.500"), text);
        assertTrue(lines.contains("seisei_stack_healthy{stack=\"a-staging\"} 1") && lines.contains("seisei_stack_healthy{stack=\"b-prod\"} 0"));
        assertTrue(lines.contains("seisei_stack_agree{stack=\"a-staging\"} 1") && lines.contains("seisei_stack_agree{stack=\"b-prod\"} 0"));
        assertTrue(lines.contains("seisei_stack_deploy_in_progress{stack=\"b-prod\"} 1"));
        assertTrue(lines.contains("seisei_stack_release_dirs{stack=\"a-staging\"} 3"));
        assertFalse(text.contains("seisei_stack_release_dirs{stack=\"b-prod\"}"));
        assertTrue(lines.contains("seisei_status_engine_up 0"));
        for (String family : List.of("seisei_stack_info", "seisei_stack_healthy", "seisei_stack_agree", "seisei_status_engine_up")) {
            assertEquals(1, lines.stream().filter(l -> l.equals("# TYPE " + family + " gauge")).count(), family);
            assertEquals(1, lines.stream().filter(l -> l.startsWith("# HELP " + family + " ")).count(), family);
        }
        assertEquals("seisei_status_engine_up 1\n", Metrics.render(List.of(), Map.of()).lines()
                .filter(l -> !l.startsWith("#")).reduce("", (x, y) -> x + y + "\n"));
    }
}
