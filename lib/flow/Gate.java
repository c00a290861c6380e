package lib.flow;

import lib.core.Exit;
import lib.core.Fail;
import lib.model.ImageRef;
import lib.model.Layout;
import lib.model.Names;
import lib.model.VerificationRecord;

import java.nio.file.Files;
import java.util.Map;

/**
 * The production gate: a production deploy needs a verification record for the tag whose digests
 * equal the ones being deployed, unless --break-glass with a reason.
 */
public final class Gate {
    private Gate() {}

    private static final String LEGACY = "a legacy marker without digests";

    /** Returns how the gate was passed: "not-required", "verified" or "break-glass"; fails with {@link Exit#GATE}. */
    public static String check(Layout layout, String env, String tag, Map<String, ImageRef> images, boolean breakGlass) {
        if (!Names.PRODUCTION.equals(env)) return "not-required";
        String refusal = refusal(layout, tag, images);
        if (refusal == null) return "verified";
        if (breakGlass) return "break-glass";
        if (refusal.endsWith(LEGACY))
            throw new Fail(Exit.GATE, refusal + " (it cannot bind the gate to content); run `verify upgrade " + tag
                    + " --from <staging-stack>` to take the digests of the staging release that ran " + tag
                    + ", or deploy with --break-glass --reason \"...\"");
        throw new Fail(Exit.GATE, refusal + "; after testing on staging run `verify mark " + tag
                + " --from <staging-stack>`, or deploy with --break-glass --reason \"...\"");
    }

    /** Why the gate would refuse, or null when a matching record exists. */
    public static String refusal(Layout layout, String tag, Map<String, ImageRef> images) {
        if (Files.isSymbolicLink(layout.verifiedRecord(tag)))
            return "production gate: the verification record of " + tag + " is a symlink, not a record verify wrote; refusing to trust it";
        VerificationRecord r = VerificationRecord.read(layout, tag);
        if (r == null) return "production gate: tag " + tag + " has no verification record";
        if (r.images == null || r.images.isEmpty())
            return "production gate: the verification record of " + tag + " is " + LEGACY;
        if (!r.covers(images)) {
            var mine = ImageRef.primary(images);
            return "production gate: " + tag + " was verified with digest " + r.image_digest + " but now resolves to " + mine.digest
                    + " (the tag moved)";
        }
        return null;
    }
}
