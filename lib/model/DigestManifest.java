package lib.model;

import lib.core.Fail;
import lib.core.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * image-digests.json as CI writes it:
 * {git_sha, git_sha7, built_at_utc, images: {NAME: {tag, ref, digest}}}.
 */
public class DigestManifest {
    /** Its name, where build-image writes it and where a stack source may carry it. */
    public static final String FILE = "image-digests.json";

    public String git_sha;
    public String git_sha7;
    public String built_at_utc;
    public Map<String, Entry> images = new LinkedHashMap<>();

    public static class Entry {
        public String tag;
        public String ref;
        public String digest;

        /** The repository of {@code ref} as written; null when ref is not pinned to a digest. */
        public String repository() {
            ImageRef r = ImageRef.parse(ref);
            return r == null || r.digest == null ? null : r.repository;
        }
    }

    /** Reads and checks a digest file: every entry well-formed, ref = repository@digest. */
    public static DigestManifest load(Path file) {
        if (!Files.exists(file)) throw Fail.usage("digest file " + file + " not found");
        if (!Files.isRegularFile(file)) throw Fail.usage("digest file " + file + " is not a regular file");
        DigestManifest m = Json.read(file, DigestManifest.class, "digest file");
        if (m == null || m.images == null || m.images.isEmpty())
            throw Fail.usage("digest file " + file + " names no images");
        for (var e : m.images.entrySet()) {
            Entry v = e.getValue();
            String where = "digest file " + file + ", image " + Names.quote(e.getKey());
            if (v == null || v.tag == null || v.ref == null || v.digest == null)
                throw Fail.usage(where + ": needs tag, ref and digest");
            if (!Names.isDigest(v.digest)) throw Fail.usage(where + ": malformed digest " + Names.quote(v.digest));
            String repo = v.repository();
            if (repo == null || !v.ref.equals(repo + "@" + v.digest))
                throw Fail.usage(where + ": ref " + Names.quote(v.ref) + " is not <repository>@" + v.digest);
            try {
                Names.repository(repo);
                Names.tag(v.tag);
            } catch (Fail f) {
                throw Fail.usage(where + ": " + f.getMessage());
            }
        }
        return m;
    }

    /** Merges {@code other}'s images into this one (same git sha), replacing entries of the same name. */
    public void merge(DigestManifest other) {
        images.putAll(other.images);
    }
}
