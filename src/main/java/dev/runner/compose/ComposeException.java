package dev.runner.compose;

/** A Compose file that cannot be read, or is not a Compose file: one line that names the file and the problem. */
public final class ComposeException extends Exception {
  public ComposeException(String message) {
    super(message);
  }
}
