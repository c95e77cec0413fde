package dev.runner.core;

import java.util.Comparator;

/** A RunnerGroup by namespace and name; written {@code namespace/name}. */
public record GroupRef(String namespace, String name) implements Comparable<GroupRef> {
  private static final Comparator<GroupRef> ORDER = Comparator.comparing(GroupRef::namespace).thenComparing(GroupRef::name);

  @Override
  public int compareTo(GroupRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
