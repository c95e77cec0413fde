package dev.runner.compose;

import java.util.Map;
import java.util.Set;

/**
 * Compose's variable interpolation (its spec, "Interpolation"): {@code $VAR}, {@code ${VAR}},
 * {@code ${VAR:-default}} (unset or empty), {@code ${VAR-default}} (unset), {@code ${VAR:?error}},
 * {@code ${VAR?error}}, {@code ${VAR:+other}}, {@code ${VAR+other}}, nested in the default, and
 * {@code $$} for a literal {@code $}. A {@code $} that starts none of these is kept as it is. An
 * unset variable without a default becomes "" and is named in {@code unset}, as Compose warns.
 */
final class Interpolation {
  /** A {@code ?} variable is unset (or empty): Compose refuses the file. */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message);
    }
  }

  private final Map<String, String> variables;

  Interpolation(Map<String, String> variables) {
    this.variables = variables;
  }

  /** {@code text} with its variables replaced; the names used but unset (with no default) are added to {@code unset}. */
  String apply(String text, Set<String> unset) throws Failure {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '$' || i + 1 >= text.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = text.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '{') {
        int end = closing(text, i + 2);
        if (end < 0) {
          throw new Failure("invalid interpolation format for \"" + text + "\": a ${ without its }");
        }
        out.append(braced(text.substring(i + 2, end), text, unset));
        i = end + 1;
      } else if (isNameStart(next)) {
        int end = i + 1;
        while (end < text.length() && isNamePart(text.charAt(end))) {
          end++;
        }
        out.append(value(text.substring(i + 1, end), unset));
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private String braced(String inner, String text, Set<String> unset) throws Failure {
    int end = 0;
    while (end < inner.length() && isNamePart(inner.charAt(end))) {
      end++;
    }
    String name = inner.substring(0, end);
    if (name.isEmpty() || !isNameStart(name.charAt(0))) {
      throw new Failure("invalid interpolation format for \"" + text + "\": \"${" + inner + "}\" does not start with a variable name");
    }
    String rest = inner.substring(end);
    String value = variables.get(name);
    if (rest.isEmpty()) {
      return value(name, unset);
    }
    boolean colon = rest.startsWith(":");
    String operator = rest.substring(colon ? 1 : 0, Math.min(rest.length(), colon ? 2 : 1));
    String argument = rest.substring(Math.min(rest.length(), colon ? 2 : 1));
    boolean missing = value == null || (colon && value.isEmpty());
    switch (operator) {
      case "-":
        return missing ? apply(argument, unset) : value;
      case "+":
        return missing ? "" : apply(argument, unset);
      case "?":
        if (missing) {
          String message = apply(argument, unset);
          throw new Failure("required variable " + name + " is missing a value"
              + (message.isEmpty() ? "" : ": " + message));
        }
        return value;
      default:
        throw new Failure("invalid interpolation format for \"" + text + "\": \"${" + inner + "}\" (Compose knows "
            + ":-, -, :?, ?, :+ and + after the name)");
    }
  }

  private String value(String name, Set<String> unset) {
    String value = variables.get(name);
    if (value == null) {
      unset.add(name);
      return "";
    }
    return value;
  }

  /** The index of the {@code }} that closes the {@code ${} whose content starts at {@code from}, -1 when none. */
  private static int closing(String text, int from) {
    int depth = 1;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        depth++;
        i++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isNameStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isNamePart(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }
}
