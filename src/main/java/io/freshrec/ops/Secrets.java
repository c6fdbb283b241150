package io.freshrec.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * Secrets in settings: which keys hold one, how a recorded or printed {@code -D KEY=VALUE} hides its value, and
 * {@code ${env:NAME}} references, which keep a secret out of every argument list and file: the reference is what is
 * recorded, and it is resolved from the environment only where the value is used (the Kafka clients' properties).
 * Kafka's own config providers ({@code ${file:/path:key}} with {@code config.providers}) are references too and pass
 * through untouched. A URL's password ({@code redis://user:password@host}) is a secret under any key.
 */
public final class Secrets {
    /** What a secret's value is replaced with where it is recorded or printed. */
    public static final String REDACTED = "<redacted>";

    private static final Pattern WORDS = Pattern.compile("password|passwd|secret|token|jaas|credential|apikey");
    /** A key segment (between '.', '-', '_') that names a key, such as ssl.keystore.key or account.key. */
    private static final Pattern KEY_SEGMENT = Pattern.compile("(^|[._-])key($|[._-])");

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
    /** A value that starts as a URL does: scheme://. */
    private static final Pattern WHOLE_URL = Pattern.compile("\\s*[A-Za-z][A-Za-z0-9+.-]*://");
    /** A whole value that is a config-provider reference: ${provider:...}. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{[A-Za-z][A-Za-z0-9_-]*:[^}]+}");

    private Secrets() {}

    /**
     * Whether {@code key} holds a secret: it names a password, secret, token, JAAS configuration, credential or key
     * (Flink's own list included), except the (de)serializer class settings of Kafka clients.
     */
    public static boolean isSensitive(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.endsWith("serializer")) {
            return false;
        }
        return WORDS.matcher(lower).find() || KEY_SEGMENT.matcher(lower).find() || GlobalConfiguration.isSensitive(key);
    }

    /** Whether {@code value} is a reference ({@code ${env:NAME}}, a Kafka config provider's) rather than a secret. */
    public static boolean isReference(String value) {
        return value != null && REFERENCE.matcher(value.trim()).matches();
    }

    /** {@code value} as it may be recorded or printed under {@code key}. */
    public static String shown(String key, String value) {
        if (isReference(value)) {
            return value;
        }
        return isSensitive(key) ? REDACTED : withoutUrlPasswords(value);
    }

    /**
     * {@code text} with the password of every URL in it ({@code scheme://user:password@host...}) replaced by {@link
     * #REDACTED}, unless the password is a reference ({@code ${env:NAME}}); a user part without a password
     * ({@code scheme://token@host}) is redacted whole. Errs on the side of hiding: the user part runs to the last
     * '@' (of the whole value when it is one URL, else before white space), so a password with an unencoded '/', '@'
     * or space is hidden too.
     */
    public static String withoutUrlPasswords(String text) {
        if (text == null || !text.contains("://")) {
            return text;
        }
        Matcher whole = WHOLE_URL.matcher(text);
        if (whole.lookingAt()) {
            // One URL (a setting's or an option's value): its user part runs to its last '@', white space or not.
            int start = whole.end();
            int at = text.lastIndexOf('@');
            return at < start
                    ? text
                    : text.substring(0, start) + withoutPassword(text.substring(start, at)) + text.substring(at);
        }
        StringBuilder shown = new StringBuilder();
        int from = 0;
        while (true) {
            int scheme = text.indexOf("://", from);
            if (scheme < 0) {
                break;
            }
            int start = scheme + 3;
            int end = start;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            int at = text.lastIndexOf('@', end - 1);
            shown.append(text, from, start);
            if (at >= start) {
                shown.append(withoutPassword(text.substring(start, at))).append('@');
                from = at + 1;
            } else {
                from = start;
            }
        }
        return shown.append(text.substring(from)).toString();
    }

    /** A URL's user part with its password hidden (kept when it is a reference). */
    private static String withoutPassword(String userInfo) {
        if (userInfo.isEmpty() || isReference(userInfo)) {
            return userInfo;
        }
        int colon = colonOutsideReferences(userInfo);
        if (colon < 0) {
            return REDACTED;
        }
        String password = userInfo.substring(colon + 1);
        return password.isEmpty() || isReference(password) ? userInfo : userInfo.substring(0, colon + 1) + REDACTED;
    }

    private static int colonOutsideReferences(String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}' && depth > 0) {
                depth--;
            } else if (c == ':' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code args} with the value of every {@code -D KEY=VALUE} (or {@code --set}) that holds a secret hidden, and
     * the password of every URL ({@code --redis redis://user:password@host}).
     */
    public static List<String> redactArgs(List<String> args) {
        List<String> shown = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            shown.add(withoutUrlPasswords(arg));
            if ((arg.equals("-D") || arg.equals("--set")) && i + 1 < args.size()) {
                shown.add(redactSetting(args.get(++i)));
            } else if (arg.startsWith("-D") && arg.length() > 2) {
                shown.set(shown.size() - 1, "-D" + redactSetting(arg.substring(2)));
            } else if (arg.startsWith("--set=")) {
                shown.set(shown.size() - 1, "--set=" + redactSetting(arg.substring("--set=".length())));
            }
        }
        return shown;
    }

    /**
     * The keys of settings in {@code args} whose values were redacted (wholly, or a URL's password), and the options
     * ({@code --redis}) whose values were.
     */
    public static List<String> redactedKeys(List<String> args) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String previous = i > 0 ? args.get(i - 1) : "";
            String setting = arg.startsWith("--set=")
                    ? arg.substring(6)
                    : arg.startsWith("-D")
                            ? arg.substring(2)
                            : previous.equals("-D") || previous.equals("--set") ? arg : null;
            int equals = setting == null ? -1 : setting.indexOf('=');
            if (equals > 0) {
                if (setting.substring(equals + 1).contains(REDACTED)) {
                    keys.add(setting.substring(0, equals));
                }
            } else if (arg.contains(REDACTED) && previous.startsWith("--")) {
                keys.add(previous);
            }
        }
        return keys;
    }

    /**
     * How to give the secret of {@code keyOrOption} (from {@link #redactedKeys} or {@link #givenByValue}) as a
     * reference: {@code -D KEY=${env:NAME}}, or {@code --option '${env:NAME}'}.
     */
    public static String asReference(String keyOrOption) {
        return keyOrOption.startsWith("--") ? keyOrOption + " '${env:NAME}'" : "-D " + keyOrOption + "=${env:NAME}";
    }

    /** The settings among {@code overrides} that hold a secret by value (not by reference), a URL's password too. */
    public static List<String> givenByValue(Map<String, String> overrides) {
        List<String> keys = new ArrayList<>();
        overrides.forEach((key, value) -> {
            if (!isReference(value)
                    && (isSensitive(key) || !withoutUrlPasswords(value).equals(value))) {
                keys.add(key);
            }
        });
        return keys;
    }

    /**
     * {@code value} of setting {@code key} with every {@code ${env:NAME}} replaced by the variable's value from {@code
     * environment}; a one-line IllegalArgumentException naming the setting when a variable is not set.
     */
    public static String resolve(String key, String value, Function<String, String> environment) {
        if (value == null || !value.contains("${env:")) {
            return value;
        }
        Matcher matcher = ENV.matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String found = environment.apply(matcher.group(1));
            if (found == null) {
                throw new IllegalArgumentException(key + ": environment variable " + matcher.group(1)
                        + " is not set (referenced as ${env:" + matcher.group(1) + "})");
            }
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(found));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /** As {@link #resolve(String, String, Function)} from this process's environment. */
    public static String resolve(String key, String value) {
        return resolve(key, value, System::getenv);
    }

    private static String redactSetting(String setting) {
        int equals = setting.indexOf('=');
        if (equals <= 0) {
            return withoutUrlPasswords(setting);
        }
        String key = setting.substring(0, equals);
        return key + "=" + shown(key, setting.substring(equals + 1));
    }
}
