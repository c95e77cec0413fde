package dev.runner.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's chain and DAG as kro ResourceGraphDefinitions: one Deployment per service, named
 * {@code <instance>-<service>} as the operator names its own, each with {@code readyWhen} on its
 * availability (available replicas = 1, the replicas asked for), and each dependency an edge: a
 * reference to the dependency's name in an annotation of the dependent Deployment (not of its pod
 * template, so no rollout), so kro creates a Deployment once every Deployment it references is ready.
 */
final class KroGraphs {
  static final String CHAIN = "BenchChain";
  static final String DAG = "BenchDag";

  private KroGraphs() {}

  static void apply(KubernetesClient client, Options o) throws InterruptedException {
    client.resource(rgd("benchchain", CHAIN, Groups.chain(o.chainDepth))).serverSideApply();
    client.resource(rgd("benchdag", DAG, Groups.dag(o.dagLevels, o.dagWidth, o.dagDeps))).serverSideApply();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (String name : List.of("benchchain", "benchdag")) {
      while (!active(client, name)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("kro's ResourceGraphDefinition " + name + " not Active within 120 s: "
              + Serialization.asYaml(client.genericKubernetesResources("kro.run/v1alpha1", "ResourceGraphDefinition")
                  .withName(name).get()));
        }
        Thread.sleep(100);
      }
    }
    // The instance CRDs kro generates must be served before an instance can be created.
    for (String plural : List.of("benchchains", "benchdags")) {
      while (client.apiextensions().v1().customResourceDefinitions().withName(plural + ".kro.run").get() == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("kro did not create the CRD " + plural + ".kro.run");
        }
        Thread.sleep(100);
      }
    }
  }

  private static boolean active(KubernetesClient client, String name) {
    GenericKubernetesResource r = client.genericKubernetesResources("kro.run/v1alpha1", "ResourceGraphDefinition")
        .withName(name).get();
    return r != null && "Active".equals(String.valueOf(((java.util.Map<?, ?>) r.getAdditionalProperties()
        .getOrDefault("status", java.util.Map.of())).get("state")));
  }

  static GenericKubernetesResource rgd(String name, String kind, List<String[]> services) {
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: kro.run/v1alpha1\nkind: ResourceGraphDefinition\nmetadata: {name: ").append(name).append("}\n")
        .append("spec:\n  schema:\n    apiVersion: v1alpha1\n    kind: ").append(kind).append('\n')
        .append("    spec:\n      image: 'string | default=\"example/app:1\"'\n  resources:\n");
    for (String[] s : services) {
      String id = s[0];
      y.append("  - id: ").append(id).append('\n')
          .append("    readyWhen:\n    - ${").append(id).append(".status.?availableReplicas.orValue(0) == 1}\n")
          .append("    template:\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n")
          .append("        name: ${schema.metadata.name}-").append(id).append('\n');
      if (s.length > 1) {
        y.append("        annotations:\n");
        for (int d = 1; d < s.length; d++) {
          y.append("          bench.runner.dev/after-").append(s[d]).append(": ${").append(s[d]).append(".metadata.name}\n");
        }
      }
      y.append("      spec:\n        replicas: 1\n")
          .append("        selector:\n          matchLabels:\n            app: ${schema.metadata.name}-").append(id).append('\n')
          .append("        template:\n          metadata:\n            labels:\n              app: ${schema.metadata.name}-")
          .append(id).append('\n')
          .append("          spec:\n            containers:\n            - name: app\n              image: ${schema.spec.image}\n");
    }
    return Serialization.unmarshal(y.toString(), GenericKubernetesResource.class);
  }

  static GenericKubernetesResource instance(String namespace, String name, String kind) {
    return Serialization.unmarshal("apiVersion: kro.run/v1alpha1\nkind: " + kind + "\nmetadata: {name: " + name
        + ", namespace: " + namespace + "}\nspec: {}\n", GenericKubernetesResource.class);
  }
}
