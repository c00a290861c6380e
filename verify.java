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
//SOURCES lib/engine/Diagnostics.java lib/engine/Docker.java lib/engine/Drift.java lib/engine/Engine.java
//SOURCES lib/engine/Engines.java lib/engine/Health.java lib/engine/Images.java lib/engine/Rollout.java
//SOURCES lib/engine/Running.java lib/engine/ServiceImages.java lib/engine/Swarm.java lib/engine/SwarmEngine.java
//SOURCES lib/engine/SwarmFile.java lib/engine/SwarmServices.java lib/flow/Context.java lib/flow/Hooks.java
//SOURCES lib/flow/Lifecycle.java lib/flow/Repair.java lib/flow/VerifyFlow.java lib/flow/Waits.java
//SOURCES lib/history/Action.java lib/history/HistoryFormat.java lib/history/HistoryLog.java
//SOURCES lib/history/HistoryRecord.java lib/history/HistoryScan.java lib/history/LegacyLineFormat.java
//SOURCES lib/history/Outcome.java lib/history/ReleaseHistory.java lib/model/CurrentManifest.java lib/model/DotEnv.java
//SOURCES lib/model/ImageRef.java lib/model/Layout.java lib/model/Names.java lib/model/Release.java
//SOURCES lib/model/StackLock.java lib/model/StackSettings.java lib/model/VerificationRecord.java
//SOURCES lib/registry/DockerCredentials.java lib/registry/InsecureRegistries.java lib/registry/Proxies.java
//SOURCES lib/registry/Registry.java lib/registry/RegistryErrors.java lib/registry/Trust.java lib/status/StackState.java

import java.util.concurrent.Callable;
import lib.cli.Cli;
import lib.cli.Flows;
import lib.cli.Options;
import lib.flow.VerifyFlow;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = "The production gate's verification records (mark, revoke, list) and drift checks of running stacks.",
        subcommands = {verify.Mark.class, verify.Upgrade.class, verify.Revoke.class, verify.ListRecords.class, verify.Check.class},
        footer = {"%nExamples:",
                "  jbang verify@seisei mark sha-abc1234 --from odoo18-staging --note \"QA ok\"",
                "  jbang verify@seisei upgrade sha-abc1234 --from odoo18-staging   # a legacy marker of the shell scripts",
                "  jbang verify@seisei list",
                "  jbang verify@seisei revoke sha-abc1234 --reason \"found a data bug\"",
                "  jbang verify@seisei check odoo18-prod",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "verify.java -n verify verify"})
class verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: mark, revoke, list or check");
    }

    @Command(name = "mark", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            description = {"Record that a person accepted what a staging stack runs under TAG: the tag, its digests (from the"
                    + " stack's manifest, checked against the running containers), who and when.",
                    "Refused, writing nothing, unless the staging stack runs TAG now, its link, manifest and containers agree,"
                    + " and it is healthy."},
            footer = {"%nExamples:",
                    "  jbang verify@seisei mark sha-abc1234 --from odoo18-staging",
                    "  jbang verify@seisei mark 1.4.2 --from web-staging --note \"QA sign-off\" --actor alice",
                    "%nRefusals: 2 the stack is unknown, not staging, or runs another tag; 6 the stack is not healthy;"
                    + " 7 its link, manifest, release dir or containers disagree.",
                    Cli.EXIT_CODES,
                    Cli.COMPLETION + "verify.java -n verify verify"})
    static class Mark implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TAG", description = "The tag that was tested.")
        String tag;

        @Option(names = "--from", required = true, paramLabel = "STAGING_STACK", description = "The staging stack where TAG was tested.")
        String from;

        @Option(names = "--note", paramLabel = "TEXT", description = "What was checked (recorded).")
        String note;

        @Mixin Options.Who who;
        @Mixin Options.Root root;
        @Mixin Options.HealthWait health;
        @Mixin Options.Output output;

        @Override
        public Integer call() {
            return new VerifyFlow(Flows.context(root, who, output)).mark(tag, from, note, Flows.waits(health, null, null));
        }
    }

    @Command(name = "upgrade", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            description = {"Turn the legacy marker of TAG (an empty file, as `touch releases/verified/TAG` made it) into a full record:"
                    + " the digests of the newest release of TAG on the staging stack that ran successfully, or that it runs now.",
                    "Refused, writing nothing, without a legacy marker or such a release."},
            footer = {"%nExamples:",
                    "  jbang verify@seisei upgrade sha-abc1234 --from odoo18-staging",
                    Cli.EXIT_CODES})
    static class Upgrade implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TAG", description = "The tag whose legacy marker is upgraded.")
        String tag;

        @Option(names = "--from", required = true, paramLabel = "STAGING_STACK", description = "The staging stack where TAG ran.")
        String from;

        @Option(names = "--note", paramLabel = "TEXT", description = "Recorded with the upgrade.")
        String note;

        @Mixin Options.Who who;
        @Mixin Options.Root root;
        @Mixin Options.Output output;

        @Override
        public Integer call() {
            return new VerifyFlow(Flows.context(root, who, output)).upgrade(tag, from, note);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            description = "Delete the verification record of TAG: production deploys of it are refused again until it is marked anew.",
            footer = {"%nExamples:",
                    "  jbang verify@seisei revoke sha-abc1234 --reason \"found a data bug\"",
                    Cli.EXIT_CODES,
                    Cli.COMPLETION + "verify.java -n verify verify"})
    static class Revoke implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TAG", description = "The tag whose record goes.")
        String tag;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the history).")
        String reason;

        @Mixin Options.Who who;
        @Mixin Options.Root root;
        @Mixin Options.Output output;

        @Override
        public Integer call() {
            return new VerifyFlow(Flows.context(root, who, output)).revoke(tag, reason);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            description = "List the verification records, newest first.",
            footer = {"%nExamples:",
                    "  jbang verify@seisei list",
                    "  jbang verify@seisei list --json",
                    "%nExit 7 when a record cannot be read (the gate would refuse its tag).",
                    Cli.EXIT_CODES,
                    Cli.COMPLETION + "verify.java -n verify verify"})
    static class ListRecords implements Callable<Integer> {
        @Mixin Options.Root root;
        @Mixin Options.Tables output;

        @Override
        public Integer call() {
            return new VerifyFlow(Flows.context(root, null, output)).list();
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
            description = {"Run a stack's health checks now and compare every running container's image with the release its"
                    + " manifest names (drift: a container replaced by hand, a missing service, an extra container).",
                    "Exit 0 only when both hold; 7 when not; 1 when the engine cannot be asked."},
            footer = {"%nExamples:",
                    "  jbang verify@seisei check odoo18-prod",
                    "  jbang verify@seisei check odoo18-prod --json",
                    Cli.EXIT_CODES,
                    Cli.COMPLETION + "verify.java -n verify verify"})
    static class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "STACK", description = "The stack to check.")
        String stack;

        @Mixin Options.Root root;
        @Mixin Options.Output output;

        @Override
        public Integer call() {
            return new VerifyFlow(Flows.context(root, null, output)).check(stack);
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new verify(), args));
    }
}
