package lib.core;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/** Questions asked side by side (of the engine, of a registry) on daemon threads, and their answers. */
public final class Parallel {
    private Parallel() {}

    /** A pool of daemon threads named {@code name}: at most {@code threads}, or as many as asked when 0. */
    public static ExecutorService pool(String name, int threads) {
        ThreadFactory daemon = r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
        return threads > 0 ? Executors.newFixedThreadPool(threads, daemon) : Executors.newCachedThreadPool(daemon);
    }

    /** The answer of {@code f}; a Fail inside it as it is, anything else as a failure asking {@code whom}. */
    public static <T> T await(Future<T> f, String whom) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Fail fail) throw fail;
            throw Fail.failed("asking " + whom + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Fail.failed("interrupted while asking " + whom);
        }
    }
}
