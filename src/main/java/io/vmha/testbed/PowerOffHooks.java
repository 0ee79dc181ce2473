package io.vmha.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the emulated BMCs announce a ForceOff before they carry it out: a small HTTP server on
 * 127.0.0.1 that runs the Java hook registered for that system and answers only when it has
 * returned. The emulator's configuration calls it from inside the power request, so the BMC accepts
 * the request, and can ever report Off, only after the hook has run.
 */
final class PowerOffHooks implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final Map<String, Runnable> hooks = new ConcurrentHashMap<>();

  PowerOffHooks() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/power-off", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/power-off");
  }

  /** Runs {@code hook} when system {@code uuid} is told ForceOff while not Off. */
  void on(String uuid, Runnable hook) {
    hooks.put(uuid, hook);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode request = JSON.readTree(exchange.getRequestBody());
      Runnable hook = hooks.get(request.path("uuid").asText());
      try {
        if (hook != null) {
          // one hook at a time: a client that timed out sends its power-off again while the
          // first is still in its hook
          synchronized (this) {
            hook.run();
          }
        }
        exchange.sendResponseHeaders(204, -1);
      } catch (RuntimeException e) {
        // the emulator fails the power request with this text: the test sees the hook's failure
        byte[] body =
            ("power-off hook of " + request.path("name").asText() + " failed: " + e)
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, body.length);
        exchange.getResponseBody().write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
