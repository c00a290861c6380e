package lib.core;

/** Exit codes shared by every script (documented in README.md). */
public final class Exit {
    private Exit() {}

    public static final int OK = 0;
    /** A step failed (docker, registry, disk); the previous state was kept. */
    public static final int FAILED = 1;
    /** Bad input: unknown option, invalid name, unreadable file. Nothing was changed. */
    public static final int USAGE = 2;
    /** The production gate refused the deploy (no matching verification record). */
    public static final int GATE = 3;
    /** Another deploy or rollback of the stack holds its lock. */
    public static final int LOCKED = 4;
    /** The new release failed its health checks and the previous release was restored. */
    public static final int ROLLED_BACK = 5;
    /** Health checks failed and no healthy release could be restored. */
    public static final int UNHEALTHY = 6;
    /** verify check / status found drift or an inconsistency. */
    public static final int DRIFT = 7;
}
