package lib.model;

import lib.core.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * releases/current/STACK.json: what a stack runs now. The first twelve fields are the seed's;
 * {@code images} maps each .env variable to its pinned image (image_ref and image_digest are
 * the primary image's, {@link ImageRef#primary}).
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

    public static CurrentManifest read(Layout layout, String stack) {
        return Json.read(layout.manifest(stack), CurrentManifest.class, "manifest");
    }

    public void write(Layout layout) {
        Json.writeAtomic(layout.manifest(stack), this);
    }

}
