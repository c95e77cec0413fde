package dev.runner.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's one HTTP port: {@code /healthz} (liveness), {@code /readyz} (readiness) and
 * {@code /metrics} (Prometheus text format). GET and HEAD only; nothing else is served.
 */
final class HttpEndpoints implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** A probe's answer: 200 when ok, 503 otherwise, with a one-line reason. */
  record Probe(boolean ok, String message) {}

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoints(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static HttpEndpoints start(int port, Supplier<Probe> live, Supplier<Probe> ready, Supplier<String> metrics)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      try {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
          return;
        }
        switch (exchange.getRequestURI().getPath()) {
          case "/healthz" -> probe(exchange, live.get());
          case "/readyz" -> probe(exchange, ready.get());
          case "/metrics" -> send(exchange, 200, PROMETHEUS_TEXT, metrics.get());
          default -> send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
        }
      } catch (RuntimeException e) {
        send(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
      } finally {
        exchange.close();
      }
    });
    server.start();
    return new HttpEndpoints(server, executor);
  }

  /** The port actually bound (useful with port 0). */
  int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, Probe probe) throws IOException {
    send(exchange, probe.ok() ? 200 : 503, "text/plain; charset=utf-8", probe.message() + "\n");
  }

  private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
