package dev.runner.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The table the benchmark prints and the JSON it writes. */
final class Report {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One line of the table; met is null for a figure without a target. */
  record Row(String figure, String metric, String value, String target, Boolean met) {
  }

  final ObjectNode root = JSON.createObjectNode();
  final List<Row> rows = new ArrayList<>();
  final List<String> notes = new ArrayList<>();

  void row(String figure, String metric, String value, String target, Boolean met) {
    rows.add(new Row(figure, metric, value, target, met));
    System.out.printf(Locale.ROOT, "  %-34s %s%n", metric, value + (target.isEmpty() ? "" : "   (target " + target + ")"));
  }

  void note(String note) {
    notes.add(note);
    System.out.println("  note: " + note);
  }

  String table() {
    int w0 = 6;
    int w1 = 6;
    int w2 = 5;
    int w3 = 6;
    for (Row r : rows) {
      w0 = Math.max(w0, r.figure().length());
      w1 = Math.max(w1, r.metric().length());
      w2 = Math.max(w2, r.value().length());
      w3 = Math.max(w3, r.target().length());
    }
    String fmt = "| %-" + w0 + "s | %-" + w1 + "s | %" + w2 + "s | %-" + w3 + "s | %-6s |%n";
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, fmt, "Figure", "Metric", "Value", "Target", "Result"));
    sb.append(String.format(Locale.ROOT, fmt, "-".repeat(w0), "-".repeat(w1), "-".repeat(w2), "-".repeat(w3), "-".repeat(6)));
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, fmt, r.figure(), r.metric(), r.value(), r.target(),
          r.met() == null ? "" : r.met() ? "met" : "MISSED"));
    }
    return sb.toString();
  }

  Path write(String dir, String stamp) throws IOException {
    root.set("table", JSON.valueToTree(rows));
    root.set("notes", JSON.valueToTree(notes));
    Path out = Files.createDirectories(Path.of(dir)).resolve(stamp + ".json");
    JSON.writeValue(out.toFile(), root);
    return out;
  }

  // ---- numbers ----

  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1; // nearest rank
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
  }

  static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
