package lib.clean;

import lib.core.Fail;
import lib.engine.ServiceImages;
import lib.model.DotEnv;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.Release;
import lib.model.StackSettings;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/** The disk side of a clean: the stacks under the root, their release dirs with the images they pin, and sizes. */
public final class ReleaseDirs {
    private ReleaseDirs() {}

    /** Prefix of a release dir a clean is deleting (renamed first, so a clean that dies leaves a leftover, never half a release). */
    public static final String DELETING = ".deleting-";

    /** Every stack with its dirs, and the sizes measured on the way. */
    public static final class Disk {
        public final List<CleanPlan.StackInput> stacks;
        public final long releaseDirsBytes;
        /** {@link CleanPlan#key} of the release dirs with a success marker ({@link Release#SUCCEEDED}). */
        public final Set<String> marked;

        Disk(List<CleanPlan.StackInput> stacks, long releaseDirsBytes, Set<String> marked) {
            this.stacks = stacks;
            this.releaseDirsBytes = releaseDirsBytes;
            this.marked = marked;
        }
    }

    /** Stack names under the root: release dirs, links and lock files. */
    public static List<String> stackNames(Layout layout) {
        TreeSet<String> names = new TreeSet<>();
        for (String n : list(layout.allStackReleasesDir())) if (Names.isStack(n) && Files.isDirectory(layout.allStackReleasesDir().resolve(n), LinkOption.NOFOLLOW_LINKS)) names.add(n);
        for (String n : list(layout.stacksDir())) if (Names.isStack(n)) names.add(n);
        for (String n : list(layout.locksDir())) {
            if (n.endsWith(".lock") && Names.isStack(n.substring(0, n.length() - 5))) names.add(n.substring(0, n.length() - 5));
        }
        return new ArrayList<>(names);
    }

    /** True when the root has a release dir or a link of {@code stack}. */
    public static boolean known(Layout layout, String stack) {
        return Files.exists(layout.stackReleasesDir(stack), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(layout.stackLink(stack), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Reads every stack: its live release (a link pointing outside its releases fails here, before
     * anything is deleted), its keep count, its dirs with their images and sizes.
     *
     * @param lockedBy     who holds a stack's lock (null when free)
     * @param composeRefs  also read the images the services of each release run ({@link ServiceImages})
     */
    public static Disk read(Layout layout, List<String> stacks, Integer keepOption, Function<String, String> lockedBy,
                            boolean composeRefs) {
        Map<String, Long> sizes = new HashMap<>();
        long total = sizes(layout.allStackReleasesDir(), sizes);
        Map<String, Set<String>> named = named(layout, stacks);
        List<CleanPlan.StackInput> out = new ArrayList<>();
        Set<String> marked = new HashSet<>();
        for (String stack : stacks) {
            refuseLinked(layout, stack);
            String live = layout.currentReleaseId(stack);
            StackSettings settings = null;
            if (live != null && Files.isDirectory(layout.releaseDir(stack, live))) settings = StackSettings.load(layout.releaseDir(stack, live));
            int keep = keepOption != null ? keepOption
                    : settings != null && settings.keep_releases != null ? settings.keep_releases : CleanPlan.DEFAULT_KEEP;
            Set<String> repos = new LinkedHashSet<>();
            if (settings != null) for (StackSettings.Image i : settings.images) if (i.repository != null) repos.add(i.repository);
            List<CleanPlan.Dir> dirs = new ArrayList<>();
            Path dir = layout.stackReleasesDir(stack);
            for (String name : list(dir)) {
                Path p = dir.resolve(name);
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue;
                }
                if (!a.isDirectory()) continue;
                CleanPlan.Kind kind;
                if (Names.isReleaseId(name)) kind = CleanPlan.Kind.RELEASE;
                else if (name.startsWith(Release.PARTIAL) || name.startsWith(DELETING)) kind = CleanPlan.Kind.LEFTOVER;
                else continue;
                // the pinned references of its .env are what compose runs when the release comes back;
                // release.json says the same and is read only when the .env pins nothing
                boolean complete = Files.exists(p.resolve(Release.FILE), LinkOption.NOFOLLOW_LINKS);
                Map<String, ImageRef> images = pinnedInEnv(p);
                Release r = complete && (images.isEmpty() || composeRefs) ? readRelease(p) : null;
                if (images.isEmpty() && r != null) images = r.images;
                if (kind == CleanPlan.Kind.RELEASE && !complete)
                    kind = Files.isRegularFile(p.resolve(Layout.COMPOSE_FILE), LinkOption.NOFOLLOW_LINKS) ? CleanPlan.Kind.LEGACY : CleanPlan.Kind.INCOMPLETE;
                if (kind != CleanPlan.Kind.LEFTOVER && Files.exists(p.resolve(Release.SUCCEEDED), LinkOption.NOFOLLOW_LINKS))
                    marked.add(CleanPlan.key(stack, name));
                List<String> compose = composeRefs && kind != CleanPlan.Kind.LEFTOVER ? serviceImages(p, r) : List.of();
                dirs.add(new CleanPlan.Dir(name, kind, a.lastModifiedTime().toInstant(), sizes.getOrDefault(stack + "/" + name, 0L),
                        images, compose));
            }
            out.add(new CleanPlan.StackInput(stack, live, lockedBy.apply(stack), keep, dirs, repos, named.getOrDefault(stack, Set.of())));
        }
        return new Disk(out, total, marked);
    }

    /**
     * Fails (before anything is deleted) when the stack's releases dir is a link: a clean deletes
     * nothing through a link, least of all outside the root.
     */
    static void refuseLinked(Layout layout, String stack) {
        Path dir = layout.stackReleasesDir(stack);
        if (!Files.isSymbolicLink(dir)) return;
        String to;
        boolean out;
        try {
            Path real = dir.toRealPath();
            to = real.toString();
            out = !real.startsWith(layout.root.toRealPath());
        } catch (IOException e) {
            to = "a path that does not resolve";
            out = true;
        }
        throw Fail.failed(dir + " is a link to " + to + (out ? ", outside the root" : "") + ": clean-images deletes nothing through a link;"
                + " make it a directory under " + layout.allStackReleasesDir() + ", or use --root");
    }

    /** Per stack, the release dirs its manifest and the verification records name (unreadable ones name nothing). */
    static Map<String, Set<String>> named(Layout layout, List<String> stacks) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String stack : stacks) {
            try {
                lib.model.CurrentManifest m = lib.model.CurrentManifest.read(layout, stack);
                if (m != null && m.release_id != null) out.computeIfAbsent(stack, k -> new HashSet<>()).add(m.release_id);
            } catch (Fail f) {
                // an unreadable manifest names nothing; the live link still protects its release
            }
        }
        for (String tag : list(layout.verifiedDir())) {
            if (!Names.isTag(tag)) continue;
            try {
                lib.model.VerificationRecord r = lib.model.VerificationRecord.read(layout, tag);
                if (r != null && r.from_stack != null && r.from_release_id != null)
                    out.computeIfAbsent(r.from_stack, k -> new HashSet<>()).add(r.from_release_id);
            } catch (Fail f) {
                // an unreadable record names nothing
            }
        }
        return out;
    }

    /**
     * The images the services of a release run: its record, else its compose file read with its .env;
     * none when neither can be read.
     */
    private static List<String> serviceImages(Path releaseDir, Release r) {
        try {
            return ServiceImages.of(releaseDir, r).named();
        } catch (Fail f) {
            return List.of();
        }
    }

    /** The images a release dir's .env pins; none when it has no readable .env. */
    private static Map<String, ImageRef> pinnedInEnv(Path releaseDir) {
        try {
            return DotEnv.pinnedImages(DotEnv.read(releaseDir));
        } catch (Fail f) {
            return Map.of();
        }
    }

    private static Release readRelease(Path dir) {
        try {
            Release r = Release.read(dir);
            return r == null || r.images == null ? null : r;
        } catch (Fail f) {
            return null;
        }
    }

    /** The size of every file under the releases of all stacks. */
    public static long bytes(Layout layout) {
        return sizes(layout.allStackReleasesDir(), new HashMap<>());
    }

    /** Sums file sizes under {@code top}, also per STACK/ENTRY into {@code perEntry}; 0 when absent. */
    static long sizes(Path top, Map<String, Long> perEntry) {
        long[] total = {0};
        if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) return 0;
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    long n = a.isSymbolicLink() ? 0 : a.size();
                    total[0] += n;
                    Path rel = top.relativize(f);
                    if (rel.getNameCount() >= 3) perEntry.merge(rel.getName(0) + "/" + rel.getName(1), n, Long::sum);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw Fail.failed("cannot measure " + top + ": " + e.getMessage(), e);
        }
        return total[0];
    }

    /** The names in {@code dir}, sorted; none when it is absent. */
    static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw Fail.failed("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
