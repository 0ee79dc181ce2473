package io.vmha.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The token every agent of a fleet shares for the peer endpoint: who may ask. It proves nothing
 * about an answer; answers are signed by the asked host's own {@link HostKey}, so whoever holds or
 * captures this token can ask, never answer for a host.
 */
public final class PeerToken {
  private static final int MIN_LENGTH = 16;
  private final byte[] secret;

  private PeerToken(byte[] secret) {
    if (secret.length < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "the peer token must be at least " + MIN_LENGTH + " bytes long");
    }
    this.secret = secret.clone();
  }

  public static PeerToken of(String token) {
    return new PeerToken(token.trim().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads the token from a file (e.g. a mounted Secret); surrounding whitespace is ignored. */
  public static PeerToken fromFile(Path file) throws IOException {
    return of(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** A random token, for a simulation whose agents all live in one process. */
  public static PeerToken random() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return of(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /** The value of the {@code Authorization} header a request carries. */
  public String authorizationHeader() {
    return "Bearer " + new String(secret, StandardCharsets.UTF_8);
  }

  /** Whether an {@code Authorization} header carries this token (constant-time comparison). */
  public boolean authorizes(String header) {
    if (header == null) {
      return false;
    }
    byte[] given = header.getBytes(StandardCharsets.UTF_8);
    byte[] expected = authorizationHeader().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, expected);
  }

  @Override
  public String toString() {
    return "PeerToken[redacted]";
  }
}
