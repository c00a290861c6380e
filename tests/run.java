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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the JUnit 5 suite: unit tests (package unit) and real-engine tests (package it).
 * Arguments: none (everything), "unit", "it", or test classes / Class#method names.
 * Ends with the line "tests: N passed, N failed" and a non-zero exit on any failure.
 */
public class run {
    public static void main(String[] args) {
        List<DiscoverySelector> selectors = new ArrayList<>();
        if (args.length == 0) {
            selectors.add(selectPackage("unit"));
            selectors.add(selectPackage("it"));
        }
        for (String a : args) {
            if (a.equals("unit") || a.equals("it")) selectors.add(selectPackage(a));
            else if (a.contains("#")) {
                String cls = a.substring(0, a.indexOf('#'));
                selectors.add(selectMethod((cls.contains(".") ? cls : guessPackage(cls)) + a.substring(a.indexOf('#'))));
            }
            else selectors.add(selectClass(a.contains(".") ? a : guessPackage(a)));
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        AtomicInteger passed = new AtomicInteger(), failed = new AtomicInteger(), skipped = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        var listener = new TestExecutionListener() {
            final java.util.Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();

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
                        result.getThrowable().ifPresent(Throwable::printStackTrace);
                    }
                    return;
                }
                if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                    skipped.incrementAndGet();
                    System.out.println("SKIP " + name(id) + ": " + result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
                } else if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    passed.incrementAndGet();
                    System.out.println("PASS " + name(id) + " (" + ms + " ms)");
                } else {
                    failed.incrementAndGet();
                    String msg = "FAIL " + name(id) + " (" + ms + " ms): "
                            + result.getThrowable().map(Throwable::toString).orElse(result.getStatus().toString());
                    failures.add(msg);
                    System.out.println(msg);
                    result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                }
                System.out.flush();
            }
        };
        LauncherFactory.create().execute(request, listener);
        if (!failures.isEmpty()) {
            System.out.println();
            System.out.println("failures:");
            failures.forEach(f -> System.out.println("  " + f.lines().findFirst().orElse(f)));
        }
        int total = passed.get() + failed.get();
        System.out.println();
        System.out.println("tests: " + passed.get() + " passed, " + failed.get() + " failed"
                + (skipped.get() > 0 ? ", " + skipped.get() + " skipped" : ""));
        System.exit(failed.get() == 0 && total > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier id) {
        return id.getSource().filter(s -> s instanceof MethodSource).map(s -> {
            MethodSource m = (MethodSource) s;
            String cls = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1);
            String disp = id.getDisplayName();
            return cls + "." + m.getMethodName() + (disp.startsWith(m.getMethodName() + "(") ? "" : " [" + disp + "]");
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
