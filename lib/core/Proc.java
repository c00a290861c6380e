package lib.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;
import org.zeroturnaround.exec.stream.LogOutputStream;

/**
 * Runs external programs through zt-exec: argument arrays only (never a shell), always with a
 * timeout, output captured for error messages and optionally streamed line by line for progress.
 */
public final class Proc {
    private Proc() {}

    /** Total time spent inside external programs by this process (for the overhead benchmark). */
    private static long externalNanos;

    public static long externalMillis() { return externalNanos / 1_000_000; }

    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() { return exitCode == 0; }

        /** The last non-blank line of stderr, else of stdout: what to show in a one-line error. */
        public String lastLine() {
            String s = lastNonBlank(stderr);
            return s.isEmpty() ? lastNonBlank(stdout) : s;
        }

        private static String lastNonBlank(String text) {
            String[] lines = text.split("\n");
            for (int i = lines.length - 1; i >= 0; i--) if (!lines[i].isBlank()) return lines[i].strip();
            return "";
        }
    }

    public static final class Spec {
        final List<String> command;
        Duration timeout = Duration.ofMinutes(5);
        Path dir;
        Map<String, String> env = Map.of();
        Consumer<String> progress;
        byte[] stdin;
        boolean ownGroup;

        Spec(List<String> command) { this.command = List.copyOf(command); }

        public Spec timeout(Duration d) { this.timeout = d; return this; }
        public Spec dir(Path d) { this.dir = d; return this; }
        public Spec env(Map<String, String> e) { this.env = e; return this; }
        /** Each output line (stdout and stderr) goes to {@code sink} as it comes. */
        public Spec progress(Consumer<String> sink) { this.progress = sink; return this; }
        public Spec stdin(String s) { this.stdin = s.getBytes(StandardCharsets.UTF_8); return this; }
        /**
         * Runs the program as the leader of a process group of its own (setsid): on a timeout or an
         * interrupt the whole group gets SIGTERM, then SIGKILL after {@link #GRACE}, so nothing it
         * started outlives the call.
         */
        public Spec ownGroup() { this.ownGroup = true; return this; }

        public Result run() { return Proc.run(this); }

        /** Runs and fails with a one-line error unless the exit code is 0. */
        public Result check(String what) {
            Result r = run();
            if (!r.ok()) throw Fail.failed(what + " failed (exit " + r.exitCode() + "): " + r.lastLine());
            return r;
        }
    }

    public static Spec of(List<String> command) {
        return new Spec(command);
    }

    /** How long a process group stopped with SIGTERM gets before SIGKILL. */
    public static final Duration GRACE = Duration.ofSeconds(5);

    private static Result run(Spec s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> command = s.ownGroup ? withSetsid(s.command) : s.command;
        ProcessExecutor ex = new ProcessExecutor().command(command).exitValueAny().destroyOnExit();
        if (s.dir != null) ex.directory(s.dir.toFile());
        if (!s.env.isEmpty()) ex.environment(s.env);
        if (s.stdin != null) ex.redirectInput(new java.io.ByteArrayInputStream(s.stdin));
        else ex.redirectInput(java.io.InputStream.nullInputStream());
        if (s.progress != null) {
            ex.redirectOutput(tee(out, s.progress)).redirectError(tee(err, s.progress));
        } else {
            ex.redirectOutput(out).redirectError(err);
        }
        long t0 = System.nanoTime();
        org.zeroturnaround.exec.StartedProcess started = null;
        try {
            started = ex.start();
            ProcessResult r = started.getFuture().get(s.timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return new Result(s.command, r.getExitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            stop(started.getProcess(), s.ownGroup);
            throw Fail.failed(String.join(" ", s.command) + " timed out after " + s.timeout.toSeconds() + "s"
                    + (s.ownGroup ? " (it and what it started were stopped)" : ""));
        } catch (IOException e) {
            throw Fail.failed("cannot run " + s.command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            stop(started.getProcess(), s.ownGroup);
            if (Interrupts.pending()) throw Interrupts.stopped("stopped " + s.command.get(0));
            Thread.currentThread().interrupt();
            throw Fail.failed("interrupted while running " + s.command.get(0));
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw Fail.failed("cannot run " + s.command.get(0) + ": " + c.getMessage(), c);
        } finally {
            synchronized (Proc.class) {
                externalNanos += System.nanoTime() - t0;
            }
        }
    }

    /** {@code command} started by setsid, so its pid is the id of a process group of its own. */
    static List<String> withSetsid(List<String> command) {
        List<String> c = new java.util.ArrayList<>(List.of("setsid"));
        c.addAll(command);
        return c;
    }

    /** Stops a process: its whole group (SIGTERM, then SIGKILL after {@link #GRACE}) when it leads one, else the process. */
    private static void stop(Process p, boolean group) {
        if (!group) {
            p.destroy();
            return;
        }
        String pgid = "-" + p.pid();
        signalGroup("TERM", pgid);
        long deadline = System.nanoTime() + GRACE.toNanos();
        while (System.nanoTime() < deadline && groupAlive(pgid)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                break;
            }
        }
        if (groupAlive(pgid)) signalGroup("KILL", pgid);
        p.destroyForcibly();
    }

    private static void signalGroup(String signal, String pgid) {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // the group is gone, or kill cannot run: nothing more to do here
        }
    }

    private static boolean groupAlive(String pgid) {
        try {
            Process k = new ProcessBuilder("kill", "-0", "--", pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return k.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) && k.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * A program that runs beside this one and prints a line whenever something happens (such as
     * `docker events`): {@link #await} returns early when one comes. Time spent waiting while it
     * runs is time spent waiting on that program, and counts as such in {@link #externalMillis}.
     */
    public static final class Follow implements AutoCloseable {
        private final Process process;
        private final java.util.concurrent.Semaphore lines = new java.util.concurrent.Semaphore(0);

        private Follow(List<String> command) {
            LogOutputStream out = new LogOutputStream() {
                @Override
                protected void processLine(String line) {
                    lines.release();
                }
            };
            Process p;
            if (command.isEmpty()) {
                this.process = null;
                return;
            }
            try {
                p = new ProcessExecutor().command(command).redirectInput(java.io.InputStream.nullInputStream())
                        .redirectOutput(out).redirectError(OutputStream.nullOutputStream()).destroyOnExit().start().getProcess();
            } catch (IOException e) {
                p = null; // then await is a plain sleep
            }
            this.process = p;
        }

        public boolean alive() { return process != null && process.isAlive(); }

        /** Waits up to {@code millis} for a line; true if one (or more) came since the last call. */
        public boolean await(long millis) {
            boolean counted = alive();
            long t0 = System.nanoTime();
            try {
                boolean got = lines.tryAcquire(Math.max(0, millis), java.util.concurrent.TimeUnit.MILLISECONDS);
                lines.drainPermits();
                return got;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Fail.failed("interrupted while waiting");
            } finally {
                if (counted) synchronized (Proc.class) { externalNanos += System.nanoTime() - t0; }
            }
        }

        @Override
        public void close() { if (process != null) process.destroy(); }
    }

    /** Starts {@code command} beside this process; when it is empty or cannot start, {@link Follow#await} just sleeps. */
    public static Follow follow(List<String> command) {
        return new Follow(command);
    }

    private static OutputStream tee(ByteArrayOutputStream capture, Consumer<String> sink) {
        LogOutputStream lines = new LogOutputStream() {
            @Override
            protected void processLine(String line) {
                sink.accept(line);
            }
        };
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                synchronized (capture) { capture.write(b); }
                lines.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (capture) { capture.write(b, off, len); }
                lines.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                lines.close();
            }
        };
    }
}
