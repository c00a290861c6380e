package lib.model;

import lib.cli.Console;
import lib.core.Clock;
import lib.core.Exit;
import lib.core.Fail;
import lib.core.Json;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One deploy or rollback per stack at a time: an OS lock on releases/locks/STACK.lock, plus an
 * owner record (pid, host, actor, command, since) beside it that a waiting process reads to say
 * who holds the lock. The OS drops the lock when the holder dies, so a crash never leaves it held;
 * a stale owner record is only information.
 */
public final class StackLock implements AutoCloseable {
    public static class Owner {
        public long pid;
        public String host;
        public String actor;
        public String command;
        public String since;

        public String describe() {
            return "pid " + pid + " on " + host + " (" + actor + ": " + command + ", since " + since + ")";
        }
    }

    private final Layout layout;
    private final String stack;
    private final FileChannel channel;
    private final FileLock lock;

    private StackLock(Layout layout, String stack, FileChannel channel, FileLock lock) {
        this.layout = layout;
        this.stack = stack;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the stack's lock, waiting up to {@code waitSeconds} (0: try once).
     * Fails with {@link Exit#LOCKED} naming the holder.
     */
    public static StackLock acquire(Layout layout, String stack, String actor, String command,
                                    double waitSeconds, Console console) {
        Path file = layout.lockFile(stack);
        long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
        boolean told = false;
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long sleep = 50;
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    Owner o = new Owner();
                    o.pid = ProcessHandle.current().pid();
                    o.host = hostName();
                    o.actor = actor;
                    o.command = command;
                    o.since = Clock.nowUtc();
                    Json.writeAtomic(layout.lockOwner(stack), o);
                    return new StackLock(layout, stack, ch, l);
                }
                String who = describe(owner(layout, stack));
                if (System.nanoTime() >= deadline) {
                    ch.close();
                    throw new Fail(Exit.LOCKED, "stack " + stack + " is locked by " + who
                            + (waitSeconds > 0 ? " (waited " + (long) waitSeconds + "s; --lock-wait to wait longer)" : ""));
                }
                if (!told && console != null) {
                    console.info("waiting for the lock of " + stack + ", held by " + who);
                    told = true;
                }
                Thread.sleep(sleep);
                sleep = Math.min(500, sleep * 2);
            }
        } catch (IOException e) {
            throw Fail.failed("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Fail.failed("interrupted while waiting for the lock of " + stack);
        }
    }

    /** True when some process holds the stack's lock now. */
    public static boolean isHeld(Layout layout, String stack) {
        Path file = layout.lockFile(stack);
        if (!Files.exists(file)) return false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The owner record of the lock, or null. */
    public static Owner owner(Layout layout, String stack) {
        try {
            return Json.read(layout.lockOwner(stack), Owner.class, "lock owner record");
        } catch (Fail f) {
            return null;
        }
    }

    /** Who holds the stack's lock now, or null when it is free. */
    public static String holder(Layout layout, String stack) {
        return isHeld(layout, stack) ? describe(owner(layout, stack)) : null;
    }

    /**
     * Takes the lock of each of {@code stacks} without waiting; a stack whose lock another process
     * holds goes into {@code notLocked} with who holds it. The caller closes the locks it got; on a
     * failure none stays taken.
     */
    public static List<StackLock> tryAll(Layout layout, List<String> stacks, String actor, String command, Map<String, String> notLocked) {
        List<StackLock> locks = new ArrayList<>();
        try {
            for (String stack : stacks) {
                try {
                    locks.add(acquire(layout, stack, actor, command, 0, null));
                } catch (Fail f) {
                    if (f.code != Exit.LOCKED) throw f;
                    notLocked.put(stack, describe(owner(layout, stack)));
                }
            }
        } catch (RuntimeException e) {
            for (StackLock l : locks) l.close();
            throw e;
        }
        return locks;
    }

    private static String describe(Owner o) {
        return o == null ? "another process" : o.describe();
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(layout.lockOwner(stack));
            lock.release();
            channel.close();
        } catch (IOException ignored) {
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            String h = System.getenv("HOSTNAME");
            return h == null ? "unknown" : h;
        }
    }
}
