package dev.runner.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Gives the leader-election Lease up on a graceful stop, so a standby takes over at its next retry
 * (2 s) instead of after the lease duration (15 s).
 *
 * <p>JOSDK 5.2.3 builds fabric8's elector with {@code releaseOnCancel = false}: stopping the
 * operator leaves the Lease held until it expires. This does what client-go's ReleaseOnCancel does,
 * after the controllers have stopped: if the Lease still names this replica, clear the holder
 * (a PUT with the read resourceVersion, so it never overwrites a newer holder). RBAC: get and
 * update on the one Lease.
 *
 * <p>Bounded: the two requests go through a client of their own with fabric8's retries off (by
 * default it retries a refused connection or a 5xx ten times, about 19 s per request, and waits up to
 * 15 s for each answer) and a short request timeout; the caller also gives the whole release a
 * deadline ({@link BoundedStep}). A Lease that could not be released expires anyway.
 */
final class LeaseRelease {
  private LeaseRelease() {}

  /** @return whether the Lease was released */
  static boolean release(KubernetesClient client, String namespace, String name, String identity, Duration requestTimeout) {
    int timeout = (int) requestTimeout.toMillis();
    try (KubernetesClient once = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(timeout).withConnectionTimeout(timeout).build()).build()) {
      Lease lease = once.resources(Lease.class).inNamespace(namespace).withName(name).get();
      if (lease == null || lease.getSpec() == null || identity == null
          || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return false;
      }
      ZonedDateTime now = ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS);
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setAcquireTime(now);
      lease.getSpec().setRenewTime(now);
      once.resource(lease).lockResourceVersion(lease.getMetadata().getResourceVersion()).update();
      return true;
    } catch (KubernetesClientException e) {
      // 409: someone else wrote it first; 403/404: nothing to give up; no answer in time. The Lease expires anyway.
      return false;
    }
  }
}
