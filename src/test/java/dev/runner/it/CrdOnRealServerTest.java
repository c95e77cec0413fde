package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import org.junit.jupiter.api.Test;

/**
 * The generated CRD on a real kube-apiserver: the structural schema, the CEL rules (compiled and
 * cost-estimated by the server) and the list-type map are accepted, and the CRD is served.
 */
@RealApiServerTest
class CrdOnRealServerTest {

  /** Exactly the committed file, as {@code kubectl apply -f crds/...} of a user. */
  @Test
  void generatedCrdIsAccepted(RealApiServer server) {
    RealApiServer.Kubectl.Result apply = Crds.apply(server);
    assertThat(apply.ok()).as("kubectl apply -f %s:%n%s", Crds.RUNNER_GROUP_CRD, apply).isTrue();
    Crds.awaitEstablished(server);
  }

  @Test
  void crdIsStructuralEstablishedAndServed(RealApiServer server) {
    Crds.install(server);
    CustomResourceDefinition crd = Crds.awaitEstablished(server);
    assertThat(crd.getStatus().getConditions())
        .extracting(CustomResourceDefinitionCondition::getType, CustomResourceDefinitionCondition::getStatus)
        .contains(tuple("NamesAccepted", "True"), tuple("Established", "True"))
        .doesNotContain(tuple("NonStructuralSchema", "True"));
    assertThat(crd.getStatus().getAcceptedNames().getShortNames()).containsExactly("rg");

    // Served: discovery knows the kind and its short name, so kubectl can use "rg".
    RealApiServer.Kubectl.Result resources = server.kubectl("api-resources", "--api-group=runner.dev");
    assertThat(resources.ok()).as("%s", resources).isTrue();
    assertThat(resources.stdout()).contains("runnergroups").contains("rg").contains("RunnerGroup");
  }
}
