package dev.runner.view;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code status} prints once: for one group its header, message, table of services and its
 * recent events; for many, one line per group. With colour for a terminal, without for a pipe.
 */
public final class StatusReport {
  /** How many of a group's events {@code status} shows: the latest. */
  public static final int RECENT_EVENTS = 10;

  private final ServiceTable table;
  private final boolean colour;

  public StatusReport(boolean colour) {
    this.colour = colour;
    this.table = new ServiceTable(colour);
  }

  /** One group: header, message (when there is one), the services, then its latest events, oldest first. */
  public List<String> group(RunnerGroup group, List<Event> events, Instant now) {
    Display.Group shown = Display.Group.of(group);
    RunnerGroupStatus status = group.getStatus();
    List<String> lines = new ArrayList<>();
    lines.add(table.header(shown, status, ""));
    if (status == null || status.getPhase() == null) {
      lines.add("no status yet: is the operator running and watching namespace " + shown.namespace() + "?");
    } else if (!status.getMessage().isEmpty()) {
      lines.add(status.getMessage());
    }
    Long observed = status == null ? null : status.getObservedGeneration();
    Long generation = group.getMetadata().getGeneration();
    if (observed != null && generation != null && observed < generation) {
      lines.add("(the status is of generation " + observed + "; the spec is at " + generation + ")");
    }
    lines.add("");
    lines.addAll(table.rows(shown, status, now));
    lines.add("");
    List<Event> mine = eventsOf(group, events);
    if (mine.isEmpty()) {
      lines.add(table.style(ServiceTable.BOLD) + "Events:" + table.style(ServiceTable.RESET) + " none");
      return lines;
    }
    List<Event> recent = mine.subList(Math.max(0, mine.size() - RECENT_EVENTS), mine.size());
    lines.add(table.style(ServiceTable.BOLD) + "Events" + table.style(ServiceTable.RESET)
        + (mine.size() > recent.size() ? " (latest " + recent.size() + " of " + mine.size() + ")" : "") + ":");
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"AGE", "TYPE", "REASON", "MESSAGE"});
    for (Event e : recent) {
      Instant at = eventTime(e);
      cells.add(new String[] {at == null ? "-" : ServiceTable.age(Duration.between(at, now)),
          String.valueOf(e.getType()), String.valueOf(e.getReason()), String.valueOf(e.getMessage())});
    }
    for (String line : columns(cells, true)) {
      lines.add("  " + line);
    }
    return lines;
  }

  /** One line per group (sorted by namespace, then name), under column headings; NAMESPACE first when asked. */
  public List<String> summary(List<RunnerGroup> groups, boolean withNamespace, Instant now) {
    List<RunnerGroup> sorted = new ArrayList<>(groups);
    sorted.sort(Comparator.comparing((RunnerGroup g) -> String.valueOf(g.getMetadata().getNamespace()))
        .thenComparing(g -> g.getMetadata().getName()));
    List<String[]> cells = new ArrayList<>();
    cells.add(withNamespace ? new String[] {"NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS", "AGE", "MESSAGE"}
        : new String[] {"NAME", "PHASE", "READY", "RESTARTS", "AGE", "MESSAGE"});
    for (RunnerGroup g : sorted) {
      List<String> row = new ArrayList<>();
      if (withNamespace) {
        row.add(g.getMetadata().getNamespace());
      }
      row.add(g.getMetadata().getName());
      row.addAll(List.of(phase(g), ready(g), Integer.toString(restarts(g)), age(g, now), message(g)));
      cells.add(row.toArray(String[]::new));
    }
    return columns(cells, false);
  }

  /** The summary's line for one group in a pipe: {@code ns/name Phase (ready 2/6): message}. */
  public static String summaryLine(RunnerGroup g) {
    String message = message(g);
    return g.getMetadata().getNamespace() + "/" + g.getMetadata().getName() + " " + phase(g) + " (" + ready(g) + " ready)"
        + (message.isEmpty() ? "" : ": " + message);
  }

  static String phase(RunnerGroup g) {
    return g.getStatus() == null || g.getStatus().getPhase() == null ? "-" : g.getStatus().getPhase().name();
  }

  static String ready(RunnerGroup g) {
    return g.getStatus() == null || g.getStatus().getReady() == null ? "-" : g.getStatus().getReady();
  }

  static int restarts(RunnerGroup g) {
    return g.getStatus() == null ? 0 : g.getStatus().getServices().values().stream().mapToInt(ServiceStatus::getRestarts).sum();
  }

  static String message(RunnerGroup g) {
    return g.getStatus() == null ? "" : g.getStatus().getMessage();
  }

  private static String age(RunnerGroup g, Instant now) {
    Instant created = instant(g.getMetadata().getCreationTimestamp());
    return created == null ? "-" : ServiceTable.age(Duration.between(created, now));
  }

  /** The group's Events (by kind, name and, when both have one, uid), oldest first. */
  public static List<Event> eventsOf(RunnerGroup group, List<Event> events) {
    List<Event> mine = new ArrayList<>();
    for (Event e : events) {
      if (isAbout(group.getMetadata().getName(), group.getMetadata().getUid(), e)) {
        mine.add(e);
      }
    }
    mine.sort(Comparator.comparing((Event e) -> {
      Instant at = eventTime(e);
      return at == null ? Instant.EPOCH : at;
    }).thenComparingLong(StatusReport::resourceVersion));
    return mine;
  }

  /** Whether the Event is about the RunnerGroup {@code name} (of {@code uid}, when known). */
  public static boolean isAbout(String name, String uid, Event e) {
    ObjectReference about = e.getInvolvedObject();
    if (about == null || !"RunnerGroup".equals(about.getKind()) || !name.equals(about.getName())) {
      return false;
    }
    return uid == null || about.getUid() == null || uid.equals(about.getUid());
  }

  /** When it last happened: lastTimestamp, else eventTime, else firstTimestamp, else its creation; null if none. */
  public static Instant eventTime(Event e) {
    Instant at = instant(e.getLastTimestamp());
    if (at == null && e.getEventTime() != null) {
      at = instant(e.getEventTime().getTime());
    }
    if (at == null) {
      at = instant(e.getFirstTimestamp());
    }
    if (at == null && e.getMetadata() != null) {
      at = instant(e.getMetadata().getCreationTimestamp());
    }
    return at;
  }

  private static long resourceVersion(Event e) {
    try {
      return e.getMetadata() == null ? 0 : Long.parseLong(e.getMetadata().getResourceVersion());
    } catch (NumberFormatException ex) {
      return 0;
    }
  }

  static Instant instant(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(timestamp).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  /** Left-aligned columns two spaces apart, the last one not padded; headings bold with colour. */
  private List<String> columns(List<String[]> cells, boolean headingsBold) {
    int width = cells.get(0).length;
    int[] widths = new int[width];
    for (String[] row : cells) {
      for (int i = 0; i < width; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (int r = 0; r < cells.size(); r++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < width; i++) {
        String cell = cells.get(r)[i];
        line.append(i == width - 1 ? cell : ServiceTable.pad(cell, widths[i] + 2));
      }
      String text = line.toString().stripTrailing();
      lines.add(r == 0 && colour ? ServiceTable.BOLD + text + ServiceTable.RESET : text);
    }
    return lines;
  }

  /** For {@code status --output mermaid}: the group's graph, each service coloured by its phase. */
  public static GraphPicture.Graph graph(RunnerGroup group) {
    Display.Group shown = Display.Group.of(group);
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    Map<String, List<String>> declared = new LinkedHashMap<>();
    if (group.getSpec() != null && group.getSpec().getServices() != null) {
      group.getSpec().getServices().forEach(s -> declared.put(s.getName(),
          s.getDependsOn() == null ? List.of() : s.getDependsOn()));
    }
    for (String service : shown.services()) {
      dependsOn.put(service, declared.getOrDefault(service, List.of()));
    }
    Map<String, ServicePhase> phases = new LinkedHashMap<>();
    RunnerGroupStatus status = group.getStatus();
    if (status != null) {
      status.getServices().forEach((name, s) -> {
        if (s.getPhase() != null && dependsOn.containsKey(name)) {
          phases.put(name, s.getPhase());
        }
      });
    }
    return new GraphPicture.Graph(group.getMetadata().getName(), dependsOn, List.of(), phases);
  }
}
