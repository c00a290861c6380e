package lib.engine;

import java.util.HashMap;
import java.util.Map;
import lib.cli.Console;
import lib.core.Fail;
import lib.model.StackSettings;

/** Gives the engine that runs a stack with given settings: what the flows are handed instead of building one. */
public interface Engines {
    Engine of(StackSettings settings);

    /**
     * The real engines: compose (v2 or v1, found once) or swarm as stack.json says, each made once
     * and shared by every stack asked about; an engine that cannot be found fails every time it is asked.
     */
    static Engines detect(Console console) {
        Map<String, Object> found = new HashMap<>();
        return settings -> {
            Object e;
            synchronized (found) {
                e = found.computeIfAbsent(settings.engine, k -> {
                    try {
                        return Engine.SWARM.equals(k) ? new SwarmEngine(console) : ComposeEngine.detect(console);
                    } catch (Fail f) {
                        return f;
                    }
                });
            }
            if (e instanceof Fail f) throw f;
            return (Engine) e;
        };
    }
}
