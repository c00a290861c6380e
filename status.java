///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//JAVAC_OPTIONS -XDstringConcat=inline
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.22.4
//DEPS org.zeroturnaround:zt-exec:1.12
//DEPS commons-io:commons-io:2.18.0
//DEPS org.fusesource.jansi:jansi:2.4.1
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES lib/AtomicFiles.java lib/Cli.java lib/Clock.java lib/Compose.java lib/ComposeEngine.java lib/Console.java
//SOURCES lib/Container.java lib/CurrentManifest.java lib/Docker.java lib/Drift.java lib/Exit.java lib/Fail.java
//SOURCES lib/Health.java lib/HistoryLog.java lib/HistoryScan.java lib/HistoryRecord.java lib/ImageRef.java lib/Json.java lib/Layout.java
//SOURCES lib/Names.java lib/Options.java lib/Proc.java lib/Release.java lib/ReleaseHistory.java lib/ServiceImages.java lib/StackLock.java
//SOURCES lib/StackSettings.java lib/StackState.java lib/StatusReport.java lib/Table.java
//SOURCES lib/DotEnv.java lib/Engine.java lib/Swarm.java lib/SwarmEngine.java lib/SwarmFile.java lib/SwarmServices.java lib/Faults.java lib/Http.java

import java.util.concurrent.Callable;
import lib.Cli;
import lib.Options;
import lib.StatusReport;
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
                Cli.EXIT_CODES})
class status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "STACK", description = "One stack (default: all).")
    String stack;

    @Option(names = "--history", paramLabel = "N", defaultValue = "5", description = "How many history records to show (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--logs", paramLabel = "N", arity = "0..1", fallbackValue = "50", defaultValue = "0",
            description = "With STACK: also the last N log lines of each container (N default 50).")
    int logs;

    @Mixin Options.Root root;
    @Mixin Options.Output output;

    @Override
    public Integer call() {
        StatusReport report = new StatusReport(root.layout(), output.console());
        if (logs < 0 || logs > 100_000) throw lib.Fail.usage("--logs must be 0..100000");
        if (logs > 0 && stack == null) throw lib.Fail.usage("--logs needs a STACK");
        return stack == null ? report.all(history) : report.one(stack, history, logs);
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new status(), args));
    }
}
