package lib.flow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import lib.cli.Console;
import lib.core.Fail;
import lib.core.Faults;
import lib.core.Proc;
import lib.model.CurrentManifest;
import lib.model.Layout;

/**
 * Pre- and post-deploy hooks: executables in the release dir (paths from stack.json, default
 * hooks/pre-deploy and hooks/post-deploy), run there with the deploy's facts in SEISEI_* variables.
 * The flows are handed a Hooks; {@link #PROCESSES} runs the real files.
 */
public interface Hooks {
    /**
     * Runs hook {@code name} ({@code relPath} inside {@code releaseDir}) when the file exists; true when
     * it ran. Fails with a one-line error when it is not executable, exits non-zero or times out.
     */
    boolean run(String name, String relPath, Path releaseDir, Map<String, String> vars, int timeoutSeconds, Console console);

    /**
     * Runs hook files as processes in the release dir, with the caller's environment (less the test
     * switches) plus {@code vars}, each in a process group of its own: on a timeout or an interrupt
     * the whole group is stopped (SIGTERM, then SIGKILL), so nothing a hook started outlives the command.
     */
    Hooks PROCESSES = (name, relPath, releaseDir, vars, timeoutSeconds, console) -> {
        Path hook = releaseDir.resolve(relPath).normalize();
        if (!hook.startsWith(releaseDir) || !Files.exists(hook)) return false;
        if (!Files.isExecutable(hook)) throw Fail.failed(name + " hook " + hook + " is not executable (chmod +x)");
        console.step("running the " + name + " hook");
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.keySet().removeIf(Faults::isSwitch);
        env.putAll(vars);
        Proc.of(java.util.List.of(hook.toString())).dir(releaseDir).env(env).timeout(Duration.ofSeconds(timeoutSeconds)).ownGroup()
                .progress(line -> console.progress(name + ": " + line)).check(name + " hook");
        return true;
    };

    /** The variables every hook gets. */
    static Map<String, String> vars(Layout layout, CurrentManifest m, String action) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("SEISEI_ACTION", action);
        v.put("SEISEI_ROLLBACK", "rollback".equals(action) ? "1" : "0");
        v.put("SEISEI_STACK", m.stack);
        v.put("SEISEI_ENV", m.env);
        v.put("SEISEI_IMAGE_TAG", m.image_tag);
        v.put("SEISEI_IMAGE_REF", m.image_ref);
        v.put("SEISEI_IMAGE_DIGEST", m.image_digest);
        v.put("SEISEI_RELEASE_ID", m.release_id);
        v.put("SEISEI_RELEASE_DIR", m.release_dir);
        v.put("SEISEI_PREVIOUS_RELEASE_ID", m.previous_release_id == null ? "" : m.previous_release_id);
        v.put("SEISEI_ROOT", layout.root.toString());
        v.put("SEISEI_BACKUPS_DIR", layout.backupsDir().toString());
        v.put("SEISEI_ACTOR", m.actor == null ? "" : m.actor);
        v.put("SEISEI_RUN_ID", m.run_id == null ? "" : m.run_id);
        v.put("SEISEI_BREAK_GLASS", m.break_glass ? "1" : "0");
        return v;
    }
}
