package lib;

import java.util.Locale;

/** The consent a deletion needs: --yes, or a y typed at the terminal. Without a terminal to ask on, no. */
public final class Consent {
    private Consent() {}

    public enum Answer { YES, NO, NO_TERMINAL }

    public static final String NO_TERMINAL =
            "nothing was deleted: no terminal to confirm on; run again with --yes to delete what is listed";

    /** YES with {@code yes}; else the answer to {@code question} at the terminal, or NO_TERMINAL when there is none. */
    public static Answer ask(boolean yes, Console console, String question) {
        if (yes) return Answer.YES;
        if (System.console() == null) return Answer.NO_TERMINAL;
        console.flush();
        String answer = System.console().readLine("%s [y/N] ", question);
        if (answer == null) return Answer.NO;
        String a = answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes") ? Answer.YES : Answer.NO;
    }
}
