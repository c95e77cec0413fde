package dev.runner.compose;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code KEY=VALUE} files of Compose: the project's {@code .env} and a service's {@code env_file}.
 * One variable a line, {@code export } allowed before it, {@code #} comments, blank lines; a value
 * in single quotes is literal, in double quotes it knows {@code \n}, {@code \t}, {@code \"} and
 * {@code \\}; an unquoted value is trimmed and ends at {@code  #}. Unquoted and double-quoted values
 * are interpolated from {@code environment} and the lines above (Compose does the same). A line with
 * a name and no {@code =} takes the variable's value from {@code environment}, or is left out.
 */
final class DotEnv {
  /** A line that is not a variable; the message names the line. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  private DotEnv() {}

  static Map<String, String> parse(String text, Map<String, String> environment) throws Malformed {
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int equals = line.indexOf('=');
      String name = (equals < 0 ? line : line.substring(0, equals)).strip();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
        throw new Malformed("line " + (n + 1) + ": \"" + lines[n].strip() + "\" is not NAME=VALUE");
      }
      if (equals < 0) {
        String inherited = environment.get(name);
        if (inherited != null) {
          values.put(name, inherited);
        }
        continue;
      }
      String raw = line.substring(equals + 1).strip();
      Map<String, String> known = new HashMap<>(values);
      known.putAll(environment);
      Interpolation interpolation = new Interpolation(known);
      String value;
      try {
        if (raw.startsWith("'")) {
          int end = raw.indexOf('\'', 1);
          if (end < 0) {
            throw new Malformed("line " + (n + 1) + ": the ' quote of " + name + " is not closed");
          }
          value = raw.substring(1, end);
        } else if (raw.startsWith("\"")) {
          StringBuilder out = new StringBuilder();
          int i = 1;
          boolean closed = false;
          while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
              char e = raw.charAt(i + 1);
              out.append(switch (e) {
                case 'n' -> "\n";
                case 't' -> "\t";
                case 'r' -> "\r";
                case '"', '\\' -> String.valueOf(e);
                default -> "\\" + e;
              });
              i += 2;
            } else if (c == '"') {
              closed = true;
              break;
            } else {
              out.append(c);
              i++;
            }
          }
          if (!closed) {
            throw new Malformed("line " + (n + 1) + ": the \" quote of " + name + " is not closed");
          }
          value = interpolation.apply(out.toString(), new java.util.HashSet<>());
        } else {
          int comment = raw.indexOf(" #");
          value = interpolation.apply((comment < 0 ? raw : raw.substring(0, comment)).strip(), new java.util.HashSet<>());
        }
      } catch (Interpolation.Failure e) {
        throw new Malformed("line " + (n + 1) + ": " + e.getMessage());
      }
      values.put(name, value);
    }
    return values;
  }

}
