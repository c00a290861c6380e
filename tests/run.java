///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS org.junit.jupiter:junit-jupiter:5.14.1
//DEPS org.junit.platform:junit-platform-launcher:1.14.1
//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.22.4
//DEPS com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.22.4
//DEPS org.yaml:snakeyaml:2.5
//DEPS org.zeroturnaround:zt-exec:1.12
//DEPS org.fusesource.jansi:jansi:2.4.1
//DEPS org.slf4j:slf4j-nop:2.0.17
//SOURCES ../lib/*/*.java
//SOURCES support/*.java
//SOURCES unit/*.java
//SOURCES it/*.java

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the JUnit 5 suite: unit tests (package unit), then real-engine tests (package it).
 * Arguments: none (everything), "unit", "it", or test classes / Class#method names.
 *
 * <p>The unit tests run first, one class after another, and a failure among them ends the run
 * before any engine starts. Then tests/prepare starts the engine and registry, builds the test
 * images and installs the scripts' fast path for this exact code (World runs the scripts through it;
 * SEISEI_FAST=0 runs them through JBang), and the real-engine classes run in parallel,
 * SEISEI_TEST_THREADS at a time (default 4, for 2 cores: the tests mostly wait on the engine).
 *
 * <p>Parallel or alone (docs/TESTING.md, "Running the suite", says more):
 * <ul>
 * <li>by default a class runs beside other classes, its methods one after another on one thread;
 * <li>{@code @Execution(ExecutionMode.CONCURRENT)} on a class whose tests are independent (a world
 *     each, nothing static that changes) runs its methods in parallel too;
 * <li>{@code @Isolated} on a class that changes what the whole machine sees (swarm init/leave,
 *     mounts, /etc/docker/certs.d, images or processes others could use) or whose checks others'
 *     load would skew makes it run with nothing beside it. On a method it isolates the whole class,
 *     so a case that must run alone goes in a class of its own;
 * <li>{@code @ResourceLock("name")} on classes that share one thing keeps just those apart;
 * <li>{@code @Order(n)} on the longest classes starts them first (lowest n first, the others after
 *     them), so that the run does not end waiting on one long class; ZeroDowntimeIT, which mostly
 *     waits, goes first.
 * </ul>
 *
 * <p>Prints PASS/FAIL/SKIP per test, each class's duration when it ends and a table of them at the
 * end; the last line is "tests: N passed, N failed" (", N skipped" when some were), and the exit is
 * non-zero on any failure.
 */
public class run {
    static final AtomicInteger passed = new AtomicInteger(), failed = new AtomicInteger(), skipped = new AtomicInteger();
    static final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final Map<String, Double> classSeconds = new ConcurrentHashMap<>();
    static final Map<String, String> phases = new java.util.LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        List<DiscoverySelector> unit = new ArrayList<>(), it = new ArrayList<>();
        if (args.length == 0) {
            unit.add(selectPackage("unit"));
            it.add(selectPackage("it"));
        }
        for (String a : args) {
            if (a.equals("unit")) unit.add(selectPackage("unit"));
            else if (a.equals("it")) it.add(selectPackage("it"));
            else {
                String cls = a.contains("#") ? a.substring(0, a.indexOf('#')) : a;
                cls = cls.contains(".") ? cls : guessPackage(cls);
                DiscoverySelector sel = a.contains("#") ? selectMethod(cls + a.substring(a.indexOf('#'))) : selectClass(cls);
                (cls.startsWith("unit.") ? unit : it).add(sel);
            }
        }
        long t0 = SUITE_START;
        if (!unit.isEmpty()) {
            long t = System.nanoTime();
            execute(unit, Map.of());
            phases.put("unit tests", seconds(t));
            if (failed.get() > 0) {
                System.out.println();
                System.out.println("unit tests failed: no engine started, no real-engine test ran");
                finish(t0);
            }
        }
        if (!it.isEmpty()) {
            long t = System.nanoTime();
            String prefix = prepare();
            phases.put("engine, images, fast path", seconds(t));
            if (prefix == null) {
                failed.incrementAndGet();
                failures.add("FAIL tests/prepare: the engine, the test images or the fast path could not be made ready");
                finish(t0);
            }
            if (!prefix.isEmpty()) System.setProperty("seisei.fast", prefix);
            System.out.println(prefix.isEmpty() ? "[fast] scripts run through JBang" : "[fast] scripts run through " + prefix + "/bin");
            String threads = System.getenv().getOrDefault("SEISEI_TEST_THREADS", "4");
            t = System.nanoTime();
            execute(it, Map.of(
                    "junit.jupiter.execution.parallel.enabled", "true",
                    "junit.jupiter.execution.parallel.mode.default", "same_thread",
                    "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                    "junit.jupiter.execution.parallel.config.strategy", "fixed",
                    "junit.jupiter.execution.parallel.config.fixed.parallelism", threads,
                    "junit.jupiter.execution.parallel.config.fixed.max-pool-size", threads,
                    "junit.jupiter.testclass.order.default", "org.junit.jupiter.api.ClassOrderer$OrderAnnotation"));
            phases.put("real-engine tests (" + threads + " at a time)", seconds(t));
        }
        finish(t0);
    }

    /** Runs tests/prepare; returns the fast path's prefix ("" when none), or null when it failed. */
    static String prepare() throws Exception {
        Path script = support.World.REPO.resolve("tests/prepare");
        Process p = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) return null;
        return out.isEmpty() ? "" : out.lines().reduce((a, b) -> b).orElse("");
    }

    static void execute(List<DiscoverySelector> selectors, Map<String, String> config) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).configurationParameters(config).build();
        LauncherFactory.create().execute(request, new Listener());
    }

    /** When the suite started: each class's line says when it ran, relative to it. */
    static final long SUITE_START = System.nanoTime();

    static final class Listener implements TestExecutionListener {
        final Map<String, Long> started = new ConcurrentHashMap<>();
        final Map<String, int[]> perClass = new ConcurrentHashMap<>();

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                skipped.incrementAndGet();
                System.out.println("SKIP " + name(id) + ": " + reason);
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            long ms = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
            if (!id.isTest()) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    failed.incrementAndGet();
                    String msg = "FAIL " + id.getDisplayName() + " (container): " + result.getThrowable().map(Throwable::toString).orElse("");
                    failures.add(msg);
                    System.out.println(msg);
                    result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                }
                if (id.getSource().filter(s -> s instanceof ClassSource).isPresent()) {
                    String cls = simple(((ClassSource) id.getSource().get()).getClassName());
                    int[] n = perClass.getOrDefault(cls, new int[3]);
                    classSeconds.put(cls, ms / 1000.0);
                    long from = (started.getOrDefault(id.getUniqueId(), SUITE_START) - SUITE_START) / 1_000_000_000L;
                    System.out.printf("CLASS %s: %d passed, %d failed%s in %.1f s (%d s to %d s)%n", cls, n[0], n[1], n[2] > 0 ? ", " + n[2] + " skipped" : "",
                            ms / 1000.0, from, from + ms / 1000);
                }
                return;
            }
            String cls = id.getSource().filter(s -> s instanceof MethodSource).map(s -> simple(((MethodSource) s).getClassName())).orElse("?");
            int[] n = perClass.computeIfAbsent(cls, k -> new int[3]);
            String line;
            if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                skipped.incrementAndGet();
                synchronized (n) { n[2]++; }
                line = "SKIP " + name(id) + ": " + result.getThrowable().map(Throwable::getMessage).orElse("aborted");
            } else if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                passed.incrementAndGet();
                synchronized (n) { n[0]++; }
                line = "PASS " + name(id) + " (" + ms + " ms)";
            } else {
                failed.incrementAndGet();
                synchronized (n) { n[1]++; }
                line = "FAIL " + name(id) + " (" + ms + " ms): " + result.getThrowable().map(Throwable::toString).orElse(result.getStatus().toString());
                failures.add(line);
            }
            synchronized (System.out) {
                System.out.println(line);
                if (result.getStatus() == TestExecutionResult.Status.FAILED) result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                System.out.flush();
            }
        }
    }

    static void finish(long t0) {
        System.out.println();
        System.out.println("durations:");
        classSeconds.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> System.out.printf("  %7.1f s  %s%n", e.getValue(), e.getKey()));
        phases.forEach((k, v) -> System.out.println("  " + v + "  " + k));
        System.out.printf("  %7.1f s  in all (after the suite was compiled)%n", (System.nanoTime() - t0) / 1e9);
        if (!failures.isEmpty()) {
            System.out.println();
            System.out.println("failures:");
            failures.forEach(f -> System.out.println("  " + f.lines().findFirst().orElse(f)));
        }
        int total = passed.get() + failed.get();
        System.out.println();
        System.out.println("tests: " + passed.get() + " passed, " + failed.get() + " failed"
                + (skipped.get() > 0 ? ", " + skipped.get() + " skipped" : ""));
        System.out.flush();
        System.exit(failed.get() == 0 && total > 0 ? 0 : 1);
    }

    static String seconds(long since) {
        return String.format("%7.1f s", (System.nanoTime() - since) / 1e9);
    }

    static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String name(TestIdentifier id) {
        return id.getSource().filter(s -> s instanceof MethodSource).map(s -> {
            MethodSource m = (MethodSource) s;
            String disp = id.getDisplayName();
            return simple(m.getClassName()) + "." + m.getMethodName() + (disp.startsWith(m.getMethodName() + "(") ? "" : " [" + disp + "]");
        }).orElse(id.getDisplayName());
    }

    private static String guessPackage(String simple) {
        for (String p : new String[] {"unit.", "it."}) {
            try {
                Class.forName(p + simple);
                return p + simple;
            } catch (ClassNotFoundException ignored) {
            }
        }
        return simple;
    }
}
