package dev.runner.api;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.File;
import java.util.Comparator;
import java.util.List;

/**
 * Generates the RunnerGroup CRD from the Java model with fabric8's CRD generator. Run by the build
 * (exec-maven-plugin, phase process-test-classes) into target/crds; CrdUpToDateTest compares the
 * committed copies with it.
 *
 * <p>The one thing the generator's annotations cannot say is that {@code spec.services} is a list
 * keyed by name; the generator's post-processor hook adds it, and puts the printer columns in the order
 * the README shows for {@code kubectl get rg}: NAME, READY, HEALTHY, PHASE, AGE (the generator sorts them by name).
 */
public final class CrdGeneration {
  private CrdGeneration() {}

  public static void main(String[] args) {
    File out = new File(args.length > 0 ? args[0] : "target/crds");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new IllegalStateException("cannot create " + out);
    }
    int written = new CRDGenerator()
        .customResourceClasses(RunnerGroup.class)
        .forCRDVersions("v1")
        .withPostProcessor(new ServicesKeyedByName())
        .inOutputDir(out)
        .generate();
    if (written != 1) {
      throw new IllegalStateException("expected one CRD, generated " + written);
    }
  }

  private static final List<String> COLUMN_ORDER = List.of("Ready", "Healthy", "Phase", "Age");

  static final class ServicesKeyedByName implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      CustomResourceDefinition definition = (CustomResourceDefinition) crd;
      definition.getSpec().getVersions().forEach(version -> {
        JSONSchemaProps services = version.getSchema().getOpenAPIV3Schema()
            .getProperties().get("spec").getProperties().get("services");
        services.setXKubernetesListType("map");
        services.setXKubernetesListMapKeys(List.of("name"));
        // kubectl prints the columns in this order; the generator sorts them by name.
        version.getAdditionalPrinterColumns().sort(Comparator.comparingInt(
            column -> COLUMN_ORDER.indexOf(column.getName())));
      });
      return definition;
    }
  }
}
