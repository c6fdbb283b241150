package io.freshrec.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway's API tokens: one client a line, {@code NAME TOKEN [SCOPE,SCOPE...]}, {@code #} starts a comment. Only
 * SHA-256 digests of the tokens are kept, a presented token is compared with every one of them in constant time (no
 * early exit, so the time taken says nothing about which or how much matched), and no token is ever part of a
 * message: errors name the line and the client.
 */
public final class GatewayTokens {
    /** What a token may do; a line without scopes may do all of it. */
    public enum Scope {
        /** The lookups: a user's recommendations, an item's neighbours, the batch. */
        LOOKUPS,
        /** The model's state and versions, and the dashboard's figures. */
        MODEL;

        static Scope parse(String text, String where) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        where + ": unknown scope '" + text.trim() + "' (known: lookups, model)");
            }
        }
    }

    /** A client the token file names. */
    public record Client(String name, Set<Scope> scopes) {
        public boolean may(Scope scope) {
            return scopes.contains(scope);
        }
    }

    /** Shorter tokens are refused: they can be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;

    private record Entry(Client client, byte[] digest) {}

    private final List<Entry> entries;

    private GatewayTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The tokens of {@code file}; a one-line error (naming the file and line, never a token) when it is not valid. */
    public static GatewayTokens fromFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage());
        }
        return parse(lines, "token file " + file);
    }

    /** The tokens of an environment variable's value: lines as in the file, separated by newlines or ';'. */
    public static GatewayTokens fromText(String text, String source) {
        return parse(List.of(text.split("[\\n;]")), source);
    }

    static GatewayTokens parse(List<String> lines, String source) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> digests = new HashSet<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int comment = line.indexOf('#');
            if (comment >= 0) {
                line = line.substring(0, comment);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + ", line " + (n + 1);
            String[] fields = line.split("\\s+");
            if (fields.length < 2 || fields.length > 3) {
                throw new IllegalArgumentException(
                        where + ": expected 'NAME TOKEN [SCOPE,...]' (" + fields.length + " fields)");
            }
            String name = fields[0];
            String token = fields[1];
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(where + ": the token of client '" + name + "' is shorter than "
                        + MIN_TOKEN_LENGTH + " characters (make one with: openssl rand -hex 24)");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + ": client '" + name + "' is named twice");
            }
            byte[] digest = digest(token);
            if (!digests.add(new String(digest, StandardCharsets.ISO_8859_1))) {
                throw new IllegalArgumentException(where + ": client '" + name + "' has another client's token");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            if (fields.length == 3) {
                for (String scope : fields[2].split(",")) {
                    scopes.add(Scope.parse(scope, where));
                }
            } else {
                scopes = EnumSet.allOf(Scope.class);
            }
            entries.add(new Entry(new Client(name, Set.copyOf(scopes)), digest));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(source + " has no token: every /v1 route would refuse every request");
        }
        return new GatewayTokens(entries);
    }

    /** The client whose token {@code presented} is, compared with every token in constant time. */
    public Optional<Client> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = digest(presented);
        Client found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest, digest)) {
                found = entry.client;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The clients' names (for the start-up line: never their tokens). */
    public List<String> clientNames() {
        return entries.stream().map(e -> e.client.name()).toList();
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
