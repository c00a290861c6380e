///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//JAVAC_OPTIONS -XDstringConcat=inline -XDignore.symbol.file
//RUNTIME_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.22.4
//DEPS org.zeroturnaround:zt-exec:1.12
//DEPS org.fusesource.jansi:jansi:2.4.1
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES lib/build/BuildCommands.java lib/build/BuildFlow.java lib/build/BuildTags.java lib/build/Git.java
//SOURCES lib/build/ServiceMap.java lib/cli/Cli.java lib/cli/Console.java lib/cli/Options.java lib/cli/Terminal.java
//SOURCES lib/core/AtomicFiles.java lib/core/Clock.java lib/core/Exit.java lib/core/Fail.java lib/core/Faults.java
//SOURCES lib/core/Http.java lib/core/Interrupts.java lib/core/Json.java lib/core/Proc.java lib/core/Sizes.java
//SOURCES lib/core/SmallFiles.java lib/model/CurrentManifest.java lib/model/DigestManifest.java lib/model/DotEnv.java
//SOURCES lib/model/ImageRef.java lib/model/Layout.java lib/model/Names.java lib/model/Release.java
//SOURCES lib/model/StackSettings.java lib/registry/DockerCredentials.java lib/registry/InsecureRegistries.java
//SOURCES lib/registry/Proxies.java lib/registry/Registry.java lib/registry/RegistryErrors.java lib/registry/Trust.java

import java.nio.file.Path;
import java.util.concurrent.Callable;
import lib.build.BuildFlow;
import lib.cli.Cli;
import lib.cli.Options;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build-image", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = {"Build a service's image from the git checkout in the current directory, tagged from git, with OCI labels;"
                + " with --push push every tag, read the manifest digest back from the registry and write image-digests.json.",
                "",
                "Tags: sha-<sha7> always; <branch>-<sha7>; for a version v1.2.3 (the argument, else a version tag on HEAD)"
                + " also 1.2.3, 1.2 and 1 (v0.x: no major tag; a pre-release such as v1.2.3-rc.1: only 1.2.3-rc.1);"
                + " latest only on the default branch. With --allow-dirty every tag ends in -dirty and there is no latest.",
                "Immutable tags (sha-<sha7>, full versions) are never overwritten: when the registry has one with other"
                + " content the push is refused before anything is pushed; with the same content it is left as it is."
                + " latest, major, minor, branch and -dirty tags move.",
                "Labels: org.opencontainers.image.source (the origin remote as https), revision (full sha), created (the commit's"
                + " time, so that rebuilding a commit can give the same image), version, title (the image name).",
                ""},
        footer = {"%nService map (seisei-services.json at the top of the checkout, or --services FILE):",
                "  {",
                "    \"registry\": \"ghcr.io/acme\",",
                "    \"services\": {",
                "      \"odoo18\": {",
                "        \"image\": \"seisei-odoo18\",",
                "        \"context\": \".\",",
                "        \"dockerfile\": \"infra/odoo18/Dockerfile\",",
                "        \"build_args\": {\"ODOO_VERSION\": \"18.0\"}",
                "      }",
                "    }",
                "  }",
                "  Only image is required; context defaults to \".\", dockerfile to CONTEXT/Dockerfile; paths are",
                "  relative to the top of the checkout and may not leave it. registry is the prefix when",
                "  neither --registry nor $SEISEI_REGISTRY gives one.",
                "%nExamples:",
                "  jbang build-image@seisei odoo18 --dry-run",
                "  jbang build-image@seisei odoo18 --push --yes --registry ghcr.io/acme",
                "  jbang build-image@seisei odoo18 v1.4.2 --push --yes",
                "  SEISEI_REGISTRY=127.0.0.1:5000/team jbang build-image@seisei web --push -y --digest-file dist/d.json",
                "%nRefusals (nothing pushed, no digest file written): 2 not a git checkout, unknown service, missing Dockerfile,"
                + " invalid version, dirty work tree, digest file of another commit, --push without --yes and without a terminal;"
                + " 1 docker build or push failed, the registry is unreachable, an immutable tag exists with other content.",
                Cli.EXIT_CODES,
                Cli.COMPLETION + "build-image.java -n build-image build_image"})
class build_image implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SERVICE", description = "A service of the service map.")
    String service;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION",
            description = "A semantic version such as v1.2.3 or v1.2.3-rc.1 (default: a version tag on HEAD, if any).")
    String version;

    @Option(names = "--push", description = "Push every tag, read back the manifest digest and write the digest file.")
    boolean push;

    @Option(names = {"-y", "--yes"}, description = "Push without asking (needed without a terminal, unless $CI is set).")
    boolean yes;

    @Option(names = "--registry", paramLabel = "PREFIX",
            description = "Registry prefix; the image is PREFIX/IMAGE (default: $SEISEI_REGISTRY, else \"registry\" in the service map).")
    String registry;

    @Option(names = "--digest-file", paramLabel = "FILE",
            description = "The digest manifest to write or merge with --push (default: ./image-digests.json).")
    Path digestFile;

    @Option(names = "--fresh", description = "Start a new digest file when the existing one is from another git sha.")
    boolean fresh;

    @Option(names = "--allow-dirty", description = "Build a work tree with uncommitted changes; every tag ends in -dirty.")
    boolean allowDirty;

    @Option(names = "--dry-run", description = "Print the tags, labels and commands; build and push nothing.")
    boolean dryRun;

    @Option(names = "--services", paramLabel = "FILE", description = "The service map (default: seisei-services.json at the top of the checkout).")
    Path services;

    @Option(names = "--default-branch", paramLabel = "BRANCH",
            description = "The branch that gets latest (default: origin/HEAD, else main if it exists, else master).")
    String defaultBranch;

    @Option(names = "--branch", paramLabel = "BRANCH",
            description = "The branch being built when HEAD is detached, as in some CI checkouts (default: the checked-out branch).")
    String branch;

    @Mixin Options.Output output;

    @Override
    public Integer call() {
        BuildFlow.Request q = new BuildFlow.Request();
        q.service = service;
        q.version = version;
        q.push = push;
        q.yes = yes;
        q.registry = registry;
        q.digestFile = digestFile;
        q.fresh = fresh;
        q.allowDirty = allowDirty;
        q.dryRun = dryRun;
        q.services = services;
        q.defaultBranch = defaultBranch;
        q.branch = branch;
        q.dir = Path.of("").toAbsolutePath();
        return new BuildFlow(q, output.console()).run();
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new build_image(), args));
    }
}
