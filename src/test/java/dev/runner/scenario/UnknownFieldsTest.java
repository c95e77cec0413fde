package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/**
 * A RunnerGroup with fields this operator does not know (a newer CRD, an operator rolled back)
 * must not stop the operator: it reads what it knows and ignores the rest.
 */
class UnknownFieldsTest extends ScenarioTest {
  @Test
  void fieldsFromANewerVersionAreIgnored() {
    GenericKubernetesResource newer = Serialization.unmarshal("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: newer, namespace: test}
        spec:
          future: {something: true}
          services:
          - name: db
            future: 1
            restartConfig: {policy: Always, future: x}
            template: {spec: {containers: [{name: db, image: example/db:1}]}}
        """, GenericKubernetesResource.class);
    client.resource(newer).create();
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: plain}
        spec:
          services:
        """ + svc("web", ""));

    awaitPhase("newer", GroupPhase.Ready);
    awaitPhase("plain", GroupPhase.Ready);
    assertThat(deployment("newer-db")).isNotNull();
  }
}
