package dev.runner.view;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The table of a group's services that {@code demo} and {@code status} show: phase, ready
 * replicas, restarts, what each waits for, when its next restart is due, its error. With colour
 * (ANSI escapes, for a terminal) or without (for a pipe, and for tests).
 */
public final class ServiceTable {
  static final String ESC = "\u001b[";
  static final String RESET = ESC + "0m";
  static final String BOLD = ESC + "1m";
  static final String DIM = ESC + "2m";
  static final String RED = ESC + "31m";
  static final String GREEN = ESC + "32m";
  static final String YELLOW = ESC + "33m";
  static final String CYAN = ESC + "36m";

  static final String[] COLUMNS = {"SERVICE", "PHASE", "READY", "RESTARTS", "WAITING FOR", "NEXT RESTART", "ERROR"};

  private final boolean colour;

  public ServiceTable(boolean colour) {
    this.colour = colour;
  }

  /** {@code RunnerGroup ns/name  Phase  ready 2/6}, then {@code suffix} (the demo's clock). */
  public String header(Display.Group group, RunnerGroupStatus status, String suffix) {
    String phase = status == null || status.getPhase() == null ? GroupPhase.Pending.name() : status.getPhase().name();
    String ready = status == null || status.getReady() == null ? "0/" + group.services().size() : status.getReady();
    return style(BOLD) + "RunnerGroup " + group.namespace() + "/" + group.name() + style(RESET) + "  "
        + style(colourOf(phase)) + phase + style(RESET) + "  ready " + ready + (suffix.isEmpty() ? "" : "  " + suffix);
  }

  /** The column headings and one row per service, in start order; {@code now} for the next restart's countdown. */
  public List<String> rows(Display.Group group, RunnerGroupStatus status, Instant now) {
    List<String[]> cells = new ArrayList<>();
    cells.add(COLUMNS);
    for (String name : Display.order(status, group.services())) {
      ServiceStatus s = status == null ? null : status.getServices().get(name);
      int replicas = group.replicas().getOrDefault(name, 1);
      cells.add(new String[] {
          name,
          s == null || s.getPhase() == null ? "-" : s.getPhase().name(),
          (s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas()) + "/" + replicas,
          s == null ? "0" : Integer.toString(s.getRestarts()),
          s == null ? "" : String.join(",", s.getWaitingFor()),
          s == null ? "" : nextRestart(s, now),
          s == null ? "" : s.getError()});
    }
    int[] widths = new int[COLUMNS.length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (int r = 0; r < cells.size(); r++) {
      String[] row = cells.get(r);
      StringBuilder line = new StringBuilder(r == 0 ? style(BOLD) : "");
      for (int i = 0; i < row.length; i++) {
        String cell = i == row.length - 1 ? row[i] : pad(row[i], widths[i]);
        if (r > 0 && i == 1) {
          line.append(style(colourOf(row[i]))).append(cell).append(style(RESET));
        } else {
          line.append(cell);
        }
        line.append(i == row.length - 1 ? "" : "  ");
      }
      String text = line.append(style(RESET)).toString();
      lines.add(colour ? text : text.stripTrailing());
    }
    return lines;
  }

  /** {@code in 3s} (or {@code due}) while the service backs off with a restart time; else empty. */
  static String nextRestart(ServiceStatus service, Instant now) {
    if (service.getPhase() != ServicePhase.BackingOff || service.getNextRestartAt() == null
        || service.getNextRestartAt().isEmpty()) {
      return "";
    }
    Instant at;
    try {
      at = Instant.parse(service.getNextRestartAt());
    } catch (DateTimeParseException e) {
      return service.getNextRestartAt();
    }
    Duration left = Duration.between(now, at);
    if (left.isNegative() || left.isZero()) {
      return "due";
    }
    return "in " + age(left.plusMillis(999));
  }

  /** A short duration as kubectl shows ages: 45s, 3m12s, 2h5m, 3d4h. */
  public static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
    }
    if (s < 86400) {
      return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
    }
    return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : s % 86400 / 3600 + "h");
  }

  String style(String escape) {
    return colour ? escape : "";
  }

  static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  /** Green is healthy, red failed, yellow on its way, dim idle; a group phase or a service phase. */
  static String colourOf(String phase) {
    for (ServicePhase p : ServicePhase.values()) {
      if (p.name().equals(phase)) {
        return switch (p) {
          case Ready, Completed -> GREEN;
          case Failed, BackingOff, Unhealthy -> RED;
          case Starting, Delaying -> YELLOW;
          case Waiting, Stopped -> DIM;
        };
      }
    }
    return switch (phase) {
      case "Ready" -> GREEN;
      case "Failed", "Degraded", "Invalid" -> RED;
      default -> YELLOW;
    };
  }
}
