package lib;

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

        Spec(List<String> command) { this.command = List.copyOf(command); }

        public Spec timeout(Duration d) { this.timeout = d; return this; }
        public Spec dir(Path d) { this.dir = d; return this; }
        public Spec env(Map<String, String> e) { this.env = e; return this; }
        /** Each output line (stdout and stderr) goes to {@code sink} as it comes. */
        public Spec progress(Consumer<String> sink) { this.progress = sink; return this; }
        public Spec stdin(String s) { this.stdin = s.getBytes(StandardCharsets.UTF_8); return this; }

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

    private static Result run(Spec s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ProcessExecutor ex = new ProcessExecutor().command(s.command).timeout(s.timeout.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS).exitValueAny().destroyOnExit();
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
        try {
            ProcessResult r = ex.execute();
            return new Result(s.command, r.getExitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            throw Fail.failed(String.join(" ", s.command) + " timed out after " + s.timeout.toSeconds() + "s");
        } catch (IOException e) {
            throw Fail.failed("cannot run " + s.command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Fail.failed("interrupted while running " + s.command.get(0));
        } finally {
            synchronized (Proc.class) {
                externalNanos += System.nanoTime() - t0;
            }
        }
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
