package io.freshrec.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The series selectors of a PromQL expression: each metric name it reads, with the label matchers in its braces. Not a
 * PromQL parser: a tokenizer that knows which identifiers are not metric names (functions, aggregations, keywords,
 * the label lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and
 * {@code group_right}) and skips what cannot hold one (strings, numbers and durations, range and subquery brackets,
 * comments, Grafana variables such as {@code $__rate_interval}). A call of a function it does not know, or braces and
 * quotes that do not close, are errors rather than guesses: a misspelt {@code rat(x[5m])} is not a metric {@code rat}.
 */
public final class PromQl {
    /** One label matcher: {@code label op "value"}, op one of {@code = != =~ !~}. */
    public record Matcher(String label, String op, String value) {}

    /**
     * A series selector: {@code metric{matchers}}, or {@code {matchers}} alone (metric null), whose name then comes from
     * a {@code __name__} matcher.
     */
    public record Selector(String metric, List<Matcher> matchers) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(metric == null ? "" : metric);
            if (!matchers.isEmpty() || metric == null) {
                text.append('{');
                for (int i = 0; i < matchers.size(); i++) {
                    Matcher m = matchers.get(i);
                    text.append(i == 0 ? "" : ", ")
                            .append(m.label())
                            .append(m.op())
                            .append('"')
                            .append(m.value());
                    text.append('"');
                }
                text.append('}');
            }
            return text.toString();
        }
    }

    /** Functions of PromQL (Prometheus 2 and 3), including the {@code @} modifier's {@code start()} and {@code end()}. */
    static final Set<String> FUNCTIONS = Set.of(
            "abs",
            "absent",
            "absent_over_time",
            "acos",
            "acosh",
            "asin",
            "asinh",
            "atan",
            "atanh",
            "avg_over_time",
            "ceil",
            "changes",
            "clamp",
            "clamp_max",
            "clamp_min",
            "cos",
            "cosh",
            "count_over_time",
            "day_of_month",
            "day_of_week",
            "day_of_year",
            "days_in_month",
            "deg",
            "delta",
            "deriv",
            "double_exponential_smoothing",
            "exp",
            "floor",
            "histogram_avg",
            "histogram_count",
            "histogram_fraction",
            "histogram_quantile",
            "histogram_stddev",
            "histogram_stdvar",
            "histogram_sum",
            "holt_winters",
            "hour",
            "idelta",
            "increase",
            "info",
            "irate",
            "label_join",
            "label_replace",
            "last_over_time",
            "ln",
            "log10",
            "log2",
            "mad_over_time",
            "max_over_time",
            "min_over_time",
            "minute",
            "month",
            "pi",
            "predict_linear",
            "present_over_time",
            "quantile_over_time",
            "rad",
            "rate",
            "resets",
            "round",
            "scalar",
            "sgn",
            "sin",
            "sinh",
            "sort",
            "sort_by_label",
            "sort_by_label_desc",
            "sort_desc",
            "sqrt",
            "stddev_over_time",
            "stdvar_over_time",
            "sum_over_time",
            "tan",
            "tanh",
            "time",
            "timestamp",
            "vector",
            "year",
            "start",
            "end");

    /** Aggregation operators: a call like a function, or followed by {@code by (...)} / {@code without (...)}. */
    static final Set<String> AGGREGATIONS = Set.of(
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio");

    /** Keywords followed by a parenthesised list of label names. */
    static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    /** Other words that are not metric names: operators and literals. */
    static final Set<String> KEYWORDS = Set.of("bool", "offset", "and", "or", "unless", "atan2", "inf", "nan");

    private enum Kind {
        IDENT,
        STRING,
        NUMBER,
        VARIABLE,
        MATCHERS,
        PUNCT
    }

    private record Token(Kind kind, String text, List<Matcher> matchers) {
        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }
    }

    private PromQl() {}

    /** Every series selector of {@code expression}, in order; throws IllegalArgumentException where it cannot tell. */
    public static List<Selector> selectors(String expression) {
        List<Token> tokens = tokenize(expression);
        List<Selector> selectors = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            if (token.kind() == Kind.MATCHERS) {
                // Braces not after a name: a selector by its matchers alone, e.g. {__name__=~"..."}.
                selectors.add(new Selector(null, token.matchers()));
            } else if (token.kind() == Kind.IDENT) {
                String word = token.text();
                // Keywords and aggregations are case-insensitive in PromQL (SUM BY, AND); metric names are not.
                String keyword = word.toLowerCase(Locale.ROOT);
                boolean call = next != null && next.is("(");
                if (LABEL_LISTS.contains(keyword)) {
                    if (call) {
                        i = closing(tokens, i + 1, expression);
                    }
                } else if (call) {
                    if (!FUNCTIONS.contains(word) && !AGGREGATIONS.contains(keyword)) {
                        throw new IllegalArgumentException("unknown function '" + word + "' in: " + expression);
                    }
                } else if (AGGREGATIONS.contains(keyword)
                        && next != null
                        && next.kind() == Kind.IDENT
                        && Set.of("by", "without").contains(next.text().toLowerCase(Locale.ROOT))) {
                    // sum by (x) (...): the aggregation, then its label list
                } else if (!KEYWORDS.contains(keyword)) {
                    boolean braces = next != null && next.kind() == Kind.MATCHERS;
                    selectors.add(new Selector(word, braces ? next.matchers() : List.of()));
                    if (braces) {
                        i++;
                    }
                }
            }
        }
        return selectors;
    }

    /** The index of the parenthesis closing the one at {@code open}. */
    private static int closing(List<Token> tokens, int open, String expression) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            if (tokens.get(i).is("(")) {
                depth++;
            } else if (tokens.get(i).is(")") && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed '(' in: " + expression);
    }

    private static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end + 1;
            } else if (c == '"' || c == '\'' || c == '`') {
                int end = stringEnd(text, i);
                tokens.add(new Token(Kind.STRING, unquote(text.substring(i, end)), null));
                i = end;
            } else if (c == '$') {
                int end = variableEnd(text, i);
                tokens.add(new Token(Kind.VARIABLE, text.substring(i, end), null));
                i = end;
            } else if (c == '[') {
                // A range or subquery: durations, a colon, Grafana variables; never a name.
                int end = text.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '[' in: " + text);
                }
                i = end + 1;
            } else if (c == '{') {
                List<Matcher> matchers = new ArrayList<>();
                i = matchers(text, i + 1, matchers);
                tokens.add(new Token(Kind.MATCHERS, "{}", List.copyOf(matchers)));
            } else if (isNameStart(c)) {
                int end = i;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                tokens.add(new Token(Kind.IDENT, text.substring(i, end), null));
                i = end;
            } else if (Character.isDigit(c)
                    || (c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1)))) {
                // A number, hexadecimal, with an exponent, or a duration such as 1h30m.
                int end = i;
                while (end < text.length()
                        && (Character.isLetterOrDigit(text.charAt(end))
                                || text.charAt(end) == '.'
                                || ((text.charAt(end) == '+' || text.charAt(end) == '-')
                                        && Character.toLowerCase(text.charAt(end - 1)) == 'e'
                                        && !text.startsWith("0x", i)))) {
                    end++;
                }
                tokens.add(new Token(Kind.NUMBER, text.substring(i, end), null));
                i = end;
            } else if (c == '}' || c == ']') {
                throw new IllegalArgumentException("unexpected '" + c + "' in: " + text);
            } else {
                tokens.add(new Token(Kind.PUNCT, String.valueOf(c), null));
                i++;
            }
        }
        return tokens;
    }

    /** Reads matchers from {@code from} (just after '{') into {@code into}; returns the index after the '}'. */
    private static int matchers(String text, int from, List<Matcher> into) {
        int i = from;
        while (true) {
            i = skipSpace(text, i);
            if (i >= text.length()) {
                throw new IllegalArgumentException("unclosed '{' in: " + text);
            }
            if (text.charAt(i) == '}') {
                return i + 1;
            }
            // A label name, or (Prometheus 3) a quoted one.
            String label;
            if (text.charAt(i) == '"') {
                int end = stringEnd(text, i);
                label = unquote(text.substring(i, end));
                i = end;
            } else {
                int end = i;
                while (end < text.length() && isNamePart(text.charAt(end)) && text.charAt(end) != ':') {
                    end++;
                }
                if (end == i) {
                    throw new IllegalArgumentException("expected a label name at " + i + " in: " + text);
                }
                label = text.substring(i, end);
                i = end;
            }
            i = skipSpace(text, i);
            String op = null;
            for (String candidate : List.of("=~", "!~", "!=", "=")) {
                if (op == null && text.startsWith(candidate, i)) {
                    op = candidate;
                }
            }
            if (op == null) {
                throw new IllegalArgumentException("expected = != =~ or !~ after '" + label + "' in: " + text);
            }
            i = skipSpace(text, i + op.length());
            if (i >= text.length() || "\"'`".indexOf(text.charAt(i)) < 0) {
                throw new IllegalArgumentException("expected a quoted value for '" + label + "' in: " + text);
            }
            int end = stringEnd(text, i);
            into.add(new Matcher(label, op, unquote(text.substring(i, end))));
            i = skipSpace(text, end);
            if (i < text.length() && text.charAt(i) == ',') {
                i++;
            } else if (i < text.length() && text.charAt(i) != '}') {
                throw new IllegalArgumentException("expected ',' or '}' at " + i + " in: " + text);
            }
        }
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index after the string literal starting at {@code start} (backticks have no escapes). */
    private static int stringEnd(String text, int start) {
        char quote = text.charAt(start);
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && quote != '`') {
                i++;
            } else if (c == quote) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("unclosed " + quote + " in: " + text);
    }

    private static String unquote(String literal) {
        String body = literal.substring(1, literal.length() - 1);
        return literal.charAt(0) == '`' ? body : body.replaceAll("\\\\(.)", "$1");
    }

    /** Grafana's {@code $name}, {@code ${name}} and {@code ${name:format}}. */
    private static int variableEnd(String text, int start) {
        if (start + 1 < text.length() && text.charAt(start + 1) == '{') {
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("unclosed '${' in: " + text);
            }
            return end + 1;
        }
        int end = start + 1;
        while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
            end++;
        }
        return end;
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
