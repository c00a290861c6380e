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
//SOURCES lib/cli/Cli.java lib/cli/Console.java lib/cli/Flows.java lib/cli/Options.java lib/cli/Table.java
//SOURCES lib/cli/Terminal.java lib/core/AtomicFiles.java lib/core/Clock.java lib/core/Exit.java lib/core/Fail.java
//SOURCES lib/core/Faults.java lib/core/Http.java lib/core/Interrupts.java lib/core/Json.java lib/core/Parallel.java
//SOURCES lib/core/Proc.java lib/core/Sizes.java lib/core/SmallFiles.java lib/engine/Compose.java
//SOURCES lib/engine/ComposeEngine.java lib/engine/ComposeFile.java lib/engine/Container.java
//SOURCES lib/engine/Diagnostics.java lib/engine/Docker.java lib/engine/Engine.java lib/engine/Engines.java
//SOURCES lib/engine/Health.java lib/engine/Images.java lib/engine/Rollout.java lib/engine/Running.java
//SOURCES lib/engine/ServiceImages.java lib/engine/Swarm.java lib/engine/SwarmEngine.java lib/engine/SwarmFile.java
//SOURCES lib/engine/SwarmServices.java lib/flow/Context.java lib/flow/Hooks.java lib/flow/Lifecycle.java
//SOURCES lib/flow/Repair.java lib/flow/RollbackFlow.java lib/flow/Waits.java lib/history/Action.java
//SOURCES lib/history/HistoryFormat.java lib/history/HistoryLog.java lib/history/HistoryRecord.java
//SOURCES lib/history/HistoryScan.java lib/history/LegacyLineFormat.java lib/history/Outcome.java
//SOURCES lib/history/ReleaseHistory.java lib/model/CurrentManifest.java lib/model/DotEnv.java lib/model/ImageRef.java
//SOURCES lib/model/Layout.java lib/model/Names.java lib/model/Release.java lib/model/StackLock.java
//SOURCES lib/model/StackSettings.java lib/registry/DockerCredentials.java lib/registry/InsecureRegistries.java
//SOURCES lib/registry/Proxies.java lib/registry/Registry.java lib/registry/RegistryErrors.java lib/registry/Trust.java

import java.util.concurrent.Callable;
import lib.cli.Cli;
import lib.cli.Flows;
import lib.cli.Options;
import lib.flow.RollbackFlow;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = "Put an earlier release of a stack back: link switch, up, health check; no pull needed.",
        footer = {"%nExamples:",
                "  jbang rollback@seisei odoo18-prod production                 # one successful deploy back",
                "  jbang rollback@seisei odoo18-prod production --steps 2",
                "  jbang rollback@seisei odoo18-prod production --to sha-abc1234__20260131T120000Z",
                "  jbang rollback@seisei odoo18-prod production --list",
                "  jbang rollback@seisei odoo18-prod production --show-current --json",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "rollback.java -n rollback rollback"})
class rollback implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STACK", description = "Stack name.")
    String stack;

    @Parameters(index = "1", paramLabel = "ENV", description = "staging or production; must match the stack's own.")
    String env;

    @ArgGroup(exclusive = true)
    Target target;

    static class Target {
        @Option(names = "--steps", paramLabel = "N", description = "Go back N successful deploys (default 1).")
        Integer steps;

        @Option(names = "--to", paramLabel = "RELEASE_ID|TAG", description = "Go to this release (or the newest successful one of this tag).")
        String to;
    }

    @Option(names = "--list", description = "List the successful releases to go back to, newest first.")
    boolean list;

    @Option(names = "--show-current", description = "Show what runs now.")
    boolean showCurrent;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the history).")
    String reason;

    @Option(names = "--dry-run", description = "Print the target and change nothing.")
    boolean dryRun;

    @Mixin Options.Who who;
    @Mixin Options.Root root;
    @Mixin Options.HealthWait health;
    @Mixin Options.LockWait lock;
    @Mixin Options.LogLines logs;
    @Mixin Options.Tables output;

    @Override
    public Integer call() {
        var request = new RollbackFlow.Request(stack, env, target == null ? null : target.steps, target == null ? null : target.to,
                list, showCurrent, reason, dryRun, Flows.waits(health, lock, logs));
        return new RollbackFlow(Flows.context(root, who, output), request).run();
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new rollback(), args));
    }
}
