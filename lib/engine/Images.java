package lib.engine;

import lib.cli.Console;
import lib.core.Fail;
import lib.core.Parallel;
import lib.core.Proc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** Makes images available in the local store: one inspect says which are missing, `docker pull` brings those. */
public final class Images {
    private Images() {}

    /** Pulls at once: as compose pull does, a few side by side. */
    static final int PULLS = 4;

    /** Those of {@code refs} that are not in the local image store, asked with one `docker image inspect`. */
    public static List<String> missing(List<String> refs) {
        if (refs.isEmpty()) return List.of();
        Proc.Result r = Proc.of(Docker.imageInspectIds(refs)).timeout(Duration.ofSeconds(60)).run();
        if (r.ok()) return List.of();
        List<String> missing = missingFrom(refs, r.stderr());
        if (!missing.isEmpty()) return missing;
        // an answer that names none of them (another error): ask for each alone
        List<String> out = new ArrayList<>();
        for (String ref : refs) if (!Proc.of(Docker.imageInspectIds(List.of(ref))).timeout(Duration.ofSeconds(30)).run().ok()) out.add(ref);
        return out;
    }

    /** The refs the engine's "No such image: REF" lines name, in the order of {@code refs}. */
    public static List<String> missingFrom(List<String> refs, String stderr) {
        List<String> out = new ArrayList<>();
        String[] lines = stderr.toLowerCase(Locale.ROOT).split("\n");
        for (String ref : refs) {
            String needle = "no such image: " + ref.toLowerCase(Locale.ROOT);
            for (String line : lines) {
                int i = line.indexOf(needle);
                int end = i + needle.length();
                if (i >= 0 && (end == line.length() || line.charAt(end) == ':' || Character.isWhitespace(line.charAt(end)))) {
                    out.add(ref);
                    break;
                }
            }
        }
        return out;
    }

    /** Pulls {@code refs} (a few at a time), with progress; the first failure fails, after the others ended. */
    public static void pull(List<String> refs, Console console) {
        if (refs.isEmpty()) return;
        if (refs.size() == 1) {
            pullOne(refs.get(0), console);
            return;
        }
        ExecutorService pool = Parallel.pool("pull", Math.min(PULLS, refs.size()));
        try {
            List<Future<?>> pulls = new ArrayList<>();
            for (String ref : refs) pulls.add(pool.submit(() -> pullOne(ref, console)));
            Fail first = null;
            for (Future<?> f : pulls) {
                try {
                    Parallel.await(f, "docker pull");
                } catch (Fail e) {
                    if (first == null) first = e;
                }
            }
            if (first != null) throw first;
        } finally {
            pool.shutdown();
        }
    }

    private static void pullOne(String ref, Console console) {
        console.progress("pulling " + ref);
        Proc.of(Docker.pull(ref)).timeout(Duration.ofMinutes(30)).progress(line -> console.progress("pull: " + line))
                .check("pulling " + ref);
    }
}
