package io.freshrec.serving;

/** A lookup that could not be answered; the message is one line, fit for a terminal. */
public class LookupException extends Exception {
    private static final long serialVersionUID = 1L;

    public LookupException(String message) {
        super(message);
    }

    public LookupException(String message, Throwable cause) {
        super(message, cause);
    }
}
