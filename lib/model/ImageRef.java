package lib.model;

import java.util.Map;

/**
 * An image reference, {@code [host[:port]/]path[:tag][@sha256:...]}, and the one place that reads one.
 *
 * <p>In files (release.json, current manifests, history, verification records) it is the pinned image
 * of a release: {@code repository} and {@code digest} as written, the {@code tag} it was asked for, and
 * {@code ref} = repository@digest, what goes into the release's .env. {@link #parse} reads any
 * reference (a compose file's, a container's, one docker lists) into the same fields, as written.
 *
 * <p>Comparisons use docker's normalisation: a first path component is a registry host when it holds
 * a '.' or a ':', is {@code localhost}, or has an upper-case letter; without one the image is on
 * Docker Hub ({@value #HUB}), where a one-component path is an official image under {@code library/}.
 * {@code index.docker.io} (docker's legacy name) and {@code registry-1.docker.io} (the Hub's API host)
 * mean {@value #HUB} too. So {@code busybox}, {@code docker.io/library/busybox} and
 * {@code index.docker.io/library/busybox:latest} are one image, and {@code user/app} is
 * {@code docker.io/user/app}. Which host to speak HTTP to is {@link lib.registry.Registry}'s business.
 */
public class ImageRef {
    /** Docker Hub's registry name, as docker spells it in full references. */
    public static final String HUB = "docker.io";
    /** The .env variable of the primary image: the one the single-image fields (image_ref, image_digest) describe. */
    public static final String PRIMARY_VAR = "IMAGE_REF";

    public String repository;
    public String tag;
    public String digest;
    /** repository@digest, what goes into the release's .env; the reference as written when parsed. */
    public String ref;

    public ImageRef() {}

    /** A pinned image: the repository and digest are checked. */
    public ImageRef(String repository, String tag, String digest) {
        this.repository = Names.repository(repository);
        this.tag = tag;
        this.digest = Names.digest(digest);
        this.ref = repository + "@" + digest;
    }

    /**
     * Splits a reference as written, without checking or completing any part: the repository, the
     * tag (null without one), the digest (null without one); null for null or blank text.
     */
    public static ImageRef parse(String text) {
        if (text == null || text.isBlank()) return null;
        ImageRef r = new ImageRef();
        r.ref = text.strip();
        String s = r.ref;
        int at = s.indexOf('@');
        if (at >= 0) {
            r.digest = s.substring(at + 1);
            s = s.substring(0, at);
        }
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            r.tag = s.substring(colon + 1);
            s = s.substring(0, colon);
        }
        r.repository = s;
        return r;
    }

    /**
     * A reference pinned to a well-formed digest ({@code repo[:tag]@sha256:...}) as a pinned image
     * with tag {@code tag} (else the reference's own); null when it is not pinned. Fails when the
     * repository is malformed.
     */
    public static ImageRef parsePinned(String text, String tag) {
        ImageRef p = parse(text);
        if (p == null || p.repository.isEmpty() || !Names.isDigest(p.digest)) return null;
        return new ImageRef(p.repository, tag != null ? tag : p.tag, p.digest);
    }

    /** True when {@code component}, the first of a repository with more than one, names a registry (docker's rule). */
    public static boolean isHost(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost")
                || !component.equals(component.toLowerCase(java.util.Locale.ROOT));
    }

    /** The registry: the host[:port] as written, {@value #HUB} for Docker Hub whichever way it is spelt. */
    public String host() {
        String repo = repository == null ? "" : repository;
        int slash = repo.indexOf('/');
        if (slash < 0 || !isHost(repo.substring(0, slash))) return HUB;
        String host = repo.substring(0, slash);
        return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? HUB : host;
    }

    /** The repository's path in its registry, {@code library/} spelt out for Docker Hub's official images. */
    public String path() {
        String repo = repository == null ? "" : repository;
        int slash = repo.indexOf('/');
        String path = slash >= 0 && isHost(repo.substring(0, slash)) ? repo.substring(slash + 1) : repo;
        return host().equals(HUB) && !path.contains("/") ? "library/" + path : path;
    }

    /** The repository in full: host/path, e.g. docker.io/library/busybox. */
    public String name() {
        return host() + "/" + path();
    }

    /**
     * The reference in one spelling: {@link #name} with the digest when there is one (a tag beside it
     * does not change what runs), else with the tag, {@code latest} when there is none.
     */
    public String canonical() {
        if (digest != null) return name() + "@" + digest;
        return name() + ":" + (tag == null || tag.isEmpty() ? "latest" : tag);
    }

    /** True when both name the same image: the same digest, or the same tag, of the same repository. */
    public boolean sameImage(ImageRef other) {
        return other != null && canonical().equals(other.canonical());
    }

    public boolean sameRepository(ImageRef other) {
        return other != null && name().equals(other.name());
    }

    /** {@link #sameImage} of two references as written; false when either is null. */
    public static boolean sameImage(String a, String b) {
        ImageRef x = parse(a);
        return x != null && x.sameImage(parse(b));
    }

    /** True when two repositories (or references) are the same repository, e.g. redis and docker.io/library/redis. */
    public static boolean sameRepository(String a, String b) {
        ImageRef x = parse(a);
        return x != null && x.sameRepository(parse(b));
    }

    /** {@link #canonical} of a reference as written; "" for none. */
    public static String canonicalOf(String ref) {
        ImageRef r = parse(ref);
        return r == null ? "" : r.canonical();
    }

    /** {@link #name} of a repository or a reference as written; "" for none. */
    public static String nameOf(String ref) {
        ImageRef r = parse(ref);
        return r == null ? "" : r.name();
    }

    /** The digest of a reference as written, or null. */
    public static String digestOf(String ref) {
        ImageRef r = parse(ref);
        return r == null ? null : r.digest;
    }

    /**
     * The primary image of a release: the one in {@value #PRIMARY_VAR}, else the first; null when
     * there are none.
     */
    public static <T> T primary(Map<String, T> byVar) {
        if (byVar == null || byVar.isEmpty()) return null;
        T p = byVar.get(PRIMARY_VAR);
        return p != null ? p : byVar.values().iterator().next();
    }

    /**
     * A digest as tables show it: {@code sha256:} and the first 12 hex digits. The algorithm stays so
     * that it reads as a manifest digest, never as one of docker's 12-digit image IDs (the config
     * digest), and the text is a prefix of the full digest, which is what one searches for.
     */
    public static String shortDigest(String digest) {
        if (digest == null) return null;
        int colon = digest.indexOf(':');
        return digest.length() <= colon + 13 ? digest : digest.substring(0, colon + 13);
    }
}
