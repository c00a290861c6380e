package lib.engine;

import lib.cli.Console;
import lib.model.ImageRef;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.util.List;

/**
 * What runs a release: Docker Compose on this machine, or Docker Swarm from a manager node. The
 * flows above it (validation, resolution, gate, release dirs, link, manifest, history, lock, hooks)
 * are the same for both; stack.json's "engine" chooses the adapter.
 */
public interface Engine {
    String COMPOSE = "compose";
    String SWARM = "swarm";

    /** What the engine reports about a stack: its containers (swarm: its tasks) and what is wrong. */
    record Observation(List<Container> containers, List<String> problems, boolean settled) {}

    String name();

    /** Step 1: refuses a release source the engine cannot run, before anything is written. */
    void validate(String stack, Path sourceDir);

    /** Step 6: makes the release's images available; a failure here changes nothing. */
    void pull(String stack, Path releaseDir);

    /** Rollback: makes sure the images a release pins can start, without a full pull. */
    void ensureImages(List<String> refs);

    /** Makes {@code releaseDir} the running release of {@code stack}. */
    void up(String stack, Path releaseDir);

    /** What {@link #up} does, for progress output. */
    String upDescription();

    /** What {@link #up} does for a release with {@code settings} (a start-first rollout says so), for progress output. */
    default String upDescription(StackSettings settings) { return upDescription(); }

    /**
     * Called once a release brought up by {@link #up} is healthy. For a start-first rollout (stack.json
     * "rollout") the new containers of the listed services join the network the proxy finds them on,
     * and the old ones serve for the drain time, then are stopped and removed; nothing for other
     * stacks. A failure to put the new containers in service fails; one stopping the old ones is a warning.
     */
    default void promote(String stack, Path releaseDir, StackSettings settings) {}

    /** Stops and removes the stack. */
    void down(String stack, Path releaseDir);

    /**
     * One look at the stack. {@code releaseDir} (null: any release) and {@code pinned} (the release's
     * pinned images, may be empty) say what should run. Containers of the stack under an old compose
     * project are looked for in the dir holding {@code releaseDir}.
     */
    Observation observe(String stack, Path releaseDir, StackSettings settings, java.util.Map<String, ImageRef> pinned);

    /**
     * Reads what the engine runs for all of {@code stacks} at once, with a fixed number of queries
     * whatever their number: stack name to the dir holding its releases (null: none known). Null
     * when the engine has no such reading (each stack is then looked at alone).
     */
    default Running look(java.util.Map<String, Path> stacks) { return null; }

    /** {@link #observe(String, Path, StackSettings, java.util.Map)} from a reading {@link #look} made (null: look now). */
    default Observation observe(Running seen, String stack, Path releaseDir, StackSettings settings, java.util.Map<String, ImageRef> pinned) {
        return observe(stack, releaseDir, settings, pinned);
    }

    /**
     * The command that follows the engine's events for the stack's containers from {@code since} to
     * {@code until} (Unix seconds), one line per change that may move its health: what a health wait
     * wakes up on. It ends by itself at {@code until}, even when the waiting process was killed.
     */
    List<String> events(String stack, String since, String until);

    /**
     * What each service of the release is configured to run, without starting a process (its record
     * in release.json, else its files); null when the engine cannot say.
     */
    ServiceImages serviceImages(String stack, Path releaseDir);

    /** Adds the health probes' log to those of {@code containers} that have a healthcheck and no log yet (diagnostics). */
    default void probes(List<Container> containers) {}

    /** The command printing the last {@code lines} log lines of a container (swarm: a task). */
    List<String> logs(Container c, int lines);

    /** The commands an operator runs to see more about {@code c}. */
    String more(Container c);

    /**
     * The stack's containers that run under another compose project: those whose project dir lies
     * inside {@code stackReleases} but whose project is not the stack (the source documents' shell
     * scripts ran `docker-compose up -d` inside the release dir, so the project is the dir's name).
     * Deploy and rollback take them over: stopped right before the stack's own `up`, removed once the
     * new release is healthy, started again when it is not and no release of the tool's own can come back.
     */
    default List<Container> foreign(String stack, Path stackReleases) { return List.of(); }

    /** Stops, starts or removes containers listed by {@link #foreign}. */
    default void stopContainers(List<String> ids) {}

    default void startContainers(List<String> ids) {}

    default void removeContainers(List<String> ids) {}

    /** One look at the given containers: each runs, and is healthy where it has a healthcheck. */
    default Observation observeContainers(List<String> ids) { return new Observation(List.of(), List.of(), true); }
}
