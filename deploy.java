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
//SOURCES lib/cli/Cli.java lib/cli/Console.java lib/cli/Flows.java lib/cli/Options.java lib/cli/Terminal.java
//SOURCES lib/core/AtomicFiles.java lib/core/Clock.java lib/core/Exit.java lib/core/Fail.java lib/core/Faults.java
//SOURCES lib/core/Http.java lib/core/Interrupts.java lib/core/Json.java lib/core/Parallel.java lib/core/Proc.java
//SOURCES lib/core/Sizes.java lib/core/SmallFiles.java lib/engine/Compose.java lib/engine/ComposeEngine.java
//SOURCES lib/engine/ComposeFile.java lib/engine/Container.java lib/engine/Diagnostics.java lib/engine/Docker.java
//SOURCES lib/engine/Engine.java lib/engine/Engines.java lib/engine/Health.java lib/engine/Images.java
//SOURCES lib/engine/Rollout.java lib/engine/Running.java lib/engine/ServiceImages.java lib/engine/Swarm.java
//SOURCES lib/engine/SwarmEngine.java lib/engine/SwarmFile.java lib/engine/SwarmServices.java lib/flow/Context.java
//SOURCES lib/flow/DeployFlow.java lib/flow/Gate.java lib/flow/Hooks.java lib/flow/Lifecycle.java lib/flow/Repair.java
//SOURCES lib/flow/Waits.java lib/history/Action.java lib/history/HistoryFormat.java lib/history/HistoryLog.java
//SOURCES lib/history/HistoryRecord.java lib/history/HistoryScan.java lib/history/LegacyLineFormat.java
//SOURCES lib/history/Outcome.java lib/history/ReleaseHistory.java lib/model/CurrentManifest.java
//SOURCES lib/model/DigestManifest.java lib/model/DotEnv.java lib/model/ImageRef.java lib/model/Layout.java
//SOURCES lib/model/Names.java lib/model/Release.java lib/model/StackLock.java lib/model/StackSettings.java
//SOURCES lib/model/VerificationRecord.java lib/registry/DockerCredentials.java lib/registry/ImageResolver.java
//SOURCES lib/registry/InsecureRegistries.java lib/registry/Proxies.java lib/registry/Registry.java
//SOURCES lib/registry/RegistryErrors.java lib/registry/Trust.java

import java.nio.file.Path;
import java.util.concurrent.Callable;
import lib.cli.Cli;
import lib.cli.Flows;
import lib.flow.DeployFlow;
import picocli.CommandLine.ArgGroup;
import lib.cli.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "deploy", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = "Deploy a tag of a stack, pinned by digest, into a new release dir; switch, health-check, record.",
        footer = {"%nExamples:",
                "  jbang deploy@seisei odoo18-staging staging sha-abc1234 --digest-file image-digests.json",
                "  jbang deploy@seisei odoo18-prod production sha-abc1234",
                "  jbang deploy@seisei odoo18-prod production sha-abc1234 --break-glass --reason \"hotfix INC-42\"",
                "  jbang deploy@seisei odoo18-staging staging sha-abc1234 --image ghcr.io/org/seisei-odoo18 --dry-run",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "deploy.java -n deploy deploy"})
class deploy implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STACK", description = "Stack name (a dir under --source).")
    String stack;

    @Parameters(index = "1", paramLabel = "ENV", description = "staging or production; must match the stack's own.")
    String env;

    @Parameters(index = "2", paramLabel = "TAG", description = "Image tag to deploy (resolved to a digest).")
    String tag;

    @Option(names = "--digest-file", paramLabel = "FILE", description = "image-digests.json from build-image / CI.")
    Path digestFile;

    @Option(names = "--image", paramLabel = "REPO", description = "Image repository when neither the digest file nor stack.json names it.")
    String image;

    @ArgGroup(exclusive = false, heading = "%nSkipping the production gate:%n")
    BreakGlass breakGlass;

    static class BreakGlass {
        @Option(names = "--break-glass", required = true, description = "Skip the production gate (needs --reason; recorded).")
        boolean on;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why the gate is skipped (recorded).")
        String reason;
    }

    @Option(names = "--dry-run", description = "Resolve, check the gate and print the plan; change nothing.")
    boolean dryRun;

    @Mixin Options.Who who;
    @Mixin Options.Root root;
    @Mixin Options.Source source;
    @Mixin Options.HealthWait health;
    @Mixin Options.LockWait lock;
    @Mixin Options.LogLines logs;
    @Mixin Options.Output output;

    @Override
    public Integer call() {
        var request = new DeployFlow.Request(stack, env, tag, digestFile == null ? null : digestFile.toAbsolutePath(), image,
                breakGlass == null ? null : breakGlass.reason, dryRun, source.dir(), Flows.waits(health, lock, logs));
        return new DeployFlow(Flows.context(root, who, output), request).run();
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new deploy(), args));
    }
}
