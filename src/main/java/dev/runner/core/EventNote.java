package dev.runner.core;

/** An event to record on the RunnerGroup. */
public record EventNote(Type type, String reason, String message) {
  public enum Type { Normal, Warning }

  public static EventNote normal(String reason, String message) {
    return new EventNote(Type.Normal, reason, message);
  }

  public static EventNote warning(String reason, String message) {
    return new EventNote(Type.Warning, reason, message);
  }
}
