package io.vmha.agent.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The BMCs of a simulated datacenter: one HTTPS Redfish service on localhost in which each
 * simulated host is a ComputerSystem named after it, so the operator powers simulated hosts off
 * with the same client, credentials Secret and TLS verification it uses on real BMCs. A power-off
 * crashes the host (its agent and every guest stop) after {@code powerOffDelay}, as a server's
 * power drops a moment after its BMC accepts the request, and the BMC reports Off only from then
 * on. Its certificate is self-signed, made at start with the JDK's keytool.
 */
public final class SimulatedBmcs implements AutoCloseable {
  public static final String USERNAME = "vmha-sim";
  private static final Pattern SYSTEM =
      Pattern.compile("/redfish/v1/Systems/([^/]+)(/Actions/ComputerSystem\\.Reset)?/?");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SimulatedDatacenter datacenter;
  private final Duration powerOffDelay;
  private final HttpsServer server;
  private final String password;
  private final String caPem;
  private final Set<String> cut = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService power =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vmha-sim-bmc");
            t.setDaemon(true);
            return t;
          });

  private SimulatedBmcs(
      SimulatedDatacenter datacenter, Duration powerOffDelay, SSLContext tls, String caPem)
      throws IOException {
    this.datacenter = datacenter;
    this.powerOffDelay = powerOffDelay;
    this.caPem = caPem;
    byte[] secret = new byte[12];
    new SecureRandom().nextBytes(secret);
    this.password = HexFormat.of().formatHex(secret);
    this.server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/redfish/v1/Systems/", this::serve);
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vmha-sim-bmc-http");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  /**
   * @param work a directory for the key store
   */
  public static SimulatedBmcs start(
      SimulatedDatacenter datacenter, Duration powerOffDelay, Path work) throws IOException {
    Files.createDirectories(work);
    Path store = work.resolve("sim-bmc.p12");
    Files.deleteIfExists(store);
    char[] storePassword = "vmha-sim-bmc".toCharArray();
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "bmc",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=vmha simulated BMC",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(storePassword))
            .redirectErrorStream(true)
            .start();
    try {
      if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
        throw new IOException(
            "keytool could not make the simulated BMCs' certificate: "
                + new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the simulated BMCs' certificate", e);
    }
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, storePassword);
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(keys, storePassword);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(managers.getKeyManagers(), null, null);
      return new SimulatedBmcs(datacenter, powerOffDelay, tls, pem(keys.getCertificate("bmc")));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the simulated BMCs' key store " + store, e);
    }
  }

  private static String pem(Certificate certificate) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(certificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  /** The Redfish service's base URL, for {@code spec.powerManagement.redfish.endpoint}. */
  public URI endpoint() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The certificate to trust ({@code caBundle}): the service's own, self-signed. */
  public String caPem() {
    return caPem;
  }

  public String password() {
    return password;
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"vmha-sim-bmc\"");
        reply(exchange, 401, "{\"error\":{\"message\":\"invalid credentials\"}}");
        return;
      }
      Matcher path = SYSTEM.matcher(exchange.getRequestURI().getPath());
      if (!path.matches() || !datacenter.hosts().contains(path.group(1))) {
        reply(exchange, 404, "{\"error\":{\"message\":\"no such system\"}}");
        return;
      }
      String host = path.group(1);
      boolean action = path.group(2) != null;
      if (!action && "GET".equals(exchange.getRequestMethod())) {
        String state = off(host) ? "Off" : "On";
        reply(exchange, 200, "{\"Id\":\"" + host + "\",\"PowerState\":\"" + state + "\"}");
      } else if (action && "POST".equals(exchange.getRequestMethod())) {
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        String reset = body.path("ResetType").asText();
        switch (reset) {
          case "ForceOff" ->
              power.schedule(
                  () -> setPower(host, false), powerOffDelay.toMillis(), TimeUnit.MILLISECONDS);
          case "On" -> power.execute(() -> setPower(host, true));
          default -> {
            reply(exchange, 400, "{\"error\":{\"message\":\"unsupported ResetType\"}}");
            return;
          }
        }
        exchange.sendResponseHeaders(204, -1);
      } else {
        reply(exchange, 405, "{\"error\":{\"message\":\"method not allowed\"}}");
      }
    }
  }

  private boolean authorized(String header) {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USERNAME + ":" + password).getBytes(StandardCharsets.UTF_8));
    return expected.equals(header);
  }

  /**
   * A host whose power the BMC cut, and that has not booted since. A host that crashed by a fault
   * (a kernel panic, a hung hypervisor) still has its power on, as a real BMC would report.
   */
  private boolean off(String host) {
    if (!datacenter.faults(host).contains(Fault.HOST_CRASH)) {
      cut.remove(host); // booted since, by its fault being healed
      return false;
    }
    return cut.contains(host);
  }

  private void setPower(String host, boolean on) {
    Set<Fault> faults = EnumSet.noneOf(Fault.class);
    faults.addAll(datacenter.faults(host));
    if (on) {
      faults.remove(Fault.HOST_CRASH);
      cut.remove(host);
    } else {
      faults.add(Fault.HOST_CRASH);
      cut.add(host);
    }
    datacenter.setFaults(host, faults);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** The hosts whose power is cut now. */
  public List<String> poweredOff() {
    return datacenter.hosts().stream().filter(this::off).sorted().toList();
  }

  @Override
  public void close() {
    server.stop(0);
    power.shutdownNow();
  }
}
