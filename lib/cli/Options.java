package lib.cli;

import lib.core.Fail;
import lib.model.Layout;
import lib.model.Names;

import picocli.CommandLine.Option;

/** The options whose names and meanings are the same in every script (picocli mixins). */
public final class Options {
    private Options() {}

    public static class Root {
        @Option(names = "--root", paramLabel = "DIR", description = "Deploy root (default: $SEISEI_ROOT, else /srv).")
        public String root;

        public Layout layout() { return Layout.resolve(root); }
    }

    public static class Source {
        @Option(names = "--source", paramLabel = "DIR",
                description = "Stack sources (default: $SEISEI_SOURCE, else /opt/seisei-odoo-addons/infra/stacks).")
        public String source;

        public java.nio.file.Path dir() { return Layout.sourceDir(source); }
    }

    public static class Output {
        @Option(names = "--json", description = "Print the result as JSON on stdout (messages stay on stderr).")
        public boolean json;

        public Console console() { return new Console(json); }
    }

    /** --json, and --wide for the scripts that print tables. */
    public static class Tables extends Output {
        @Option(names = "--wide", description = "Print table cells whole. Without it, tables fit the terminal ($COLUMNS, else its width;"
                + " piped output is never shortened) and long cells end in an ellipsis.")
        public boolean wide;

        @Override
        public Console console() { return new Console(json, wide); }
    }

    public static class Who {
        @Option(names = "--actor", paramLabel = "NAME", description = "Who runs this (default: $SEISEI_ACTOR, $SUDO_USER, $USER).")
        public String actor;

        @Option(names = "--run-id", paramLabel = "ID", description = "CI run id to record.")
        public String runId;

        public String actor() {
            String a = actor;
            if (a == null) a = firstSet("SEISEI_ACTOR", "SUDO_USER", "USER", "LOGNAME");
            return Names.text("--actor", a == null ? "unknown" : a, 128, false);
        }

        public String runId() { return Names.text("--run-id", runId, 128, true); }

        private static String firstSet(String... vars) {
            for (String v : vars) {
                String s = System.getenv(v);
                if (s != null && !s.isBlank()) return s;
            }
            return null;
        }
    }

    public static class HealthWait {
        @Option(names = "--health-timeout", paramLabel = "SECONDS",
                description = "How long to wait for health (default: stack.json health.timeout_seconds, else 120).")
        public Integer healthTimeout;

        /** The option's value, checked; null when not given (the stack's own setting applies). */
        public Integer seconds() {
            if (healthTimeout != null && (healthTimeout < 1 || healthTimeout > 3600))
                throw Fail.usage("--health-timeout must be 1..3600 seconds");
            return healthTimeout;
        }
    }

    public static class LogLines {
        @Option(names = "--log-lines", paramLabel = "N", defaultValue = "50",
                description = "Log lines of each failing container to show and store when health fails (default: ${DEFAULT-VALUE}).")
        public int logLines;

        public int lines() {
            if (logLines < 0 || logLines > 100_000) throw Fail.usage("--log-lines must be 0..100000");
            return logLines;
        }
    }

    public static class LockWait {
        @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "30",
                description = "How long to wait for another deploy or rollback of the stack (default: ${DEFAULT-VALUE}).")
        public double lockWait;

        public double seconds() {
            if (lockWait < 0 || lockWait > 86400) throw Fail.usage("--lock-wait must be 0..86400 seconds");
            return lockWait;
        }
    }
}
