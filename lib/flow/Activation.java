package lib.flow;

import lib.cli.Console;
import lib.core.AtomicFiles;
import lib.core.Fail;
import lib.core.Faults;
import lib.engine.Engine;
import lib.engine.Health;
import lib.model.Layout;
import lib.model.StackSettings;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Making a release live, shared by deploy and rollback: switch the stack link to the release dir
 * atomically, start it with the stack's engine, wait for health. Also puts a previous release back when
 * a new one fails.
 */
public final class Activation {
    private final Layout layout;
    private final Engine engine;
    private final Health health;
    private final Console console;

    public Activation(Layout layout, Engine engine, Console console) {
        this.layout = layout;
        this.engine = engine;
        this.health = new Health(engine, console);
        this.console = console;
    }

    public Engine engine() { return engine; }

    /** Switches to {@code releaseId}, brings it up and waits for health. An `up` failure is an unhealthy report. */
    public Health.Report activate(String stack, String releaseId, int timeoutSeconds) {
        Path dir = layout.releaseDir(stack, releaseId);
        StackSettings settings = StackSettings.load(dir);
        console.step("switching " + layout.stackLink(stack) + " -> " + releaseId);
        AtomicFiles.switchLink(layout.stackLink(stack), dir);
        Faults.point("after-switch");
        console.step("starting " + stack + " (" + engine.upDescription() + ")");
        try {
            engine.up(stack, dir);
        } catch (Fail f) {
            return new Health.Report(false, true, java.util.List.of(f.oneLine()), java.util.List.of());
        }
        Faults.point("after-up");
        console.step("waiting for " + stack + " to be healthy (up to " + timeoutSeconds + "s)");
        return health.await(stack, dir, settings, timeoutSeconds);
    }

    /** With no release to go back to: stop the stack's containers and remove the link, as before the first deploy. */
    public void retire(String stack, String releaseId) {
        Path dir = layout.releaseDir(stack, releaseId);
        try {
            engine.down(stack, dir);
        } catch (Fail f) {
            console.warn("could not stop " + stack + ": " + f.oneLine());
        }
        try {
            Files.deleteIfExists(layout.stackLink(stack));
            AtomicFiles.fsyncDir(layout.stacksDir());
        } catch (java.io.IOException e) {
            throw Fail.failed("cannot remove " + layout.stackLink(stack) + ": " + e.getMessage(), e);
        }
    }

    public static boolean releaseExists(Layout layout, String stack, String releaseId) {
        return releaseId != null && Files.isDirectory(layout.releaseDir(stack, releaseId), LinkOption.NOFOLLOW_LINKS);
    }
}
