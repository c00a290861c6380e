package lib.engine;

import lib.model.ImageRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drift between what a release says should run and what the engine runs. Pure: the release's
 * services and their configured images (from {@link ServiceImages}), the manifest's pinned images
 * and the stack's containers go in; the differences come out.
 * <ul>
 * <li>{@code replaced}: a container of a service runs another image than the release configures
 *     (a container recreated by hand, say);</li>
 * <li>{@code missing}: a service of the release has no container;</li>
 * <li>{@code extra}: a container of the stack belongs to no service of the release;</li>
 * <li>{@code release}: the release dir configures an image the manifest does not pin (its .env was
 *     edited), or a pinned image that no service uses.</li>
 * </ul>
 * Without the release's services (its dir is missing or compose cannot read it), containers are
 * compared with the pinned images alone: a container of a pinned repository must run the pinned
 * digest, and every pinned image must run somewhere.
 */
public final class Drift {
    private Drift() {}

    public static final String REPLACED = "replaced";
    public static final String MISSING = "missing";
    public static final String EXTRA = "extra";
    public static final String RELEASE = "release";

    public static class Difference {
        public String kind;
        public String service;
        public String container;
        public String expected;
        public String actual;
        public String message;

        static Difference of(String kind, String service, String container, String expected, String actual, String message) {
            Difference d = new Difference();
            d.kind = kind;
            d.service = service;
            d.container = container;
            d.expected = expected;
            d.actual = actual;
            d.message = message;
            return d;
        }

        @Override
        public String toString() { return message; }
    }

    /**
     * @param services the release's services and their configured images (an image may be null for a
     *                 service built locally), or null when unknown
     * @param optional services that need not run (behind a compose profile)
     * @param pinned   the manifest's images by .env variable, or null when unknown
     */
    public static List<Difference> compute(Map<String, String> services, Set<String> optional, Map<String, ImageRef> pinned,
                                           List<Container> containers) {
        List<Difference> out = new ArrayList<>();
        Map<String, ImageRef> pins = pinned == null ? Map.of() : pinned;
        Set<String> opt = optional == null ? Set.of() : optional;
        if (services == null) {
            compareWithPins(pins, containers, out);
            return out;
        }
        Map<String, List<Container>> byService = new LinkedHashMap<>();
        for (Container c : containers) {
            String svc = c.service;
            if (svc == null) {
                out.add(Difference.of(EXTRA, null, c.name, null, c.image_ref,
                        c.name + ": a container of the stack without a compose service (started by hand?)"));
            } else if (!services.containsKey(svc)) {
                out.add(Difference.of(EXTRA, svc, c.name, null, c.image_ref,
                        c.name + ": service " + svc + " is not in the release"));
            } else {
                byService.computeIfAbsent(svc, k -> new ArrayList<>()).add(c);
            }
        }
        for (var e : services.entrySet()) {
            String svc = e.getKey();
            String want = e.getValue();
            List<Container> cs = byService.getOrDefault(svc, List.of());
            if (cs.isEmpty()) {
                if (!opt.contains(svc))
                    out.add(Difference.of(MISSING, svc, null, want, null, svc + ": no container (the release defines it)"));
                continue;
            }
            if (want == null) continue;
            for (Container c : cs) {
                if (!ImageRef.sameImage(want, c.image_ref))
                    out.add(Difference.of(REPLACED, svc, c.name, want, c.image_ref,
                            svc + ": container " + c.name + " runs " + c.image_ref + ", the release runs " + want));
            }
        }
        Set<String> configured = new LinkedHashSet<>();
        for (String img : services.values()) if (img != null) configured.add(ImageRef.canonicalOf(img));
        Set<String> pinnedRefs = new LinkedHashSet<>();
        for (var e : pins.entrySet()) {
            String ref = e.getValue().ref;
            if (ref == null) continue;
            pinnedRefs.add(ImageRef.canonicalOf(ref));
            if (!configured.contains(ImageRef.canonicalOf(ref)))
                out.add(Difference.of(RELEASE, null, null, ref, null,
                        e.getKey() + ": the manifest pins " + ref + " but no service of the release runs it"));
        }
        Set<String> pinnedRepos = new LinkedHashSet<>();
        for (ImageRef r : pins.values()) if (r.repository != null) pinnedRepos.add(ImageRef.nameOf(r.repository));
        for (var e : services.entrySet()) {
            String img = e.getValue();
            if (img == null || pinnedRefs.contains(ImageRef.canonicalOf(img))) continue;
            if (pinnedRepos.contains(ImageRef.nameOf(img)))
                out.add(Difference.of(RELEASE, e.getKey(), null, null, img,
                        e.getKey() + ": the release runs " + img + ", which the manifest does not pin"));
        }
        return out;
    }

    private static void compareWithPins(Map<String, ImageRef> pins, List<Container> containers, List<Difference> out) {
        Map<String, String> refByRepo = new LinkedHashMap<>();
        Set<String> refs = new LinkedHashSet<>();
        for (ImageRef r : pins.values()) {
            if (r.ref == null) continue;
            refs.add(ImageRef.canonicalOf(r.ref));
            refByRepo.put(ImageRef.nameOf(r.ref), r.ref);
        }
        Set<String> running = new LinkedHashSet<>();
        for (Container c : containers) {
            if (c.image_ref == null) continue;
            String n = ImageRef.canonicalOf(c.image_ref);
            if (refs.contains(n)) {
                running.add(n);
                continue;
            }
            String want = refByRepo.get(ImageRef.nameOf(c.image_ref));
            if (want != null) {
                String who = c.service != null ? c.service + ": container " + c.name : "container " + c.name + " (no compose service)";
                out.add(Difference.of(REPLACED, c.service, c.name, want, c.image_ref,
                        who + " runs " + c.image_ref + ", the manifest pins " + want));
            }
        }
        for (var e : pins.entrySet()) {
            String ref = e.getValue().ref;
            if (ref != null && !running.contains(ImageRef.canonicalOf(ref)))
                out.add(Difference.of(MISSING, null, null, ref, null, e.getKey() + ": no container runs " + ref));
        }
    }

    /** The differences as one line, for refusals. */
    public static String summary(List<Difference> diffs) {
        List<String> m = new ArrayList<>();
        for (Difference d : diffs) m.add(d.message);
        return String.join("; ", m);
    }
}
