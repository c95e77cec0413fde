package dev.runner.view;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceSpec;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Durations;
import dev.runner.core.GroupPlan;
import dev.runner.reconcile.RunnerOperator;
import dev.runner.sandbox.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code demo}: an API server (fabric8's mock server, CRUD mode), the simulated kubelet
 * and the real operator in this process; the group applied and shown coming up until it is
 * healthy, failed or the timeout passed, then deleted and shown going down in reverse order.
 */
public final class DemoSession {
  public static final int HEALTHY = 0;
  public static final int FAILED = 1;
  /** Where a group without a namespace is applied. */
  public static final String DEFAULT_NAMESPACE = "default";
  /** How long the deleted group gets to stop before the demo shuts down anyway. */
  public static final Duration TEARDOWN_TIMEOUT = Duration.ofSeconds(30);
  private static final long TICK_MILLIS = 200;

  private final RunnerGroup group;
  private final Simulation simulation;
  private final Duration timeout;
  private final String name;
  private final String namespace;
  private final List<String> declared;
  private final GroupPlan plan;
  private final Display.Group shown;

  /**
   * @param group the group to apply, with a name; without a namespace it goes to {@link #DEFAULT_NAMESPACE}
   * @param fastBackoff divide every service's backoffs by {@link Simulation#FAST_BACKOFF_DIVISOR}
   * @param timeout how long the group gets to become healthy or fail after it was applied
   */
  public DemoSession(RunnerGroup group, Simulation simulation, boolean fastBackoff, Duration timeout) {
    this.group = group;
    this.simulation = simulation;
    this.timeout = timeout;
    if (group.getMetadata().getNamespace() == null || group.getMetadata().getNamespace().isEmpty()) {
      group.getMetadata().setNamespace(DEFAULT_NAMESPACE);
    }
    name = group.getMetadata().getName();
    namespace = group.getMetadata().getNamespace();
    declared = group.getSpec() == null || group.getSpec().getServices() == null ? List.of()
        : group.getSpec().getServices().stream().map(ServiceSpec::getName).toList();
    GroupPlan planned = GroupPlan.of(name, group.getSpec());
    if (fastBackoff && planned.valid()) {
      Simulation.fastBackoff(group.getSpec(), planned);
      planned = GroupPlan.of(name, group.getSpec());
    }
    plan = planned;
    shown = Display.Group.of(group);
  }

  /** The group's services as declared. */
  public List<String> declared() {
    return declared;
  }

  /**
   * Starts the cluster and the operator, applies the group and shows it up and down.
   *
   * @param terminal a table redrawn in place; else timestamped lines
   * @return {@link #HEALTHY} or {@link #FAILED}
   */
  public int run(PrintWriter out, boolean terminal) {
    out.println("demo: starting an API server (in-process), the simulated kubelet and the operator ...");
    simulation.notes(plan, timeout).forEach(out::println);
    out.flush();

    try (QuietLogs quiet = QuietLogs.quiet(); EmbeddedCluster cluster = EmbeddedCluster.start()) {
      simulation.apply(cluster.kubelet(), namespace, name, shown.replicas());
      RunnerOperator operator = RunnerOperator.builder(cluster.client()).build().start();
      try {
        return show(cluster, terminal, out);
      } finally {
        operator.close();
      }
    }
  }

  /** What the informers saw, handed to the one thread that shows it. */
  private sealed interface Seen permits StatusSeen, EventSeen, GroupGone {
    long nanos();
  }

  private record StatusSeen(RunnerGroup group, long nanos) implements Seen {}

  private record EventSeen(Event event, long nanos) implements Seen {}

  private record GroupGone(long nanos) implements Seen {}

  private int show(EmbeddedCluster cluster, boolean terminal, PrintWriter out) {
    BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    SharedIndexInformer<RunnerGroup> groups = cluster.client().resources(RunnerGroup.class).inNamespace(namespace)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(RunnerGroup g) {
            onUpdate(null, g);
          }

          @Override
          public void onUpdate(RunnerGroup old, RunnerGroup g) {
            if (name.equals(g.getMetadata().getName())) {
              seen.add(new StatusSeen(g, System.nanoTime()));
            }
          }

          @Override
          public void onDelete(RunnerGroup g, boolean unknown) {
            if (name.equals(g.getMetadata().getName())) {
              seen.add(new GroupGone(System.nanoTime()));
            }
          }
        });
    SharedIndexInformer<Event> events = cluster.client().v1().events().inNamespace(namespace)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Event e) {
            if (e.getInvolvedObject() != null && "RunnerGroup".equals(e.getInvolvedObject().getKind())
                && name.equals(e.getInvolvedObject().getName())) {
              seen.add(new EventSeen(e, System.nanoTime()));
            }
          }

          @Override
          public void onUpdate(Event old, Event e) {
          }

          @Override
          public void onDelete(Event e, boolean unknown) {
          }
        });
    if (!terminal) {
      out.println("demo: API server " + cluster.client().getConfiguration().getMasterUrl() + "; times below are since the group was applied");
      out.flush();
    }
    long start = System.nanoTime();
    Display display = terminal ? new TerminalDisplay(out, shown) : new PlainDisplay(out, shown);
    String verdict;
    int exit;
    try {
      cluster.client().resource(group).create();
      display.note("applied RunnerGroup " + namespace + "/" + name + " (" + shown.services().size() + " services)", since(start, System.nanoTime()));

      // Up: until healthy, failed or the timeout.
      long deadline = start + timeout.toNanos();
      RunnerGroupStatus last = null;
      Outcome outcome = null;
      while (outcome == null) {
        long now = System.nanoTime();
        if (now - deadline >= 0) {
          outcome = new Outcome(FAILED, "timed out after " + Durations.format(timeout) + ": " + describe(name, last));
          break;
        }
        Seen next = poll(seen, Math.min(TICK_MILLIS, TimeUnit.NANOSECONDS.toMillis(deadline - now) + 1));
        if (next == null) {
          display.tick(since(start, System.nanoTime()));
          continue;
        }
        if (next instanceof StatusSeen s) {
          last = s.group().getStatus();
          display.status(last, since(start, s.nanos()));
          outcome = judge(name, last, since(start, s.nanos()));
        } else if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        } else {
          outcome = new Outcome(FAILED, "RunnerGroup " + name + " was deleted");
        }
      }
      exit = outcome.exit();
      verdict = outcome.message();
      Duration at = since(start, System.nanoTime());
      display.note((exit == HEALTHY ? "healthy: " : "failed: ") + verdict, at);

      // Down: delete the group; its services stop in reverse dependency order.
      display.note("deleting RunnerGroup " + name + ": services stop in reverse dependency order", at);
      cluster.client().resources(RunnerGroup.class).inNamespace(namespace).withName(name).delete();
      long teardownDeadline = System.nanoTime() + TEARDOWN_TIMEOUT.toNanos();
      boolean gone = false;
      while (!gone) {
        long now = System.nanoTime();
        if (now - teardownDeadline >= 0) {
          display.note("the group did not stop within " + Durations.format(TEARDOWN_TIMEOUT) + "; shutting down anyway",
              since(start, now));
          break;
        }
        Seen next = poll(seen, TICK_MILLIS);
        if (next == null) {
          display.tick(since(start, System.nanoTime()));
        } else if (next instanceof StatusSeen s) {
          display.status(s.group().getStatus(), since(start, s.nanos()));
        } else if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        } else {
          gone = true;
          display.note("RunnerGroup " + name + " is gone", since(start, next.nanos()));
        }
      }
      // Events sent just before the group went away may still be on their way.
      long drainUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      for (Seen next; (next = poll(seen, Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainUntil - System.nanoTime())))) != null; ) {
        if (next instanceof EventSeen e) {
          show(display, e.event(), since(start, e.nanos()));
        }
        if (System.nanoTime() - drainUntil >= 0) {
          break;
        }
      }
    } finally {
      display.close();
      groups.close();
      events.close();
    }
    out.println("demo: " + (exit == HEALTHY ? "healthy" : "failed") + " (exit " + exit + "): " + verdict);
    out.flush();
    return exit;
  }

  private record Outcome(int exit, String message) {}

  /** Healthy, failed, or null: not yet. Healthy waits for the crashes the options asked for. */
  private Outcome judge(String name, RunnerGroupStatus status, Duration at) {
    if (status == null || status.getPhase() == null) {
      return null;
    }
    if (status.getPhase() == GroupPhase.Failed || status.getPhase() == GroupPhase.Invalid) {
      return new Outcome(FAILED, "group " + name + " is " + status.getPhase() + " after " + Display.time(at).substring(1)
          + ": " + status.getMessage());
    }
    if (status.getPhase() != GroupPhase.Ready) {
      return null;
    }
    for (Simulation.Crash crash : simulation.crashes().values()) {
      ServiceStatus service = status.getServices().get(crash.service());
      boolean spent = service != null && (service.getPhase() == ServicePhase.Completed
          || (!crash.permanent() && service.getRestarts() >= crash.times()));
      if (!spent) {
        return null;
      }
    }
    return new Outcome(HEALTHY, "all " + status.getServices().size() + " services of " + name + " ready after "
        + Display.time(at).substring(1));
  }

  private static String describe(String name, RunnerGroupStatus status) {
    if (status == null || status.getPhase() == null) {
      return "the operator wrote no status for " + name;
    }
    return "group " + name + " is " + status.getPhase() + " (" + status.getReady() + " ready)"
        + (status.getMessage().isEmpty() ? "" : ": " + status.getMessage());
  }

  private static void show(Display display, Event event, Duration at) {
    display.event(event.getType(), event.getReason(), event.getMessage(), at);
  }

  private static Seen poll(BlockingQueue<Seen> queue, long millis) {
    try {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static Duration since(long start, long nanos) {
    return Duration.ofNanos(Math.max(0, nanos - start));
  }
}
