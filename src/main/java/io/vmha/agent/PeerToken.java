package io.vmha.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every agent of a fleet shares for the peer endpoint. A request carries it as a bearer
 * token; an answer carries an HMAC-SHA256 over the asker's nonce and the answer, so neither a
 * stranger on the network can ask nor can it forge an answer (which could make a host fence
 * itself).
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

  /** HMAC-SHA256 of the parts joined by newlines, Base64. */
  public String sign(String... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(String.join("\n", parts).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Whether {@code signature} is {@link #sign} of the parts (constant-time comparison). */
  public boolean verify(String signature, String... parts) {
    if (signature == null) {
      return false;
    }
    return MessageDigest.isEqual(
        sign(parts).getBytes(StandardCharsets.UTF_8), signature.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "PeerToken[redacted]";
  }
}
