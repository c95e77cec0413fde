package dev.runner.api;

/** The group's phase, shown in {@code kubectl get rg}. */
public enum GroupPhase {
  Pending, Progressing, Ready, Degraded, Failed, Suspended, Stopping, Invalid
}
