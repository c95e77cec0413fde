package dev.runner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The real API server's audit log (JSON lines), read as it grows: every request the server answered
 * (stage ResponseComplete; the policy omits the other stages), with the instants the benchmark
 * measures, all in the server's one clock (microseconds since the epoch):
 * <ul>
 *   <li>a Deployment's create arriving ({@code requestReceivedTimestamp} of the create, or of the
 *       server-side apply answered 201 Created: kro applies);</li>
 *   <li>a Deployment becoming available: the first status write whose answer (the stored object,
 *       logged at level RequestResponse) is ready as the operator judges it,
 *       {@link ServerLog#deploymentReady}; its {@code stageTimestamp};</li>
 *   <li>a RunnerGroup turning healthy (the operator's status write with {@code healthy: true}) and a
 *       kro instance turning ready (kro's status write with {@code state: ACTIVE} and condition
 *       {@code Ready=True});</li>
 *   <li>the benchmark's create of a group or an instance arriving.</li>
 * </ul>
 * Each request is attributed to one identity, {@link #who}.
 */
final class AuditLog {
  static final String OPERATOR = "operator";
  static final String KRO = "kro";
  static final String CONTROLLER_MANAGER = "kube-controller-manager";
  static final String SCHEDULER = "kube-scheduler";
  static final String KWOK = "kwok";
  static final String BENCH = "bench";
  static final String STAGER = "pod-stager";
  static final String APISERVER = "kube-apiserver";
  /** The user agent of the benchmark's own client. */
  static final String BENCH_AGENT = "runner-bench";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answered request; instants in microseconds since the epoch. */
  record Request(String who, String verb, String group, String resource, String subresource, String namespace,
      String name, int code, long received, long completed) {
    /** A request that changes stored state: not a read, and not a review (an access check is a POST that stores nothing). */
    boolean write() {
      return !verb.equals("get") && !verb.equals("list") && !verb.equals("watch") && !resource.endsWith("reviews");
    }

    String key() {
      return who + " " + (write() ? "write" : "read") + " " + verb + " " + resource
          + (subresource.isEmpty() ? "" : "/" + subresource);
    }
  }

  private final Path file;
  private long offset;
  private final StringBuilder partial = new StringBuilder();
  private final List<Request> requests = new ArrayList<>();
  private final Map<String, Long> created = new ConcurrentHashMap<>();
  private final Map<String, Long> available = new ConcurrentHashMap<>();
  private final Map<String, Long> healthy = new ConcurrentHashMap<>();
  private final Map<String, Long> applied = new ConcurrentHashMap<>();
  private final Map<String, Integer> unknownAgents = new ConcurrentHashMap<>();

  AuditLog(Path file) {
    this.file = file;
  }

  /** Reads what the server appended since the last call. */
  synchronized void poll() {
    if (!Files.exists(file)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size <= offset) {
        return;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - offset, 64 << 20));
      ch.read(buf, offset);
      buf.flip();
      offset += buf.limit();
      partial.append(StandardCharsets.UTF_8.decode(buf));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int start = 0;
    int nl;
    while ((nl = partial.indexOf("\n", start)) >= 0) {
      String line = partial.substring(start, nl);
      start = nl + 1;
      if (!line.isBlank()) {
        parse(line);
      }
    }
    partial.delete(0, start);
  }

  private void parse(String line) {
    JsonNode e;
    try {
      e = JSON.readTree(line);
    } catch (IOException ex) {
      throw new IllegalStateException("unreadable audit event: " + line, ex);
    }
    if (!"ResponseComplete".equals(e.path("stage").asText())) {
      return;
    }
    JsonNode ref = e.path("objectRef");
    String resource = ref.path("resource").asText("");
    String sub = ref.path("subresource").asText("");
    String ns = ref.path("namespace").asText("");
    String name = ref.path("name").asText("");
    String group = ref.path("apiGroup").asText("");
    String verb = e.path("verb").asText("");
    int code = e.path("responseStatus").path("code").asInt(0);
    String who = who(e.path("user").path("username").asText(""), e.path("userAgent").asText(""));
    long received = micros(e.path("requestReceivedTimestamp").asText());
    long completed = micros(e.path("stageTimestamp").asText());
    if (name.isEmpty() && verb.equals("create")) {
      name = e.path("responseObject").path("metadata").path("name").asText("");
    }
    Request r = new Request(who, verb, group, resource, sub, ns, name, code, received, completed);
    requests.add(r);
    boolean ok = code / 100 == 2;
    String key = ns + "/" + name;
    if (!ok || name.isEmpty()) {
      return;
    }
    // A create, or a server-side apply that created the object (kro applies its resources): 201.
    boolean creates = verb.equals("create") || (verb.equals("patch") && code == 201);
    if (creates && resource.equals("deployments") && sub.isEmpty()) {
      created.putIfAbsent(key, received);
    }
    if (who.equals(BENCH) && verb.equals("create") && sub.isEmpty()
        && (resource.equals("runnergroups") || group.equals("kro.run"))) {
      applied.putIfAbsent(key, received);
    }
    if (sub.equals("status") && (verb.equals("update") || verb.equals("patch"))) {
      JsonNode obj = e.path("responseObject");
      if (resource.equals("deployments") && ServerLog.deploymentReady(obj)) {
        available.putIfAbsent(key, completed);
      } else if (resource.equals("runnergroups") && obj.path("status").path("healthy").asBoolean(false)) {
        healthy.putIfAbsent(key, completed);
      } else if (group.equals("kro.run") && kroReady(obj)) {
        healthy.putIfAbsent(key, completed);
      }
    }
  }

  private static boolean kroReady(JsonNode instance) {
    JsonNode s = instance.path("status");
    if (!"ACTIVE".equals(s.path("state").asText())) {
      return false;
    }
    for (JsonNode c : s.path("conditions")) {
      if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
        return true;
      }
    }
    return false;
  }

  /** The identity of a request: the operator's ServiceAccount, else the client's user agent. */
  String who(String user, String agent) {
    if (user.startsWith("system:serviceaccount:runner-system:")) {
      return OPERATOR;
    }
    for (String component : List.of(CONTROLLER_MANAGER, SCHEDULER, KWOK, KRO, APISERVER)) {
      if (agent.startsWith(component + "/")) {
        return component;
      }
    }
    if (agent.startsWith(BENCH_AGENT)) {
      return BENCH;
    }
    if (agent.startsWith("fabric8-kubernetes-client")) {
      return STAGER; // the admin client of dev.runner.it: StagedPods annotating Pods, node set-up
    }
    unknownAgents.merge(user + " " + agent, 1, Integer::sum);
    return "other";
  }

  private static long micros(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return 0;
    }
    Instant i = Instant.parse(timestamp);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  // ---- queries (each polls first) ----

  synchronized Long created(String ns, String name) {
    poll();
    return created.get(ns + "/" + name);
  }

  synchronized Long available(String ns, String name) {
    poll();
    return available.get(ns + "/" + name);
  }

  /** A RunnerGroup healthy, or a kro instance ready. */
  synchronized Long healthy(String ns, String name) {
    poll();
    return healthy.get(ns + "/" + name);
  }

  synchronized Long applied(String ns, String name) {
    poll();
    return applied.get(ns + "/" + name);
  }

  synchronized long countHealthy(String ns) {
    poll();
    return healthy.keySet().stream().filter(k -> k.startsWith(ns + "/")).count();
  }

  synchronized long countAvailable(String ns) {
    poll();
    return available.keySet().stream().filter(k -> k.startsWith(ns + "/")).count();
  }

  /** The last instant the log holds (microseconds), or 0. */
  synchronized long lastCompleted() {
    poll();
    return requests.isEmpty() ? 0 : requests.get(requests.size() - 1).completed();
  }

  synchronized List<Request> matching(Predicate<Request> filter) {
    poll();
    return requests.stream().filter(filter).toList();
  }

  /** Requests per {@link Request#key()} among those that match. */
  synchronized Map<String, Long> counts(Predicate<Request> filter) {
    poll();
    Map<String, Long> counts = new TreeMap<>();
    for (Request r : requests) {
      if (filter.test(r)) {
        counts.merge(r.key(), 1L, Long::sum);
      }
    }
    return counts;
  }

  Map<String, Integer> unknownAgents() {
    return Map.copyOf(unknownAgents);
  }
}
