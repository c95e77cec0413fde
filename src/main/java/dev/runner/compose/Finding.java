package dev.runner.compose;

/**
 * One thing the conversion could not carry over as it is, for one Compose service and key (the
 * service is empty for a project-wide finding, such as a top-level key).
 *
 * @param message what happened to the key, for a user
 * @param advice what the user should do about it; empty when nothing is needed
 */
public record Finding(String service, String key, Severity severity, String message, String advice) {
  public enum Severity {
    /** The service is not converted (e.g. {@code build} without {@code image}): the command exits 1. */
    ERROR,
    /** The key is not mapped, or only approximately: the group may behave differently from Compose. */
    WARNING,
    /** A change the user should know of (a renamed service, a default claim size), with nothing lost. */
    NOTE
  }

  /** One line for stderr: {@code warning: service web: network_mode: not mapped; use ...}. */
  public String line() {
    String where = (service.isEmpty() ? "" : "service " + service + ": ") + (key.isEmpty() ? "" : key + ": ");
    return severity.name().toLowerCase() + ": " + where + message + (advice.isEmpty() ? "" : "; " + advice);
  }
}
