package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link OperatorProcess} counts as a refusal by RBAC in the operator's log, and what not. */
class OperatorProcessTest {

  @Test
  void a403InTheLogIsFound() {
    assertThat(OperatorProcess.FORBIDDEN.matcher("WARN could not record event ServiceStarted on shop: Failure executing: "
        + "POST at: https://127.0.0.1:41234/api/v1/namespaces/test/events. Message: events is forbidden: User "
        + "\"system:serviceaccount:runner-system:runner-operator\" cannot create resource \"events\" in API group \"\" "
        + "in the namespace \"test\". Received status: Status(apiVersion=v1, code=403, details=...)").find()).isTrue();
    assertThat(OperatorProcess.FORBIDDEN.matcher("io.fabric8.kubernetes.client.KubernetesClientException: "
        + "Forbidden! User runner-operator doesn't have permission.").find()).isTrue();
    assertThat(OperatorProcess.FORBIDDEN.matcher("HTTP status 403").find()).isTrue();
  }

  @Test
  void numbersThatOnlyContain403AreNot() {
    assertThat(OperatorProcess.FORBIDDEN.matcher("2026-11-26T09:51:58.403Z INFO started service db").find()).isFalse();
    assertThat(OperatorProcess.FORBIDDEN.matcher("Serving /healthz, /readyz and /metrics on port 40312").find()).isFalse();
  }
}
