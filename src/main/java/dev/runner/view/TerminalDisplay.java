package dev.runner.view;

import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * For a terminal: the group's table of services, and below it the timeline of its events, redrawn
 * in place with ANSI escapes. Line wrap is switched off while it draws, so a long line is cut at
 * the screen's edge instead of taking two rows (the redraw counts rows); the timeline shows its
 * latest lines that fit the screen.
 */
public final class TerminalDisplay implements Display {
  private static final String ESC = "\u001b[";
  private static final String RESET = ESC + "0m";
  private static final String BOLD = ESC + "1m";
  private static final String DIM = ESC + "2m";
  private static final String RED = ESC + "31m";
  private static final String GREEN = ESC + "32m";
  private static final String YELLOW = ESC + "33m";
  private static final String CYAN = ESC + "36m";

  private final PrintWriter out;
  private final Display.Group group;
  private final int rows;
  private final List<String> timeline = new ArrayList<>();
  private final Thread restoreOnExit;
  private RunnerGroupStatus status;
  private Duration now = Duration.ZERO;
  private int drawn;
  private boolean closed;

  public TerminalDisplay(PrintWriter out, Display.Group group) {
    this.out = out;
    this.group = group;
    this.rows = terminalRows();
    // Wrap off, cursor hidden; both come back on exit, also on Ctrl-C.
    out.print(ESC + "?7l" + ESC + "?25l");
    out.flush();
    restoreOnExit = new Thread(() -> {
      out.print(RESET + ESC + "?7h" + ESC + "?25h");
      out.flush();
    }, "demo-terminal-restore");
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
  }

  @Override
  public void status(RunnerGroupStatus status, Duration at) {
    this.status = status;
    this.now = at;
    draw();
  }

  @Override
  public void event(String type, String reason, String message, Duration at) {
    String color = "Warning".equals(type) ? YELLOW : "";
    timeline.add(DIM + Display.time(at) + RESET + " " + color + reason + (color.isEmpty() ? "" : RESET) + ": " + message);
    this.now = at;
    draw();
  }

  @Override
  public void note(String message, Duration at) {
    timeline.add(DIM + Display.time(at) + RESET + " " + CYAN + message + RESET);
    this.now = at;
    draw();
  }

  @Override
  public void tick(Duration at) {
    this.now = at;
    draw();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    draw();
    out.print(RESET + ESC + "?7h" + ESC + "?25h");
    out.flush();
    try {
      Runtime.getRuntime().removeShutdownHook(restoreOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }

  private void draw() {
    List<String> lines = new ArrayList<>(table());
    lines.add("");
    int room = Math.max(5, rows - lines.size() - 2);
    lines.add(BOLD + "Events" + RESET + (timeline.size() > room ? DIM + " (" + (timeline.size() - room) + " earlier not shown)" + RESET : ""));
    lines.addAll(timeline.subList(Math.max(0, timeline.size() - room), timeline.size()));
    StringBuilder frame = new StringBuilder();
    if (drawn > 0) {
      frame.append('\r').append(ESC).append(drawn).append('A');
    }
    for (String line : lines) {
      frame.append(line).append(ESC).append('K').append('\n');
    }
    frame.append(ESC).append('J');
    out.print(frame);
    out.flush();
    drawn = lines.size();
  }

  private List<String> table() {
    List<String> lines = new ArrayList<>();
    String phase = status == null || status.getPhase() == null ? "Pending" : status.getPhase().name();
    String ready = status == null || status.getReady() == null ? "0/" + group.services().size() : status.getReady();
    lines.add(BOLD + "RunnerGroup " + group.namespace() + "/" + group.name() + RESET + "  " + color(phase) + phase + RESET
        + "  ready " + ready + "  " + DIM + Display.time(now) + RESET);
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"SERVICE", "PHASE", "READY", "RESTARTS", "WAITING FOR", "ERROR"});
    for (String name : Display.order(status, group.services())) {
      ServiceStatus s = status == null ? null : status.getServices().get(name);
      int replicas = group.replicas().getOrDefault(name, 1);
      cells.add(new String[] {
          name,
          s == null || s.getPhase() == null ? "-" : s.getPhase().name(),
          (s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas()) + "/" + replicas,
          s == null ? "0" : Integer.toString(s.getRestarts()),
          s == null ? "" : String.join(",", s.getWaitingFor()),
          s == null ? "" : s.getError()});
    }
    int[] widths = new int[6];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (int r = 0; r < cells.size(); r++) {
      String[] row = cells.get(r);
      StringBuilder line = new StringBuilder(r == 0 ? BOLD : "");
      for (int i = 0; i < row.length; i++) {
        String cell = i == row.length - 1 ? row[i] : pad(row[i], widths[i]);
        if (r > 0 && i == 1) {
          line.append(color(row[i])).append(cell).append(RESET);
        } else {
          line.append(cell);
        }
        line.append(i == row.length - 1 ? "" : "  ");
      }
      lines.add(line.append(RESET).toString());
    }
    return lines;
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String color(String phase) {
    ServicePhase service = null;
    for (ServicePhase p : ServicePhase.values()) {
      if (p.name().equals(phase)) {
        service = p;
      }
    }
    if (service != null) {
      return switch (service) {
        case Ready, Completed -> GREEN;
        case Failed, BackingOff, Unhealthy -> RED;
        case Starting, Delaying -> YELLOW;
        case Waiting, Stopped -> DIM;
      };
    }
    return switch (phase) {
      case "Ready" -> GREEN;
      case "Failed", "Degraded", "Invalid" -> RED;
      default -> YELLOW;
    };
  }

  /** The terminal's height from {@code stty size}, else 24. */
  private static int terminalRows() {
    try {
      Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
      if (p.waitFor(1, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] size = new String(p.getInputStream().readAllBytes()).trim().split("\\s+");
        int rows = Integer.parseInt(size[0]);
        if (rows > 0) {
          return rows;
        }
      } else {
        p.destroy();
      }
    } catch (Exception e) {
      // not a Unix terminal: assume the classic size
    }
    return 24;
  }
}
