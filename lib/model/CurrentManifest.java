package lib.model;

import lib.core.AtomicFiles;
import lib.core.Fail;
import lib.core.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * releases/current/STACK.json: what a stack runs now. The first twelve fields are the seed's;
 * {@code images} maps each .env variable to its pinned image (image_ref and image_digest are
 * the primary image's, {@link ImageRef#primary}).
 * <p>
 * The manifest of a release lives in its release dir ({@link Release#MANIFEST}), and
 * releases/current/STACK.json is a symlink through the stack link to it
 * ({@code ../../stacks/STACK/.manifest.json}): switching the stack link switches the manifest in the
 * same rename, so the two agree at every instant, whatever is killed when. A release being brought
 * up carries {@code state: "activating"} until it ran healthy. A regular file left at the current
 * path by an earlier version or by other tools is read as it is and moved into the release the link
 * names at the next write.
 */
public class CurrentManifest {
    public String stack;
    public String env;
    public String image_tag;
    public String image_ref;
    public String image_digest;
    public String release_id;
    public String release_dir;
    public String deployed_at_utc;
    public String actor;
    public String run_id;
    public boolean break_glass;
    public String break_glass_reason = "";
    public Map<String, ImageRef> images = new LinkedHashMap<>();
    public String previous_release_id;
    public String action;
    public Long duration_ms;
    public String engine;
    /** {@link #ACTIVATING} while the release is switched in and checked; absent once it ran healthy. */
    public String state;

    public static final String ACTIVATING = "activating";

    public boolean activating() { return ACTIVATING.equals(state); }

    /** The manifest of a release becoming live. */
    public static CurrentManifest of(Layout layout, Release r, String actor, String runId, String previous, String action) {
        CurrentManifest m = new CurrentManifest();
        m.stack = r.stack;
        m.env = r.env;
        m.image_tag = r.tag;
        ImageRef p = ImageRef.primary(r.images);
        m.image_ref = p.ref;
        m.image_digest = p.digest;
        m.images = new LinkedHashMap<>(r.images);
        m.release_id = r.release_id;
        m.release_dir = layout.releaseDir(r.stack, r.release_id).toString();
        m.actor = actor;
        m.run_id = runId;
        m.previous_release_id = previous;
        m.action = action;
        m.engine = r.engine != null ? r.engine : "compose";
        return m;
    }

    /**
     * The current manifest of {@code stack}, or null. A manifest with the source documents' fields
     * only (no {@code images}) pins its primary image through {@code image_ref}.
     */
    public static CurrentManifest read(Layout layout, String stack) {
        CurrentManifest m = Json.read(layout.manifest(stack), CurrentManifest.class, "manifest");
        if (m != null && (m.images == null || m.images.isEmpty())) {
            m.images = new LinkedHashMap<>();
            try {
                ImageRef p = ImageRef.parsePinned(m.image_ref, m.image_tag);
                if (p != null) {
                    m.images.put("IMAGE_REF", p);
                    if (m.image_digest == null) m.image_digest = p.digest;
                }
            } catch (Fail f) {
                // a malformed image_ref pins nothing; status says so
            }
        }
        return m;
    }

    /**
     * Writes this manifest into its release dir (atomically) and makes the current path lead there
     * through the stack link. Until the stack link names this release, what the current path shows
     * does not change.
     */
    public void write(Layout layout) {
        Json.writeAtomic(layout.releaseManifest(stack, release_id), this);
        linkCurrent(layout, stack);
    }

    /**
     * Makes releases/current/STACK.json the symlink through the stack link to the current release's
     * manifest. A regular file there (an earlier version's, or other tools') is first copied into the
     * release the stack link names, unless that release has its own already.
     */
    public static void linkCurrent(Layout layout, String stack) {
        Path current = layout.manifest(stack);
        Path target = Path.of("..", "..", "stacks", stack, Release.MANIFEST);
        try {
            if (Files.isSymbolicLink(current) && Files.readSymbolicLink(current).equals(target)) return;
            if (Files.isRegularFile(current, LinkOption.NOFOLLOW_LINKS)) {
                String live = layout.currentReleaseId(stack);
                Path own = live == null ? null : layout.releaseManifest(stack, live);
                if (own != null && Files.isDirectory(own.getParent(), LinkOption.NOFOLLOW_LINKS) && !Files.exists(own, LinkOption.NOFOLLOW_LINKS))
                    AtomicFiles.write(own, Files.readAllBytes(current));
            }
        } catch (IOException e) {
            throw Fail.failed("cannot read " + current + ": " + e.getMessage(), e);
        }
        AtomicFiles.switchLink(current, target);
    }
}
