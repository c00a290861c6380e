package lib.engine;

import lib.cli.Console;
import lib.core.AtomicFiles;
import lib.core.Fail;
import lib.core.Proc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What an operator needs when a release is unhealthy: each failing container's logs and health probes. */
public final class Diagnostics {
    private Diagnostics() {}

    public static final int LOG_LINES = 50;

    public static final String FILE = "diagnostics.txt";

    /** Prints the diagnostics and stores them as diagnostics.txt in the failed release dir; returns that file. */
    public static String printAndStore(Console console, Engine engine, String stack, Health.Report report, java.nio.file.Path releaseDir,
                                       int logLines) {
        String text = print(console, engine, stack, report, logLines);
        java.nio.file.Path file = releaseDir.resolve(FILE);
        try {
            AtomicFiles.write(file, "unhealthy: " + report.summary() + "\n" + text + "\n");
            return file.toString();
        } catch (Fail f) {
            console.warn("could not store the diagnostics: " + f.oneLine());
            return null;
        }
    }

    /** Prints the diagnostics and returns the same text. */
    public static String print(Console console, Engine engine, String stack, Health.Report report, int logLines) {
        List<String> out = new ArrayList<>();
        List<Container> failing = new ArrayList<>();
        for (Container c : report.containers()) if (!c.running() || (c.health != null && !c.health.equals("healthy"))) failing.add(c);
        try {
            engine.probes(failing);
        } catch (Fail f) {
            out.add("health probes unavailable: " + f.oneLine());
        }
        for (Container c : failing) {
            out.add("--- " + c.name + " (" + c.state + (c.health == null ? "" : ", " + c.health) + ")");
            if (!c.health_log.isEmpty()) {
                out.add("health probes (newest last):");
                for (String p : c.health_log) out.add("  " + p);
            }
            try {
                Proc.Result logs = Proc.of(engine.logs(c, logLines)).timeout(Duration.ofSeconds(20)).run();
                out.add("last " + logLines + " log lines:");
                for (String l : (logs.stdout() + logs.stderr()).split("\n")) if (!l.isBlank()) out.add("  " + l);
            } catch (Fail f) {
                out.add("logs unavailable: " + f.oneLine());
            }
            out.add("more: " + engine.more(c));
        }
        for (String l : out) console.progress(l);
        return String.join("\n", out);
    }
}
