package lib.model;

import lib.core.Fail;
import lib.core.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * releases/verified/TAG: a person accepted what a staging stack ran under TAG.
 * {@code images} maps each .env variable to the image (repository, digest) that was accepted;
 * {@code image_digest} is the primary image's digest, the one the production gate compares.
 */
public class VerificationRecord {
    public String tag;
    public String image_ref;
    public String image_digest;
    public Map<String, ImageRef> images = new LinkedHashMap<>();
    public String from_stack;
    public String from_release_id;
    public String verified_by;
    public String verified_at_utc;
    public String note;

    /** The record for {@code tag}, or null. An empty file (the seed's `touch`) is a legacy marker without digests. */
    public static VerificationRecord read(Layout layout, String tag) {
        Path p = layout.verifiedRecord(tag);
        if (Files.isSymbolicLink(p)) throw Fail.failed("verification record " + p + " is a symlink; refusing to trust it");
        try {
            if (Files.isRegularFile(p) && Files.size(p) == 0) {
                VerificationRecord legacy = new VerificationRecord();
                legacy.tag = tag;
                return legacy;
            }
        } catch (IOException e) {
            throw Fail.failed("cannot read " + p + ": " + e.getMessage(), e);
        }
        VerificationRecord r = Json.read(p, VerificationRecord.class, "verification record");
        if (r != null && !tag.equals(r.tag)) throw Fail.failed("verification record " + p + " names another tag " + Names.quote(r.tag));
        return r;
    }

    public void write(Layout layout) {
        Json.writeAtomic(layout.verifiedRecord(tag), this);
    }

    /** True when every image being deployed was accepted with the same digest. */
    public boolean covers(Map<String, ImageRef> deploying) {
        if (images == null || images.isEmpty()) return false;
        for (var e : deploying.entrySet()) {
            ImageRef accepted = images.get(e.getKey());
            if (accepted == null || !e.getValue().digest.equals(accepted.digest)) return false;
        }
        return true;
    }
}
