package dev.runner.it;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

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
  /** The chart's Lease (leaderElection.leaseName, default the fullname), which its Role names. */
  public static final String LEASE = "runner-operator";

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

  /**
   * Writes a kubeconfig that holds a fresh token of the chart's ServiceAccount and nothing else
   * (no client certificate), for the operator run as a process; returns {@code file}.
   */
  public static Path kubeconfig(RealApiServer server, Path file) {
    Config admin = server.client().getConfiguration();
    String ca = admin.getCaCertData();
    try {
      if (ca == null || ca.isBlank()) {
        ca = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(admin.getCaCertFile())));
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: real-apiserver
            cluster: {server: "%s", certificate-authority-data: "%s"}
          users:
          - name: %s
            user: {token: "%s"}
          contexts:
          - name: operator
            context: {cluster: real-apiserver, user: %s, namespace: %s}
          current-context: operator
          """.formatted(admin.getMasterUrl(), ca, SERVICE_ACCOUNT, token(server), SERVICE_ACCOUNT, NAMESPACE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static String token(RealApiServer server) {
    install(server);
    TokenRequest token = server.client().serviceAccounts().inNamespace(NAMESPACE).withName(SERVICE_ACCOUNT)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
    return token.getStatus().getToken();
  }
}
