///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//JAVAC_OPTIONS -XDstringConcat=inline -XDignore.symbol.file
//RUNTIME_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.22.4
//DEPS org.yaml:snakeyaml:2.5
//DEPS org.zeroturnaround:zt-exec:1.12
//DEPS org.fusesource.jansi:jansi:2.4.1
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES lib/cli/Cli.java lib/cli/Console.java lib/cli/Options.java lib/cli/Table.java lib/cli/Terminal.java
//SOURCES lib/core/AtomicFiles.java lib/core/Clock.java lib/core/Exit.java lib/core/Fail.java lib/core/Faults.java
//SOURCES lib/core/Http.java lib/core/Interrupts.java lib/core/Json.java lib/core/Parallel.java lib/core/Proc.java
//SOURCES lib/core/Sizes.java lib/core/SmallFiles.java lib/engine/Compose.java lib/engine/ComposeEngine.java
//SOURCES lib/engine/ComposeFile.java lib/engine/Container.java lib/engine/Docker.java lib/engine/Drift.java
//SOURCES lib/engine/Engine.java lib/engine/Engines.java lib/engine/Health.java lib/engine/Images.java
//SOURCES lib/engine/Rollout.java lib/engine/Running.java lib/engine/ServiceImages.java lib/engine/Swarm.java
//SOURCES lib/engine/SwarmEngine.java lib/engine/SwarmFile.java lib/engine/SwarmServices.java lib/history/Action.java
//SOURCES lib/history/HistoryFormat.java lib/history/HistoryLog.java lib/history/HistoryRecord.java
//SOURCES lib/history/HistoryScan.java lib/history/LegacyLineFormat.java lib/history/Outcome.java
//SOURCES lib/history/ReleaseHistory.java lib/model/CurrentManifest.java lib/model/DotEnv.java lib/model/ImageRef.java
//SOURCES lib/model/Layout.java lib/model/Names.java lib/model/Release.java lib/model/StackLock.java
//SOURCES lib/model/StackSettings.java lib/model/VerificationRecord.java lib/status/Metrics.java
//SOURCES lib/status/StackState.java lib/status/StatusReport.java lib/status/TakeoverReport.java

import java.util.concurrent.Callable;
import lib.cli.Cli;
import lib.cli.Options;
import lib.status.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = {"Without STACK: a table of every stack under the root (environment, tag, digest, deployed at and by whom,"
                + " break-glass, health, and whether link, manifest and containers agree) and the recent history.",
                "With STACK: its full manifest, link, containers with their images and health, and its last history records.",
                "Read-only. Exit 0 when everything agrees (health is shown, not judged), 7 when a link, manifest, release dir"
                + " or the containers disagree, 1 when the engine cannot be asked, 2 for an unknown stack."},
        footer = {"%nExamples:",
                "  jbang status@seisei",
                "  jbang status@seisei odoo18-prod --history 20",
                "  jbang status@seisei odoo18-prod --logs 100",
                "  jbang status@seisei --json",
                "  jbang status@seisei --takeover --root /srv       # before the first deploy on a root of the shell scripts",
                "  jbang status@seisei --format prometheus > /var/lib/node_exporter/seisei.prom.tmp"
                        + " && mv /var/lib/node_exporter/seisei.prom.tmp /var/lib/node_exporter/seisei.prom",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "status.java -n status status"})
class status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "STACK", description = "One stack (default: all).")
    String stack;

    @Option(names = "--history", paramLabel = "N", defaultValue = "5", description = "How many history records to show (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--logs", paramLabel = "N", arity = "0..1", fallbackValue = "50", defaultValue = "0",
            description = "With STACK: also the last N log lines of each container (N default 50).")
    int logs;

    @Option(names = "--takeover", description = "Read-only: what the tool will make of this root before it takes it over from the"
            + " shell scripts (releases and how each is judged, manifests it will rewrite, history lines it cannot read, containers"
            + " under old compose projects, legacy verification markers). Exit 0 when nothing needs a person, else 7.")
    boolean takeover;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default), json (the same as --json), or prometheus: every stack as Prometheus text-format"
                    + " metrics for node_exporter's textfile collector (exit 0 whenever they were written; see README, status).")
    String format;

    @Mixin Options.Root root;
    @Mixin Options.Tables output;

    @Override
    public Integer call() {
        if (!java.util.List.of("table", "json", "prometheus").contains(format))
            throw lib.core.Fail.usage("--format must be table, json or prometheus, not " + lib.model.Names.quote(format));
        boolean prometheus = format.equals("prometheus");
        if (prometheus && output.json) throw lib.core.Fail.usage("--format prometheus and --json exclude each other");
        if (prometheus && stack != null) throw lib.core.Fail.usage("--format prometheus reports every stack; leave STACK out");
        if (format.equals("json")) output.json = true;
        if (takeover) {
            if (stack != null || prometheus) throw lib.core.Fail.usage("--takeover looks at the whole root; it takes no STACK and no --format prometheus");
            var console = output.console();
            return new lib.status.TakeoverReport(root.layout(), console, lib.engine.Engines.detect(console)).run();
        }
        StatusReport report = new StatusReport(root.layout(), output.console());
        if (logs < 0 || logs > 100_000) throw lib.core.Fail.usage("--logs must be 0..100000");
        if (logs > 0 && stack == null) throw lib.core.Fail.usage("--logs needs a STACK");
        if (prometheus) return report.prometheus();
        return stack == null ? report.all(history) : report.one(stack, history, logs);
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new status(), args));
    }
}
