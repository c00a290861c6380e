package lib;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the compose builders against the real engine. */
public final class ComposeEngine {
    public final Compose compose;
    private final Console console;

    public ComposeEngine(Compose compose, Console console) {
        this.compose = compose;
        this.console = console;
    }

    public static ComposeEngine detect(Console console) {
        return new ComposeEngine(Compose.detect(), console);
    }

    public void pull(String stack, Path releaseDir) {
        Proc.of(compose.pull(stack, releaseDir)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                .check("pulling the images of " + stack);
    }

    public void up(String stack, Path releaseDir) {
        Proc.of(compose.up(stack, releaseDir)).timeout(Duration.ofMinutes(10)).progress(line -> console.progress("up: " + line))
                .check("starting " + stack);
    }

    public void down(String stack, Path releaseDir) {
        Proc.of(compose.down(stack, releaseDir)).timeout(Duration.ofMinutes(5)).check("stopping " + stack);
    }

    /** The stack's containers (running or not), from the engine. */
    public List<Container> containers(String stack) {
        return containersWhere(Docker.projectContainers(stack));
    }

    /** Every container on the engine. */
    public List<Container> allContainers() {
        return containersWhere(Docker.allContainers());
    }

    private List<Container> containersWhere(List<String> psCommand) {
        Proc.Result ids = Proc.of(psCommand).timeout(Duration.ofSeconds(30)).check("listing containers");
        List<String> list = new ArrayList<>(Arrays.stream(ids.stdout().split("\\s+")).filter(s -> !s.isBlank()).toList());
        if (list.isEmpty()) return List.of();
        Proc.Result r = Proc.of(Docker.inspect(list)).timeout(Duration.ofSeconds(30)).run();
        // a container removed between ps and inspect makes inspect fail for it alone; the others still print
        return Container.parseInspect(r.stdout());
    }

    /** The image references of {@code refs} that are not in the local image store. */
    public List<String> missingImages(List<String> refs) {
        List<String> missing = new ArrayList<>();
        for (String ref : refs) {
            if (!Proc.of(Docker.imageInspect(List.of(ref))).timeout(Duration.ofSeconds(30)).run().ok()) missing.add(ref);
        }
        return missing;
    }

    public void pullImage(String ref) {
        Proc.of(Docker.pull(ref)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                .check("pulling " + ref);
    }
}
