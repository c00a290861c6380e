package lib.model;

/** One image of a release: the repository, the tag it was asked for, and the digest it is pinned to. */
public class ImageRef {
    public String repository;
    public String tag;
    public String digest;
    /** repository@digest, what goes into the release's .env. */
    public String ref;

    public ImageRef() {}

    public ImageRef(String repository, String tag, String digest) {
        this.repository = Names.repository(repository);
        this.tag = tag;
        this.digest = Names.digest(digest);
        this.ref = repository + "@" + digest;
    }

    /** The parts of a reference as written: repository, tag (or null), digest (or null). */
    public record Parts(String repository, String tag, String digest) {}

    /** Splits "repo[:tag][@digest]" as written, without checking or completing any part. */
    public static Parts split(String ref) {
        String s = ref.strip();
        String digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            digest = s.substring(at + 1);
            s = s.substring(0, at);
        }
        String tag = null;
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            tag = s.substring(colon + 1);
            s = s.substring(0, colon);
        }
        return new Parts(s, tag, digest);
    }

    /** Splits "repo@sha256:..." into repository and digest; null when it is not pinned. */
    public static ImageRef parsePinned(String ref, String tag) {
        if (ref == null) return null;
        int at = ref.indexOf('@');
        if (at <= 0) return null;
        String repo = ref.substring(0, at);
        String digest = ref.substring(at + 1);
        if (!Names.isDigest(digest)) return null;
        return new ImageRef(repo, tag, digest);
    }
}
