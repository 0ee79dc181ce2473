package io.vmha.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The TLS material of the emulated BMCs: a CA of their own, and a server certificate it signs for
 * the names the emulator is reached by, as PEM files the emulator (Python's ssl) loads. Made with
 * the openssl command where there is one, else with the JDK's keytool.
 */
final class BmcCertificates {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
  // the key stores keytool needs live only as long as the run, in its own directory
  private static final String STORE_PASSWORD = "vmha-test";

  /** The CA certificate, to trust. */
  final String caPem;

  /** The server certificate and its private key (PKCS#8), both PEM. */
  final Path certFile;

  final Path keyFile;

  private BmcCertificates(Path dir) throws IOException {
    this.caPem = Files.readString(dir.resolve("ca.pem"));
    this.certFile = dir.resolve("server.pem");
    this.keyFile = dir.resolve("server.key");
  }

  /**
   * A CA and a server certificate for {@code names} (host names or IP addresses), in {@code dir}.
   */
  static BmcCertificates create(Path dir, List<String> names) throws IOException {
    return hasOpenssl() ? withOpenssl(dir, names) : withKeytool(dir, names);
  }

  static boolean hasOpenssl() {
    return Script.run(List.of("openssl", "version"), TOOL_TIMEOUT).ok();
  }

  static BmcCertificates withOpenssl(Path dir, List<String> names) throws IOException {
    Files.createDirectories(dir);
    String ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run(
        dir,
        "openssl",
        "req -x509 " + ec + " -keyout ca.key -out ca.pem -days 30",
        "-subj /CN=vmha-test-BMC-CA -addext basicConstraints=critical,CA:TRUE",
        "-addext keyUsage=critical,keyCertSign,cRLSign");
    run(
        dir,
        "openssl",
        "req -new " + ec + " -keyout server.key -out server.csr -subj /CN=vmha-test-BMC");
    Files.writeString(
        dir.resolve("server.ext"),
        "subjectAltName="
            + subjectAltNames(names, "IP:", "DNS:")
            + "\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            + "extendedKeyUsage=serverAuth\n");
    run(
        dir,
        "openssl",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial",
        "-out server.pem -days 30 -extfile server.ext");
    return new BmcCertificates(dir);
  }

  static BmcCertificates withKeytool(Path dir, List<String> names) throws IOException {
    Files.createDirectories(dir);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    String ec = "-keyalg EC -groupname secp256r1 -validity 30 -storetype PKCS12";
    String ca = "-keystore ca.p12 -storepass " + STORE_PASSWORD;
    String server = "-keystore server.p12 -storepass " + STORE_PASSWORD;
    run(
        dir,
        keytool,
        "-genkeypair -alias ca -dname CN=vmha-test-BMC-CA " + ec,
        "-ext bc:c=ca:true -ext ku:c=keyCertSign,cRLSign " + ca);
    run(dir, keytool, "-exportcert -rfc -alias ca -file ca.pem " + ca);
    run(dir, keytool, "-genkeypair -alias server -dname CN=vmha-test-BMC " + ec + " " + server);
    run(dir, keytool, "-certreq -alias server -file server.csr " + server);
    run(
        dir,
        keytool,
        "-gencert -alias ca -infile server.csr -outfile server.pem -rfc -validity 30",
        "-ext san=" + subjectAltNames(names, "ip:", "dns:"),
        "-ext ku:c=digitalSignature -ext eku=serverAuth " + ca);
    // keytool keeps private keys inside key stores; Python's ssl wants the key as PEM
    Files.writeString(
        dir.resolve("server.key"), privateKeyPem(dir.resolve("server.p12"), "server"));
    return new BmcCertificates(dir);
  }

  private static String privateKeyPem(Path store, String alias) throws IOException {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(in, STORE_PASSWORD.toCharArray());
      Key key = keyStore.getKey(alias, STORE_PASSWORD.toCharArray());
      return "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the key of " + alias + " in " + store, e);
    }
  }

  private static String subjectAltNames(List<String> names, String ip, String dns) {
    List<String> entries = new ArrayList<>();
    for (String name : names) {
      entries.add((isIpAddress(name) ? ip : dns) + name);
    }
    return String.join(",", entries);
  }

  private static boolean isIpAddress(String name) {
    return name.contains(":") || name.matches("[0-9]+(\\.[0-9]+){3}");
  }

  // every argument the tools get is free of spaces (the files are named relative to dir)
  private static void run(Path dir, String tool, String... arguments) {
    List<String> command = new ArrayList<>(List.of(tool));
    for (String part : arguments) {
      command.addAll(List.of(part.trim().split("\\s+")));
    }
    Script.run(command, TOOL_TIMEOUT, dir).orFail();
  }
}
