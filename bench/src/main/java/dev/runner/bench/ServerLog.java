package dev.runner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps the mock API server's dispatcher: counts every request per client (told apart by the
 * bearer token each client was given) and per verb and resource, and timestamps, with
 * {@link System#nanoTime()} in this JVM, the moments the benchmark measures:
 * <ul>
 *   <li>a Deployment's creation request arriving (before the server handles it);</li>
 *   <li>a Deployment becoming ready: the status write that makes it available has been handled
 *       (the server's answer, the stored object, is ready);</li>
 *   <li>a RunnerGroup becoming healthy: the status write with {@code healthy: true} handled.</li>
 * </ul>
 */
final class ServerLog extends Dispatcher {
  static final String OPERATOR = "operator";
  static final String KUBELET = "kubelet";
  static final String BENCH = "bench";
  static final String OTHER = "other";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Dispatcher delegate;
  private final Map<String, String> clientsByToken;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Long> created = new ConcurrentHashMap<>();
  private final Map<String, Long> ready = new ConcurrentHashMap<>();
  private final Map<String, Long> groupHealthy = new ConcurrentHashMap<>();
  private final LongAdder busyNanos = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Set<String> threads = ConcurrentHashMap.newKeySet();
  private final AtomicLong requests = new AtomicLong();

  ServerLog(Dispatcher delegate, Map<String, String> clientsByToken) {
    this.delegate = delegate;
    this.clientsByToken = Map.copyOf(clientsByToken);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    long arrived = System.nanoTime();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    threads.add(Thread.currentThread().getName());
    requests.incrementAndGet();
    String client = client(request);
    Path path = Path.parse(request.getPath());
    String method = request.getMethod();
    boolean write = !"GET".equals(method);
    String verb = verb(method, path, request.getPath());
    counts.computeIfAbsent(client + " " + (write ? "write" : "read") + " " + verb + " " + path.resource()
        + (path.subresource() == null ? "" : "/" + path.subresource()), k -> new LongAdder()).increment();
    if ("POST".equals(method) && "deployments".equals(path.resource()) && path.name() == null) {
      String name = field(request.getBody() == null ? null : request.getBody().getBytes(), "metadata", "name");
      if (name != null) {
        created.putIfAbsent(path.namespace() + "/" + name, arrived);
      }
    }
    MockResponse response;
    try {
      response = delegate.dispatch(request);
    } finally {
      inFlight.decrementAndGet();
    }
    long done = System.nanoTime();
    busyNanos.add(done - arrived);
    if (write && path.name() != null && "status".equals(path.subresource()) && response != null
        && response.code() / 100 == 2 && response.getBody() != null) {
      if ("deployments".equals(path.resource())) {
        JsonNode d = parse(response.getBody().getBytes());
        if (d != null && deploymentReady(d)) {
          ready.putIfAbsent(path.namespace() + "/" + path.name(), done);
        }
      } else if ("runnergroups".equals(path.resource())) {
        JsonNode g = parse(response.getBody().getBytes());
        if (g != null && g.path("status").path("healthy").asBoolean(false)) {
          groupHealthy.putIfAbsent(path.namespace() + "/" + path.name(), done);
        }
      }
    }
    return response;
  }

  /** Ready as the operator judges it (DeploymentHealth): latest generation observed, all replicas updated and available. */
  static boolean deploymentReady(JsonNode d) {
    long generation = d.path("metadata").path("generation").asLong(0);
    int replicas = d.path("spec").path("replicas").asInt(1);
    JsonNode s = d.path("status");
    return replicas > 0
        && s.path("observedGeneration").asLong(-1) >= generation
        && s.path("updatedReplicas").asInt(0) >= replicas
        && s.path("availableReplicas").asInt(0) >= replicas
        && s.path("replicas").asInt(0) == replicas;
  }

  private String client(RecordedRequest request) {
    String auth = request.getHeader("Authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      String who = clientsByToken.get(auth.substring("Bearer ".length()).trim());
      if (who != null) {
        return who;
      }
    }
    return OTHER;
  }

  private static String verb(String method, Path path, String raw) {
    return switch (method) {
      case "GET" -> raw.contains("watch=true") ? "watch" : path.name() == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> method.toLowerCase();
    };
  }

  private static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      return null;
    }
  }

  private static String field(byte[] body, String... path) {
    JsonNode node = parse(body);
    if (node == null) {
      return null;
    }
    for (String p : path) {
      node = node.path(p);
    }
    return node.isTextual() ? node.asText() : null;
  }

  // ---- what the benchmark reads ----

  /** A snapshot of the counters: key "client read|write verb resource[/sub]" to count. */
  Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  Long created(String namespace, String deployment) {
    return created.get(namespace + "/" + deployment);
  }

  Long ready(String namespace, String deployment) {
    return ready.get(namespace + "/" + deployment);
  }

  Long groupHealthy(String namespace, String group) {
    return groupHealthy.get(namespace + "/" + group);
  }

  long healthyGroups(String namespace) {
    String prefix = namespace + "/";
    return groupHealthy.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  long readyDeployments(String namespace) {
    String prefix = namespace + "/";
    return ready.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  long busyNanos() {
    return busyNanos.sum();
  }

  long requests() {
    return requests.get();
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  Set<String> dispatchThreads() {
    return Set.copyOf(threads);
  }

  /** The parts of an API path: /api/v1/namespaces/NS/RESOURCE[/NAME[/SUB]] or /apis/G/V/... */
  record Path(String namespace, String resource, String name, String subresource) {
    static Path parse(String raw) {
      String p = raw;
      int q = p.indexOf('?');
      if (q >= 0) {
        p = p.substring(0, q);
      }
      String[] s = p.split("/");
      // s[0] = "", s[1] = api|apis
      int i;
      if (s.length > 1 && "api".equals(s[1])) {
        i = 3;
      } else if (s.length > 1 && "apis".equals(s[1])) {
        i = 4;
      } else {
        return new Path(null, p, null, null);
      }
      String namespace = null;
      if (s.length > i + 1 && "namespaces".equals(s[i]) && s.length > i + 2) {
        namespace = s[i + 1];
        i += 2;
      }
      String resource = s.length > i ? s[i] : "";
      String name = s.length > i + 1 ? s[i + 1] : null;
      String sub = s.length > i + 2 ? s[i + 2] : null;
      return new Path(namespace, resource, name, sub);
    }
  }
}
