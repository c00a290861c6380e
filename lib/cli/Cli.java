package lib.cli;

import lib.model.CurrentManifest;
import lib.model.StackSettings;

import lib.core.Exit;
import lib.core.Fail;
import lib.core.Interrupts;
import lib.core.Json;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Runs a script's picocli command: one-line errors, documented exit codes, no stack traces. */
public final class Cli {
    private Cli() {}

    public static final String VERSION = "seisei-deploy 0.1.0";

    public static final String EXIT_CODES = "%nExit codes: 0 ok, 1 failed, 2 bad input, 3 production gate refused, 4 stack locked,"
            + " 5 unhealthy and rolled back, 6 unhealthy and not recovered, 7 drift or inconsistency.";

    /** Each script's footer ends with this and its own file, name and class (build-image.java -n build-image build_image). */
    public static final String COMPLETION = "Shell completion for bash and zsh: source the file this command writes:%n"
            + "  jbang --main picocli.AutoComplete ";

    public static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() { return new String[] {VERSION}; }
    }

    public static int run(Object command, String... args) {
        // Jackson's start-up (its classes, the mapper, the bean readers every script uses) runs on a second
        // core while picocli reads the command's annotations; the first real read then finds it done.
        Thread warm = new Thread(Cli::warmJson, "json-warm-up");
        warm.setDaemon(true);
        warm.start();
        Interrupts.install();
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // an argument such as a reason "@/etc/shadow" is text, never a file of arguments to read
        cl.setExpandAtFiles(false);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + oneLine(ex.getMessage()) + " (--help for usage)");
            err.flush();
            return Exit.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof Fail f) {
                err.println("error: " + f.oneLine());
                err.flush();
                return Interrupts.pending() ? Interrupts.exitCode() : f.code;
            }
            String m = ex.getMessage() == null ? "" : lib.core.Http.withoutClassNames(oneLine(ex.getMessage()));
            err.println("error: an internal error" + (m.isEmpty() ? "" : " (" + m + ")")
                    + ": please report it with the output of the same command run with SEISEI_DEBUG=1");
            if (System.getenv("SEISEI_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return Exit.FAILED;
        });
        int code = cl.execute(args);
        if (Interrupts.pending() && code != Interrupts.exitCode()) {
            // the signal came after the point of no return: what had to be finished is finished
            cl.getErr().println("stopped by a signal once the work in hand was finished (that work ended with exit " + code + ")");
            cl.getErr().flush();
            return Interrupts.exitCode();
        }
        return code;
    }

    /** Builds the mapper and the readers and writers of the files every script reads. */
    private static void warmJson() {
        try {
            Json.MAPPER.readValue("{}", StackSettings.class);
            Json.MAPPER.readValue("{}", CurrentManifest.class);
            Json.MAPPER.writeValueAsString(new CurrentManifest());
        } catch (java.io.IOException | RuntimeException e) {
            // only a head start: the real reads report their own errors
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n\\t]+", " ").trim();
    }
}
