package support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A steady stream of GET requests, one every 1/RATE s, each with its own time limit, until its
 * standard input ends; then one line of JSON: requests sent, answered 200, failed, the achieved rate,
 * the longest gap between two successful answers (from the start to the first one and from the last
 * one to the end count too), what each failure was, and how many answers each body had. It runs as
 * a program of its own (started with {@code java LoadGen.java}, no dependencies), so that a test can
 * start it inside a network namespace with {@code nsenter --net=...}.
 *
 * <pre>java tests/support/LoadGen.java URL [RATE] [TIMEOUT_MS]     defaults 60 requests/s, 3000 ms</pre>
 */
public final class LoadGen {
    private record Answer(long sentNanos, long doneNanos, boolean ok, String what) {}

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int timeoutMs = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        ExecutorService pool = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
        HttpClient client = HttpClient.newBuilder().executor(pool).connectTimeout(Duration.ofMillis(timeoutMs)).build();
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        long start = System.nanoTime();
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        ticks.scheduleAtFixedRate(() -> {
            long at = System.nanoTime();
            sent.incrementAndGet();
            HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofMillis(timeoutMs)).GET().build();
            client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                long done = System.nanoTime();
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                if (e != null) answers.add(new Answer(at, done, false, cause.getClass().getSimpleName()));
                else if (r.statusCode() != 200) answers.add(new Answer(at, done, false, "status " + r.statusCode()));
                else answers.add(new Answer(at, done, true, r.body().strip()));
            });
        }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
        ready();
        drain(System.in);
        long end = System.nanoTime();
        ticks.shutdownNow();
        // the requests in flight get their own time limit to finish
        long deadline = System.nanoTime() + (timeoutMs + 1000) * 1_000_000L;
        while (answers.size() < sent.get() && System.nanoTime() < deadline) Thread.sleep(20);
        List<Answer> all = new ArrayList<>(answers);
        for (int i = all.size(); i < sent.get(); i++) all.add(new Answer(end, deadline, false, "no answer"));
        System.out.println(summary(all, start, end));
        System.exit(0);
    }

    /** Tells the starting process that requests flow now (one line on stderr). */
    private static void ready() {
        System.err.println("load: started");
        System.err.flush();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] b = new byte[256];
        while (in.read(b) >= 0) {
            // the starting process closes our stdin to stop the run
        }
    }

    static String summary(List<Answer> all, long start, long end) {
        all.sort((a, b) -> Long.compare(a.doneNanos, b.doneNanos));
        int ok = 0;
        long last = start;
        long gap = 0;
        Map<String, Integer> failures = new TreeMap<>();
        Map<String, Integer> bodies = new TreeMap<>();
        for (Answer a : all) {
            if (!a.ok) {
                failures.merge(a.what, 1, Integer::sum);
                continue;
            }
            ok++;
            bodies.merge(a.what, 1, Integer::sum);
            gap = Math.max(gap, a.doneNanos - last);
            last = a.doneNanos;
        }
        gap = Math.max(gap, end - last);
        double seconds = (end - start) / 1e9;
        return "{\"sent\": " + all.size() + ", \"ok\": " + ok + ", \"failed\": " + (all.size() - ok) + ", \"seconds\": "
                + String.format(java.util.Locale.ROOT, "%.1f", seconds) + ", \"rate\": "
                + String.format(java.util.Locale.ROOT, "%.1f", all.size() / seconds) + ", \"longest_gap_ms\": " + gap / 1_000_000
                + ", \"failures\": " + json(failures) + ", \"bodies\": " + json(bodies) + "}";
    }

    private static String json(Map<String, Integer> m) {
        StringBuilder b = new StringBuilder("{");
        for (var e : m.entrySet()) {
            if (b.length() > 1) b.append(", ");
            b.append('"').append(e.getKey().replace("\\", "\\\\").replace("\"", "\\\"")).append("\": ").append(e.getValue());
        }
        return b.append('}').toString();
    }
}
