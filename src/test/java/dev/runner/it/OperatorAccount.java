package dev.runner.it;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;

/**
 * The operator's identity on the real server, as a user's install gives it: the Helm chart installed
 * with helm-java (CRD, ServiceAccount, ClusterRole and bindings, the operator's Deployment, which
 * no kubelet runs here), then a token of the chart's ServiceAccount (TokenRequest API). A client with
 * that token has exactly the chart's RBAC: missing or excess rules show in the tests.
 */
public final class OperatorAccount {
  public static final Path CHART = Path.of("helm/runner-operator");
  public static final String RELEASE = "runner-operator";
  public static final String NAMESPACE = "runner-system";
  /** The chart's fullname for release "runner-operator", hence the ServiceAccount's name. */
  public static final String SERVICE_ACCOUNT = "runner-operator";

  private static Release release;

  private OperatorAccount() {}

  /** Installs the chart once per server (cluster-wide: watchNamespaces empty). */
  public static synchronized Release install(RealApiServer server) {
    if (release == null) {
      // The chart's crds/ holds the same CRD as crds/: Helm installs it, or leaves it when present.
      release = new Helm(CHART).install()
          .withName(RELEASE)
          .withNamespace(NAMESPACE)
          .createNamespace()
          .withKubeConfig(server.kubeconfig())
          .call();
      Crds.awaitEstablished(server);
    }
    return release;
  }

  /** A client authenticated with a fresh token of the chart's ServiceAccount. */
  public static KubernetesClient client(RealApiServer server) {
    install(server);
    TokenRequest token = server.client().serviceAccounts().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
    Config admin = server.client().getConfiguration();
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(admin.getMasterUrl())
        .withCaCertFile(admin.getCaCertFile())
        .withCaCertData(admin.getCaCertData())
        .withOauthToken(token.getStatus().getToken())
        .withNamespace(NAMESPACE)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
