package lib.core;

/** A failure that ends a script with a one-line message and a documented exit code. */
public class Fail extends RuntimeException {
    public final int code;

    public Fail(int code, String message) {
        super(message);
        this.code = code;
    }

    public Fail(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public static Fail usage(String message) { return new Fail(Exit.USAGE, message); }

    public static Fail failed(String message) { return new Fail(Exit.FAILED, message); }

    public static Fail failed(String message, Throwable cause) { return new Fail(Exit.FAILED, message, cause); }

    /** The message as one line, whatever the cause put in it. */
    public String oneLine() {
        String m = getMessage() == null ? "failed" : getMessage();
        return m.replaceAll("[\\r\\n\\t]+", " ").trim();
    }
}
