package lib.cli;

import lib.core.Exit;
import lib.core.Fail;
import lib.core.Interrupts;

import java.util.Locale;
import java.util.function.IntUnaryOperator;

/**
 * The gate between a clean's shown plan and its deleting: nothing to delete, a dry run, or no
 * consent (--yes, or a y typed at the terminal; without a terminal to ask on, no) end the run.
 */
public final class Consent {
    private Consent() {}

    public enum Answer { YES, NO, NO_TERMINAL }

    public static final String NO_TERMINAL =
            "nothing was deleted: no terminal to confirm on; run again with --yes to delete what is listed";

    /** What a clean's report says of how it ended. */
    public static class Ending {
        public String outcome;
        public String message;
    }

    /**
     * Null when deleting goes ahead. Otherwise the report gets its outcome and message, {@code finish}
     * prints it and gives the exit code: 0 for nothing to delete ({@code nothing} says why), a dry run
     * or a no; without a terminal to ask on, a one-line usage error (2).
     */
    public static Integer gate(Ending report, String nothing, boolean dryRun, boolean yes, Console console, String question,
                               IntUnaryOperator finish) {
        if (nothing != null || dryRun) {
            report.outcome = nothing != null ? "nothing" : "dry-run";
            report.message = nothing != null ? nothing : "dry run: nothing was deleted";
            console.ok(report.message);
            return finish.applyAsInt(Exit.OK);
        }
        Answer a = ask(yes, console, question);
        if (a == Answer.YES) return null;
        report.outcome = a == Answer.NO ? "declined" : "not-confirmed";
        report.message = a == Answer.NO ? "nothing was deleted" : NO_TERMINAL;
        if (a == Answer.NO) {
            console.info(report.message);
            return finish.applyAsInt(Exit.OK);
        }
        finish.applyAsInt(Exit.USAGE);
        throw Fail.usage(report.message + " (or --dry-run to only list)");
    }

    /** YES with {@code yes}; else the answer to {@code question} at the terminal, or NO_TERMINAL when there is none. */
    public static Answer ask(boolean yes, Console console, String question) {
        if (yes) return Answer.YES;
        if (System.console() == null) return Answer.NO_TERMINAL;
        console.flush();
        String answer = Interrupts.asking("nothing was deleted", () -> System.console().readLine("%s [y/N] ", question));
        if (answer == null) return Answer.NO;
        String a = answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes") ? Answer.YES : Answer.NO;
    }
}
