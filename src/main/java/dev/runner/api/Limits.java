package dev.runner.api;

/**
 * Size limits that the schema enforces and the operator re-checks.
 *
 * <p>Each service runs as a Deployment named {@code <group>-<service>}. We keep that name a DNS
 * label (at most 63 characters), not just a DNS subdomain (253): then it is also valid as a label
 * value and as a Service name, and the ReplicaSet and Pod names Kubernetes derives from it (adding
 * a hash and a suffix) stay valid. A service name is itself at most 40 characters so that it fits
 * beside a group name of reasonable length, and so the CEL rules over names stay cheap.
 */
public final class Limits {
  public static final int DEPLOYMENT_NAME_MAX = 63;
  public static final int SERVICE_NAME_MAX = 40;
  /** Services of one group: bounded by the cost of the unknown-dependency rule (see DEPENDS_ON_MAX). */
  public static final int SERVICES_MAX = 100;
  /**
   * Direct dependencies of one service (transitive ones are not listed); a gateway in front of many
   * services needs a few dozen. The CEL rule that every dependsOn names a service of the group
   * ({@code d in self.services.map(t, t.name)}) costs about SERVICES_MAX x DEPENDS_ON_MAX x
   * 2 SERVICES_MAX in the API server's static cost estimate, which must stay under 10,000,000 per
   * rule or the CRD itself is refused at install ("estimated rule cost exceeds budget"). Measured on
   * kube-apiserver 1.37: with 200 services and 32 dependencies it is 1.9 times over (the earlier
   * {@code exists(t, t.name == d)} form was 0.74 of the budget with only 8 dependencies); with 100
   * services and 32 dependencies the CRD installs (about half the budget, by the same estimate).
   * {@code cel.bind}, which would compute the names once, is not available to CRD rules there.
   */
  public static final int DEPENDS_ON_MAX = 32;
  /**
   * Groups one group may depend on ({@code spec.dependsOn}). The CEL rule against duplicates
   * compares every entry with every other ({@code self.all(d, self.exists_one(e, e == d))}), so its
   * cost grows with the square of this limit. Measured on kube-apiserver 1.37: with whole entries
   * compared the CRD is accepted up to maxItems 1000; the same rule written with
   * {@code has(e.namespace) ? e.namespace : ''} on both sides was refused even at 8 ("estimated rule
   * cost exceeds budget by factor of more than 100x"). 32 is a product limit, far inside that; a
   * list of 32 with the longest names is accepted at run time (ValidationOnRealServerTest).
   */
  public static final int GROUP_DEPENDS_ON_MAX = 32;
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  /**
   * A Go/Kubernetes duration that is not negative, in whole units: 500ms, 2s, 1m30s, 1h. Fractions
   * ("1.5s") are left out on purpose: fabric8's Duration parser, which the operator uses, reads
   * them wrongly, so the schema rejects them and asks for "1500ms".
   */
  public static final String DURATION = "^([0-9]+(ns|us|µs|ms|s|m|h))+$";

  private Limits() {}
}
