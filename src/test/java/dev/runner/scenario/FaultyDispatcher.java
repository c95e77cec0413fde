package dev.runner.scenario;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wraps the mock server's dispatcher and misbehaves on purpose, for the operator's requests only
 * (told apart by their User-Agent): it fails a share of the requests a rule matches, chosen by a
 * seeded {@link Random} so a run can be repeated, and it can drop the operator's watches.
 *
 * <p>Every request the wrapped dispatcher answered is remembered with its code, so a test can
 * count, say, the creates of one Deployment that succeeded.
 */
public final class FaultyDispatcher extends Dispatcher {
  /** The User-Agent of the operator's client in the fixture. */
  public static final String OPERATOR_AGENT = "runner-operator-test";

  /** What goes wrong with a request. */
  public enum Fault {
    /** 500, the request not applied. */
    SERVER_ERROR,
    /** 409 Conflict, the request not applied (meant for PUT and PATCH). */
    CONFLICT,
    /** 429 Too Many Requests with Retry-After: 1, the request not applied. */
    TOO_MANY_REQUESTS,
    /** 403 Forbidden, the request not applied. */
    FORBIDDEN,
    /** 422 Unprocessable Entity (an invalid object, as admission or validation says), not applied. */
    INVALID,
    /** Applied, then answered after a delay. */
    SLOW,
    /** Applied, but the answer is a 500 (a timeout after the write went through). */
    LOST_RESPONSE
  }

  /** A request as answered: by the real dispatcher (code) or by a fault. */
  /** @param name the name in the body of a POST, else null */
  public record Answer(String method, String path, boolean operator, int code, Fault fault, String name) {}

  private record Rule(Predicate<RecordedRequest> when, double share, List<Fault> faults) {}

  private final Dispatcher delegate;
  private final Random random;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final Set<WebSocket> watches = ConcurrentHashMap.newKeySet();
  private final Set<String> staleWatches = ConcurrentHashMap.newKeySet();
  /** The paths of the operator's watches refused now. */
  private volatile Predicate<String> watchesDown = path -> false;
  private volatile Duration slowness = Duration.ofMillis(300);

  public FaultyDispatcher(Dispatcher delegate, long seed) {
    this.delegate = delegate;
    this.random = new Random(seed);
  }

  /** Fails {@code share} (0..1) of the operator's requests that match, each with one of {@code faults}. */
  public FaultyDispatcher fail(Predicate<RecordedRequest> when, double share, Fault... faults) {
    rules.add(new Rule(when, share, List.of(faults)));
    return this;
  }

  /** How long a {@link Fault#SLOW} answer takes. */
  public FaultyDispatcher slowness(Duration slowness) {
    this.slowness = slowness;
    return this;
  }

  /** No more faults from now on. */
  public void heal() {
    rules.clear();
  }

  /**
   * Closes every open watch of the operator and refuses new ones (500) until {@link #resumeWatches()}.
   * A resumed watch is answered 410 Gone once, as a real API server answers a watch from a
   * resourceVersion it no longer has: the informer lists again.
   */
  public void dropWatches() {
    dropWatches(path -> true);
  }

  /** As {@link #dropWatches()}, for the watches whose path {@code paths} matches only (say, one kind's). */
  public void dropWatches(Predicate<String> paths) {
    watchesDown = paths;
    for (WebSocket socket : List.copyOf(watches)) {
      String path = socket.request().getPath();
      if (paths.test(path)) {
        staleWatches.add(base(path));
        socket.close(1001, "dropped by the test");
        watches.remove(socket);
      }
    }
  }

  public void resumeWatches() {
    watchesDown = path -> false;
  }

  public List<Answer> answers() {
    return List.copyOf(answers);
  }

  /** Creates (POST) of the named object in the given collection path that the server accepted. */
  public long acceptedCreates(String collectionPath, String name) {
    return answers.stream()
        .filter(a -> "POST".equals(a.method()) && a.path().startsWith(collectionPath) && a.code() == 201)
        .filter(a -> name.equals(a.name()))
        .count();
  }

  /** Faults injected so far. */
  public long injected() {
    return answers.stream().filter(a -> a.fault() != null).count();
  }

  public long injected(Fault fault) {
    return answers.stream().filter(a -> a.fault() == fault).count();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    boolean operator = OPERATOR_AGENT.equals(request.getHeader("User-Agent"));
    String path = request.getPath();
    String posted = postedName(request);
    if (operator && path.contains("watch=true")) {
      if (watchesDown.test(path)) {
        return record(request, posted, true, error(500, "InternalError", "watches are down"), Fault.SERVER_ERROR);
      }
      if (staleWatches.remove(base(path))) {
        return record(request, posted, true, error(410, "Expired", "too old resource version"), null);
      }
      MockResponse response = delegate.dispatch(request);
      if (response.getWebSocketListener() != null) {
        response.withWebSocketUpgrade(tracked(response.getWebSocketListener()));
      }
      return response;
    }
    Fault fault = operator ? pick(request) : null;
    if (fault == null) {
      return record(request, posted, operator, delegate.dispatch(request), null);
    }
    return switch (fault) {
      case SERVER_ERROR -> record(request, posted, true, error(500, "InternalError", "injected fault"), fault);
      case CONFLICT -> record(request, posted, true, error(409, "Conflict",
          "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"), fault);
      case TOO_MANY_REQUESTS -> record(request, posted, true,
          error(429, "TooManyRequests", "injected throttling").setHeader("Retry-After", "1"), fault);
      case FORBIDDEN -> record(request, posted, true, error(403, "Forbidden",
          "deployments.apps is forbidden: User \"system:serviceaccount:runner:runner-operator\" cannot "
              + verb(request) + " resource \"deployments\" in API group \"apps\""), fault);
      case INVALID -> record(request, posted, true, error(422, "Invalid",
          "Deployment.apps \"" + (posted == null ? "" : posted) + "\" is invalid: spec.template.spec.containers[0].image: "
              + "Required value"), fault);
      case SLOW -> record(request, posted, true, delegate.dispatch(request).setBodyDelay(slowness), fault);
      case LOST_RESPONSE -> {
        MockResponse applied = delegate.dispatch(request);
        answers.add(new Answer(request.getMethod(), path, true, applied.code(), fault, posted));
        yield error(500, "InternalError", "injected fault after the write was applied");
      }
    };
  }

  private Fault pick(RecordedRequest request) {
    for (Rule rule : rules) {
      if (rule.when().test(request)) {
        synchronized (random) {
          if (random.nextDouble() < rule.share()) {
            return rule.faults().get(random.nextInt(rule.faults().size()));
          }
        }
      }
    }
    return null;
  }

  private MockResponse record(RecordedRequest request, String posted, boolean operator, MockResponse response, Fault fault) {
    answers.add(new Answer(request.getMethod(), request.getPath(), operator, response.code(), fault, posted));
    return response;
  }

  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");

  /** The first "name" of a POST body: metadata.name, as fabric8 serializes metadata first. */
  private static String postedName(RecordedRequest request) {
    if (!"POST".equals(request.getMethod())) {
      return null;
    }
    // getBytes, not getUtf8Body: reading the body would consume it before the server sees it
    String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
    Matcher m = NAME.matcher(body);
    return m.find() ? m.group(1) : null;
  }

  private WebSocketListener tracked(WebSocketListener inner) {
    return new WebSocketListener() {
      @Override
      public void onBeforeAccept(WebSocket webSocket, Response response) {
        inner.onBeforeAccept(webSocket, response);
      }

      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        watches.add(webSocket);
        inner.onOpen(webSocket, response);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        inner.onMessage(webSocket, text);
      }

      @Override
      public void onMessage(WebSocket webSocket, ByteString bytes) {
        inner.onMessage(webSocket, bytes);
      }

      @Override
      public void onMessage(WebSocket webSocket, byte[] bytes) {
        inner.onMessage(webSocket, bytes);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        watches.remove(webSocket);
        inner.onClosing(webSocket, code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        watches.remove(webSocket);
        inner.onClosed(webSocket, code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        watches.remove(webSocket);
        inner.onFailure(webSocket, t, response);
      }
    };
  }

  private static String base(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static String verb(RecordedRequest request) {
    return switch (request.getMethod()) {
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "get";
    };
  }

  private static MockResponse error(int code, String reason, String message) {
    String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + quote(message) + ",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Matchers for {@link #fail}. */
  public static Predicate<RecordedRequest> method(String... methods) {
    Set<String> set = Set.of(methods);
    return r -> set.contains(r.getMethod());
  }

  public static Predicate<RecordedRequest> path(String fragment) {
    return r -> r.getPath().contains(fragment);
  }

  public static Predicate<RecordedRequest> writes() {
    return method("POST", "PUT", "PATCH", "DELETE");
  }

  public static Predicate<RecordedRequest> notWatch() {
    return r -> !r.getPath().contains("watch=true");
  }

  static List<String> names(List<Answer> answers) {
    List<String> out = new ArrayList<>();
    answers.forEach(a -> out.add(a.method() + " " + a.path() + " " + a.code() + (a.fault() == null ? "" : " " + a.fault())));
    return out;
  }
}
