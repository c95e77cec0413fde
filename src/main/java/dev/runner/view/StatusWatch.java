package dev.runner.view;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code status --watch}: the group (or the namespace's groups) followed through informers, no
 * polling. On a terminal the table is redrawn in place; in a pipe each change is one line,
 * stamped with the wall-clock time (UTC). It runs until the watched group is deleted, or the
 * thread is interrupted (Ctrl-C ends the process).
 */
public final class StatusWatch {
  private static final long TICK_MILLIS = 500;

  private final KubernetesClient client;
  private final PrintWriter out;
  private final boolean terminal;
  private final Instant start = Instant.now();
  private final long startNanos = System.nanoTime();

  public StatusWatch(KubernetesClient client, PrintWriter out, boolean terminal) {
    this.client = client;
    this.out = out;
    this.terminal = terminal;
  }

  /** Wall-clock time of a moment {@code at} after the watch started: {@code 2026-12-01T21:40:01.123Z}. */
  private Function<Duration, String> stamp() {
    return at -> start.plus(at).truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private Duration now() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private Duration at(Instant instant) {
    return instant == null ? now() : Duration.between(start, instant);
  }

  private sealed interface Seen permits StatusSeen, EventSeen, Gone {}

  private record StatusSeen(RunnerGroup group) implements Seen {}

  private record EventSeen(Event event) implements Seen {}

  private record Gone(RunnerGroup group) implements Seen {}

  /**
   * Follows one group: its status as the display shows it, and its Events (the latest few that
   * were there before, then every new one).
   *
   * @param group the group as just read (it exists)
   * @return 0 when the group was deleted or the watch interrupted
   */
  public int group(RunnerGroup group) {
    String namespace = group.getMetadata().getNamespace();
    String name = group.getMetadata().getName();
    BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    Display display = terminal ? new TerminalDisplay(out, Display.Group.of(group), stamp())
        : new PlainDisplay(out, Display.Group.of(group), stamp());
    Set<String> shownEvents = new HashSet<>();
    SharedIndexInformer<RunnerGroup> groups = null;
    SharedIndexInformer<Event> events = null;
    try {
      List<Event> before = StatusReport.eventsOf(group, client.v1().events().inNamespace(namespace).list().getItems());
      for (Event e : before.subList(Math.max(0, before.size() - StatusReport.RECENT_EVENTS), before.size())) {
        display.event(e.getType(), e.getReason(), e.getMessage(), at(StatusReport.eventTime(e)));
      }
      before.forEach(e -> shownEvents.add(key(e)));
      display.status(group.getStatus(), now());
      groups = client.resources(RunnerGroup.class).inNamespace(namespace).withName(name).inform(groupsInto(seen));
      String uid = group.getMetadata().getUid();
      events = client.v1().events().inNamespace(namespace).inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(Event e) {
          if (StatusReport.isAbout(name, uid, e)) {
            seen.add(new EventSeen(e));
          }
        }

        @Override
        public void onUpdate(Event old, Event e) {
          // A repeated event (count + 1) is news too.
          if (StatusReport.isAbout(name, uid, e) && !Objects.equals(old.getCount(), e.getCount())) {
            seen.add(new EventSeen(e));
          }
        }

        @Override
        public void onDelete(Event e, boolean unknown) {
        }
      });
      while (true) {
        Seen next = seen.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
        if (next == null) {
          display.tick(now());
        } else if (next instanceof StatusSeen s) {
          display.status(s.group().getStatus(), now());
        } else if (next instanceof EventSeen e) {
          String key = key(e.event());
          if (shownEvents.add(key)) {
            display.event(e.event().getType(), e.event().getReason(), e.event().getMessage(),
                at(StatusReport.eventTime(e.event())));
          }
        } else {
          display.note("RunnerGroup " + namespace + "/" + name + " was deleted", now());
          return 0;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      display.close();
      close(groups);
      close(events);
    }
  }

  /** An Event once per count: the same Event counted again is shown again. */
  private static String key(Event e) {
    return (e.getMetadata() == null ? "" : e.getMetadata().getUid() + "/" + e.getMetadata().getName()) + "#" + e.getCount();
  }

  /**
   * Follows every group of {@code namespace} (null: all namespaces): on a terminal the summary
   * redrawn; in a pipe a line when a group appears, changes phase, readiness or message, or goes.
   *
   * @return 0 when interrupted
   */
  public int summary(String namespace) {
    MixedOperation<RunnerGroup, KubernetesResourceList<RunnerGroup>, Resource<RunnerGroup>> all =
        client.resources(RunnerGroup.class);
    BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    ResourceEventHandler<RunnerGroup> handler = groupsInto(seen);
    SharedIndexInformer<RunnerGroup> informer = namespace == null ? all.inAnyNamespace().inform(handler)
        : all.inNamespace(namespace).inform(handler);
    Map<String, RunnerGroup> groups = new java.util.TreeMap<>();
    Map<String, String> lastLine = new HashMap<>();
    StatusReport report = new StatusReport(terminal);
    Function<Duration, String> stamp = stamp();
    int drawn = 0;
    try {
      while (true) {
        Seen next = seen.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
        if (next == null && !terminal) {
          continue;
        }
        if (next instanceof StatusSeen s) {
          String key = key(s.group());
          groups.put(key, s.group());
          String line = StatusReport.summaryLine(s.group());
          if (!terminal && !line.equals(lastLine.put(key, line))) {
            out.println(stamp.apply(now()) + " " + line);
            out.flush();
          }
        } else if (next instanceof Gone g) {
          String key = key(g.group());
          groups.remove(key);
          lastLine.remove(key);
          if (!terminal) {
            out.println(stamp.apply(now()) + " " + key + " deleted");
            out.flush();
          }
        }
        if (terminal) {
          List<String> lines = new ArrayList<>();
          lines.add(ServiceTable.BOLD + "RunnerGroups in " + (namespace == null ? "all namespaces" : "namespace " + namespace)
              + ServiceTable.RESET + "  " + ServiceTable.DIM + stamp.apply(now()) + ServiceTable.RESET);
          lines.addAll(groups.isEmpty() ? List.of("none") : report.summary(new ArrayList<>(groups.values()), namespace == null, Instant.now()));
          StringBuilder frame = new StringBuilder();
          if (drawn > 0) {
            frame.append('\r').append(ServiceTable.ESC).append(drawn).append('A');
          }
          lines.forEach(l -> frame.append(l).append(ServiceTable.ESC).append('K').append('\n'));
          frame.append(ServiceTable.ESC).append('J');
          out.print(frame);
          out.flush();
          drawn = lines.size();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      informer.close();
    }
  }

  private static String key(RunnerGroup g) {
    return g.getMetadata().getNamespace() + "/" + g.getMetadata().getName();
  }

  private static void close(SharedIndexInformer<?> informer) {
    if (informer != null) {
      informer.close();
    }
  }

  /** A group's additions and changes as its status seen, its deletion as gone, onto {@code seen}. */
  private static ResourceEventHandler<RunnerGroup> groupsInto(BlockingQueue<Seen> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(RunnerGroup g) {
        seen.add(new StatusSeen(g));
      }

      @Override
      public void onUpdate(RunnerGroup old, RunnerGroup g) {
        seen.add(new StatusSeen(g));
      }

      @Override
      public void onDelete(RunnerGroup g, boolean unknown) {
        seen.add(new Gone(g));
      }
    };
  }
}
