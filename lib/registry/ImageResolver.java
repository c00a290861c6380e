package lib.registry;

import lib.core.Fail;
import lib.model.DigestManifest;
import lib.model.ImageRef;
import lib.model.Names;
import lib.model.StackSettings;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a tag into pinned image references, one per image of the stack (keyed by its .env
 * variable). The repository comes from the digest file when one is given, else stack.json, else
 * --image; the digest from the digest file, else from the registry. Nothing is deployed by tag.
 */
public final class ImageResolver {
    private ImageResolver() {}

    public static Map<String, ImageRef> resolve(StackSettings s, String tag, Path digestFile, String imageOption,
                                                java.util.function.Supplier<Registry> registry) {
        return resolve(s, tag, digestFile, imageOption, registry, Map.of());
    }

    /**
     * The same, where a tag asked of the registry may also take its repository from {@code running}
     * (each image variable's repository in the release the stack runs now) when neither the digest
     * file, stack.json nor --image names one: a stack of the shell scripts has no stack.json.
     */
    public static Map<String, ImageRef> resolve(StackSettings s, String tag, Path digestFile, String imageOption,
                                                java.util.function.Supplier<Registry> registry, Map<String, String> running) {
        if (imageOption != null) Names.repository(imageOption);
        Map<String, ImageRef> out = new LinkedHashMap<>();
        DigestManifest dm = digestFile == null ? null : DigestManifest.load(digestFile);
        for (StackSettings.Image img : s.images) {
            String repo = img.repository;
            boolean primary = img == s.primary();
            if (primary && imageOption != null) {
                if (repo != null && !ImageRef.sameRepository(repo, imageOption))
                    throw Fail.usage("--image " + imageOption + " differs from " + img.var + "'s repository " + repo + " in stack.json");
                repo = imageOption;
            }
            if (dm != null) {
                DigestManifest.Entry e = entryFor(dm, img, repo, s.images.size());
                if (e == null)
                    throw Fail.usage("digest file " + digestFile + " has no image for " + img.var
                            + (img.name != null ? " (name " + img.name + ")" : repo != null ? " (" + repo + ")" : ""));
                if (!tag.equals(e.tag))
                    throw Fail.usage("digest file " + digestFile + " is for tag " + e.tag + ", not " + tag);
                if (repo != null && !ImageRef.sameRepository(repo, e.repository()))
                    throw Fail.usage("digest file " + digestFile + " names " + e.repository() + " for " + img.var + ", expected " + repo);
                out.put(img.var, new ImageRef(e.repository(), tag, e.digest));
            } else {
                if (repo == null) repo = running.get(img.var);
                if (repo == null)
                    throw Fail.usage("no repository known for " + img.var + ": give --digest-file, --image REPO, or \"repository\" in stack.json");
                out.put(img.var, new ImageRef(repo, tag, registry.get().digestOf(repo, tag)));
            }
        }
        return out;
    }

    private static DigestManifest.Entry entryFor(DigestManifest dm, StackSettings.Image img, String repo, int stackImages) {
        if (img.name != null) return dm.images.get(img.name);
        if (repo != null) {
            for (DigestManifest.Entry e : dm.images.values()) if (ImageRef.sameRepository(repo, e.repository())) return e;
            return null;
        }
        if (stackImages == 1 && dm.images.size() == 1) return dm.images.values().iterator().next();
        if (stackImages == 1 && dm.images.size() > 1)
            throw Fail.usage("the digest file names several images; say which one the stack runs with \"name\" or \"repository\" in stack.json, or --image");
        return null;
    }
}
