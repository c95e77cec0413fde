package dev.runner.scenario;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Wraps the mock server's dispatcher and remembers every request (method and path), so a test can
 * count what the operator asked of the API server.
 */
public final class RequestLog extends Dispatcher {
  /** One request as the server saw it. */
  public record Entry(String method, String path) {
    public boolean write() {
      return !"GET".equals(method);
    }
  }

  private final Dispatcher delegate;
  private final List<Entry> entries = new CopyOnWriteArrayList<>();

  public RequestLog(Dispatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    entries.add(new Entry(request.getMethod(), request.getPath()));
    return delegate.dispatch(request);
  }

  /** A mark to count from. */
  public int mark() {
    return entries.size();
  }

  public List<Entry> since(int mark) {
    return List.copyOf(entries.subList(mark, entries.size()));
  }

  public long count(int mark, Predicate<Entry> which) {
    return since(mark).stream().filter(which).count();
  }
}
