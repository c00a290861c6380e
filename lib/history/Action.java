package lib.history;

/** What a history record says happened, as written in its {@code action} field. */
public enum Action {
    /** A new release of a stack was deployed (its outcome: success, failed, rolled_back or interrupted). */
    DEPLOY("deploy"),
    /** An earlier release was put back by rollback. */
    ROLLBACK("rollback"),
    /** deploy put the previous release back after the new one failed its health checks. */
    AUTO_ROLLBACK("auto-rollback"),
    /** verify mark recorded that a person accepted a tag on staging. */
    VERIFY("verify"),
    /** verify revoke deleted a verification record. */
    REVOKE("revoke"),
    /** A deploy or rollback found a stack left inconsistent by a crash and put it right. */
    REPAIR("repair"),
    /** clean-images deleted release dirs or local images. */
    CLEAN("clean"),
    /** clean-images --registry deleted tags from a registry. */
    CLEAN_REGISTRY("clean-registry");

    public final String word;

    Action(String word) {
        this.word = word;
    }

    /** The action written as {@code word}, or null for a word this version does not know. */
    public static Action of(String word) {
        for (Action a : values()) if (a.word.equals(word)) return a;
        return null;
    }

    /** True for the actions that leave a release running: deploy, rollback, auto-rollback. */
    public boolean activates() {
        return this == DEPLOY || this == ROLLBACK || this == AUTO_ROLLBACK;
    }
}
