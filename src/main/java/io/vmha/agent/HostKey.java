package io.vmha.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * A host's own signing key (Ed25519) for its peer answers. Its public half is published in the
 * host's own {@code status.reported.peerKeys}, which only that host's identity may write: a peer
 * checks an answer against the keys of the host it asked, so no host, and nobody who captured a
 * question, can answer for another. A key kept from before a rotation is published alongside, so
 * peers with an older view still accept its answers.
 */
public final class HostKey {
  private static final String ALGORITHM = "Ed25519";

  private final KeyPair pair;
  private final List<String> previous;

  private HostKey(KeyPair pair, List<String> previous) {
    this.pair = pair;
    this.previous = List.copyOf(previous);
  }

  /** A new key that lives as long as the process (a simulated host). */
  public static HostKey generate() {
    try {
      return new HostKey(KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair(), List.of());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java has no " + ALGORITHM, e);
    }
  }

  /**
   * The key kept in {@code file} (created, readable by its owner only, if missing), so a restarted
   * agent answers with the key its peers already know. The public keys in {@code file.previous}, if
   * present, are published too: rotate by moving the key there and restarting the agent.
   */
  public static HostKey loadOrCreate(Path file) throws IOException {
    List<String> previous = new ArrayList<>();
    Path older = file.resolveSibling(file.getFileName() + ".previous");
    if (Files.exists(older)) {
      previous.add(encode(read(older).getPublic()));
    }
    if (Files.exists(file)) {
      return new HostKey(read(file), previous);
    }
    HostKey key = generate();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".peer-key", ".tmp");
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(
        temp,
        Base64.getEncoder().encodeToString(key.pair.getPrivate().getEncoded())
            + "\n"
            + key.publicKey()
            + "\n");
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new HostKey(key.pair, previous);
  }

  private static KeyPair read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.size() < 2) {
      throw new IOException(file + " is not a vmha peer key (two Base64 lines expected)");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
      PrivateKey secret =
          factory.generatePrivate(
              new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines.get(0).trim())));
      PublicKey open =
          factory.generatePublic(
              new X509EncodedKeySpec(Base64.getDecoder().decode(lines.get(1).trim())));
      return new KeyPair(open, secret);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + " is not a vmha peer key: " + e.getMessage(), e);
    }
  }

  /** The public key peers check this host's answers with (X.509, Base64). */
  public String publicKey() {
    return encode(pair.getPublic());
  }

  /** What the host publishes: its key, then any it rotated away from. */
  public List<String> publishedKeys() {
    List<String> keys = new ArrayList<>();
    keys.add(publicKey());
    keys.addAll(previous);
    return keys;
  }

  /** The signature of the parts joined by newlines, Base64. */
  public String sign(String... parts) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(pair.getPrivate());
      signer.update(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + ALGORITHM, e);
    }
  }

  /** Whether one of {@code publicKeys} (as published) made {@code signature} over the parts. */
  public static boolean verify(Collection<String> publicKeys, String signature, String... parts) {
    if (signature == null || publicKeys == null) {
      return false;
    }
    byte[] message = String.join("\n", parts).getBytes(StandardCharsets.UTF_8);
    for (String key : publicKeys) {
      try {
        PublicKey open =
            KeyFactory.getInstance(ALGORITHM)
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key)));
        Signature verifier = Signature.getInstance(ALGORITHM);
        verifier.initVerify(open);
        verifier.update(message);
        if (verifier.verify(Base64.getDecoder().decode(signature))) {
          return true;
        }
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // a malformed key or signature verifies nothing; the next key may
      }
    }
    return false;
  }

  private static String encode(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  @Override
  public String toString() {
    return "HostKey[" + publicKey() + "]";
  }
}
