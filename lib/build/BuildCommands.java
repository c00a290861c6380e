package lib.build;

import lib.model.Names;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pure builders for what build-image runs and writes: the build command, the inspect of its image, pushes, OCI labels. */
public final class BuildCommands {
    private BuildCommands() {}

    public static final String LABEL_SOURCE = "org.opencontainers.image.source";
    public static final String LABEL_REVISION = "org.opencontainers.image.revision";
    public static final String LABEL_CREATED = "org.opencontainers.image.created";
    public static final String LABEL_VERSION = "org.opencontainers.image.version";
    public static final String LABEL_TITLE = "org.opencontainers.image.title";

    /** The environment of the build: the classic builder (the engine may have no buildx). */
    public static final Map<String, String> BUILD_ENV = Map.of("DOCKER_BUILDKIT", "0");

    /** `docker build --file F --tag R:T... --label K=V... --build-arg K=V... CONTEXT`. */
    public static List<String> build(Path dockerfile, Path context, String repository, List<String> tags,
                                     Map<String, String> labels, Map<String, String> buildArgs) {
        List<String> a = new ArrayList<>(List.of("docker", "build", "--file", dockerfile.toString()));
        for (String t : tags) a.addAll(List.of("--tag", repository + ":" + t));
        labels.forEach((k, v) -> a.addAll(List.of("--label", k + "=" + v)));
        buildArgs.forEach((k, v) -> a.addAll(List.of("--build-arg", k + "=" + v)));
        a.add(context.toString());
        return List.copyOf(a);
    }

    public static List<String> push(String repository, String tag) {
        return List.of("docker", "push", repository + ":" + tag);
    }

    /** `docker image inspect R:T`: the built image's ID and the digests it was pushed under. */
    public static List<String> inspect(String ref) {
        return List.of("docker", "image", "inspect", ref);
    }

    /** The OCI labels in a fixed order; the source label only when the source is known. */
    public static Map<String, String> labels(String source, String revision, String created, String version, String title) {
        Map<String, String> m = new LinkedHashMap<>();
        if (source != null) m.put(LABEL_SOURCE, source);
        m.put(LABEL_REVISION, revision);
        m.put(LABEL_CREATED, created);
        m.put(LABEL_VERSION, version);
        m.put(LABEL_TITLE, title);
        return m;
    }

    /** The image repository: the registry prefix and the image name, or the bare name without a prefix. */
    public static String repository(String registryPrefix, String image) {
        return Names.repository(registryPrefix == null ? image : registryPrefix + "/" + image);
    }

    /** A command as a shell would need it typed, for showing (never for running). */
    public static String display(List<String> command) {
        StringBuilder b = new StringBuilder();
        for (String s : command) {
            if (b.length() > 0) b.append(' ');
            b.append(s.matches("[A-Za-z0-9_@%+=:,./-]+") ? s : "'" + s.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }
}
