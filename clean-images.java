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
//SOURCES lib/build/BuildTags.java lib/clean/CleanPlan.java lib/clean/Cleaner.java lib/clean/RegistryCleanInputs.java
//SOURCES lib/clean/RegistryCleanPlan.java lib/clean/RegistryCleaner.java lib/clean/ReleaseDirs.java
//SOURCES lib/clean/SuccessfulReleases.java lib/cli/Cli.java lib/cli/Consent.java lib/cli/Console.java
//SOURCES lib/cli/Options.java lib/cli/Table.java lib/cli/Terminal.java lib/core/AtomicFiles.java lib/core/Clock.java
//SOURCES lib/core/Exit.java lib/core/Fail.java lib/core/Faults.java lib/core/Http.java lib/core/Interrupts.java
//SOURCES lib/core/Json.java lib/core/Parallel.java lib/core/Proc.java lib/core/Sizes.java lib/core/SmallFiles.java
//SOURCES lib/engine/Compose.java lib/engine/ComposeFile.java lib/engine/Container.java lib/engine/Docker.java
//SOURCES lib/engine/Engine.java lib/engine/Inventory.java lib/engine/Running.java lib/engine/ServiceImages.java
//SOURCES lib/engine/Swarm.java lib/engine/SwarmServices.java lib/history/Action.java lib/history/HistoryFormat.java
//SOURCES lib/history/HistoryLine.java lib/history/HistoryLog.java lib/history/HistoryRecord.java
//SOURCES lib/history/HistoryScan.java lib/history/LegacyLineFormat.java lib/history/Outcome.java
//SOURCES lib/model/CurrentManifest.java lib/model/DigestManifest.java lib/model/DotEnv.java lib/model/ImageRef.java
//SOURCES lib/model/Layout.java lib/model/Names.java lib/model/Release.java lib/model/StackLock.java
//SOURCES lib/model/StackSettings.java lib/model/VerificationRecord.java lib/registry/DockerCredentials.java
//SOURCES lib/registry/InsecureRegistries.java lib/registry/Proxies.java lib/registry/Registry.java
//SOURCES lib/registry/RegistryErrors.java lib/registry/Trust.java

import java.util.concurrent.Callable;
import lib.clean.CleanPlan;
import lib.clean.Cleaner;
import lib.cli.Cli;
import lib.cli.Options;
import lib.clean.RegistryCleaner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "clean-images", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = {"Deletes old release dirs and the local images no kept release needs, and shows the disk usage before and after.",
                "Releases: per stack, every dir is kept until the newest N successful releases are kept (N: --keep, else the live"
                        + " release's stack.json keep_releases, else " + CleanPlan.DEFAULT_KEEP + "); older dirs are deleted, failed ones"
                        + " first. The live release is never deleted; incomplete dirs and leftovers of interrupted runs are. A stack being"
                        + " deployed (its lock is held) is skipped.",
                "Images: those of the stacks' repositories that no kept release of any stack pins and no container (running or"
                        + " stopped) uses; --all: also unused images of other repositories; --dangling: only untagged images, no release dir.",
                "Registry (--registry REPOSITORY): deletes old tags of one repository in its registry, by digest. Kept: the tags of"
                        + " the newest N images among immutable tags (sha-..., full versions; N: --keep, else " + CleanPlan.DEFAULT_KEEP
                        + "), moving tags (latest, 1, 1.2, branches), every tag and digest a release dir, a current manifest or a"
                        + " verification record under the root names, and every tag that shares a digest with a kept one."
                        + " The registry must allow deletes; space comes back when its garbage collection runs.",
                "Deleting needs --yes or a y on the terminal; --dry-run only lists."},
        footer = {"%nExamples:",
                "  jbang clean-images@seisei --dry-run",
                "  jbang clean-images@seisei --keep 10 --yes",
                "  jbang clean-images@seisei odoo18-prod --keep 20",
                "  jbang clean-images@seisei --dangling --yes",
                "  jbang clean-images@seisei --all --dry-run --json",
                "  jbang clean-images@seisei --registry ghcr.io/org/seisei-odoo18 --keep 20 --dry-run",
                "%nWithout --yes and without a terminal to ask on, nothing is deleted: the plan is printed and the exit code is 2.",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "clean-images.java -n clean-images clean_images"})
class clean_images implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "STACK", description = "Clean only this stack's releases and images (default: every stack).")
    String stack;

    @Option(names = "--keep", paramLabel = "N", description = "Successful releases to keep per stack (default: stack.json keep_releases, else "
            + CleanPlan.DEFAULT_KEEP + "); with --registry, the newest images of immutable tags to keep (default " + CleanPlan.DEFAULT_KEEP + ").")
    Integer keep;

    @Option(names = "--registry", paramLabel = "REPOSITORY",
            description = "Clean this repository in its registry instead of this host: delete old immutable tags by digest (see above).")
    String registry;

    @Option(names = "--dangling", description = "Remove only dangling (untagged) images no release pins and no container uses; no release dir is touched.")
    boolean dangling;

    @Option(names = "--all", description = "Also remove unused images outside the stacks' repositories.")
    boolean all;

    @Option(names = "--dry-run", description = "List what would go and the space it frees; change nothing.")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "Delete without asking.")
    boolean yes;

    @Mixin Options.Who who;
    @Mixin Options.Root root;
    @Mixin Options.Tables output;

    @Override
    public Integer call() {
        Cleaner.Request q = new Cleaner.Request();
        q.stack = stack;
        q.registry = registry;
        q.keep = keep;
        q.dangling = dangling;
        q.all = all;
        q.dryRun = dryRun;
        q.yes = yes;
        q.layout = root.layout();
        q.actor = who.actor();
        q.runId = who.runId();
        return registry != null ? new RegistryCleaner(q, output.console()).run() : new Cleaner(q, output.console()).run();
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new clean_images(), args));
    }
}
