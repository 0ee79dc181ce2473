package io.vmha.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The files one sushy-emulator run starts from: its configuration (sushy-emulator-config.py, the
 * same every run) with the run's values beside it in bmcs.json, and the htpasswd file of its one
 * account.
 *
 * @param systemIds each host's system id (a UUID), in the order the emulator lists them
 * @param stuck the hosts whose BMC accepts a power-off and never carries it out
 * @param hookUrl where the emulator announces a ForceOff before carrying it out
 * @param powerDelaySeconds the whole seconds after the second of a power request at which the fake
 *     driver carries it out; null for its own random 1 to 11
 */
record SushyConfig(
    int port,
    BmcCertificates tls,
    String username,
    String password,
    Map<String, String> systemIds,
    Set<String> stuck,
    URI hookUrl,
    Integer powerDelaySeconds) {

  private static final String PYTHON_CONFIG = "sushy-emulator-config.py";

  /** Writes the files into {@code dir}; the configuration file to start the emulator with. */
  Path writeTo(Path dir, Path venv) throws IOException {
    Path authFile = dir.resolve("htpasswd");
    Files.writeString(authFile, username + ":" + bcrypt(password, venv) + "\n");
    ObjectMapper json = new ObjectMapper();
    ObjectNode run = json.createObjectNode();
    run.put("port", port);
    run.put("certFile", tls.certFile.toString());
    run.put("keyFile", tls.keyFile.toString());
    run.put("authFile", authFile.toString());
    run.put("stateDir", Files.createDirectories(dir.resolve("state")).toString());
    run.put("hookUrl", hookUrl.toString());
    if (powerDelaySeconds != null) {
      run.put("powerDelaySeconds", powerDelaySeconds);
    }
    ArrayNode systems = run.putArray("systems");
    systemIds.forEach(
        (host, uuid) ->
            systems
                .addObject()
                .put("uuid", uuid)
                .put("name", host)
                .put("stuck", stuck.contains(host)));
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("bmcs.json").toFile(), run);
    Path config = dir.resolve(PYTHON_CONFIG);
    try (InputStream in = SushyConfig.class.getResourceAsStream(PYTHON_CONFIG)) {
      Files.copy(in, config);
    }
    return config;
  }

  // bcrypt is the one hash the emulator's htpasswd reader takes; the venv has the module. The
  // fewest rounds bcrypt allows: the emulator checks the hash on every request.
  private static String bcrypt(String password, Path venv) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                venv.resolve("bin/python").toString(),
                "-c",
                "import bcrypt, os;"
                    + " print(bcrypt.hashpw(os.environ['PASSWORD'].encode(),"
                    + " bcrypt.gensalt(rounds=4)).decode())")
            .redirectErrorStream(true);
    builder.environment().put("PASSWORD", password); // not in argv, which every user can read
    Process process = builder.start();
    try {
      String output =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException("bcrypt in " + venv + " failed: " + output);
      }
      return output;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while hashing the BMC password", e);
    }
  }

  @Override
  public String toString() {
    return "SushyConfig[port=" + port + ", systems=" + systemIds + ", stuck=" + stuck + "]";
  }
}
