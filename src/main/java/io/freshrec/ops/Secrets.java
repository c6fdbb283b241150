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
 * through untouched.
 */
public final class Secrets {
    /** What a secret's value is replaced with where it is recorded or printed. */
    public static final String REDACTED = "<redacted>";

    private static final Pattern WORDS = Pattern.compile("password|passwd|secret|token|jaas|credential|apikey");
    /** A key segment (between '.', '-', '_') that names a key, such as ssl.keystore.key or account.key. */
    private static final Pattern KEY_SEGMENT = Pattern.compile("(^|[._-])key($|[._-])");

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
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
        return isSensitive(key) && !isReference(value) ? REDACTED : value;
    }

    /** {@code args} with the value of every {@code -D KEY=VALUE} (or {@code --set}) that holds a secret hidden. */
    public static List<String> redactArgs(List<String> args) {
        List<String> shown = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            shown.add(arg);
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

    /** The keys of settings in {@code args} whose values were redacted. */
    public static List<String> redactedKeys(List<String> args) {
        List<String> keys = new ArrayList<>();
        for (String arg : args) {
            String setting =
                    arg.startsWith("--set=") ? arg.substring(6) : arg.startsWith("-D") ? arg.substring(2) : arg;
            int equals = setting.indexOf('=');
            if (equals > 0 && setting.endsWith("=" + REDACTED)) {
                keys.add(setting.substring(0, equals));
            }
        }
        return keys;
    }

    /** The settings among {@code overrides} that hold a secret by value (not by reference). */
    public static List<String> givenByValue(Map<String, String> overrides) {
        List<String> keys = new ArrayList<>();
        overrides.forEach((key, value) -> {
            if (isSensitive(key) && !isReference(value)) {
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
            return setting;
        }
        String key = setting.substring(0, equals);
        return key + "=" + shown(key, setting.substring(equals + 1));
    }
}
