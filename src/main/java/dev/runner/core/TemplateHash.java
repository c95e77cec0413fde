package dev.runner.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A hash of what the operator wants a service's workload to be (its Pod template, its
 * dependencies and its kind's fields), kept in an annotation on the workload. Comparing hashes, not fields, means
 * values the API server defaults never look like a change.
 */
public final class TemplateHash {
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private TemplateHash() {}

  public static String of(GroupPlan.ServicePlan plan) {
    try {
      Map<String, Object> wanted = new java.util.TreeMap<>();
      wanted.put("template", plan.spec().getTemplate());
      wanted.put("dependsOn", List.copyOf(new java.util.TreeSet<>(plan.dependsOn())));
      // Added only when set, so that the hash of every existing Deployment stays what it was.
      if (plan.spec().getStrategy() != null) {
        wanted.put("strategy", plan.spec().getStrategy());
      }
      if (plan.spec().getProgressDeadlineSeconds() != null) {
        wanted.put("progressDeadlineSeconds", plan.spec().getProgressDeadlineSeconds());
      }
      if (plan.spec().getMinReadySeconds() != null) {
        wanted.put("minReadySeconds", plan.spec().getMinReadySeconds());
      }
      // An edit of volumeClaimTemplates is a write the API server refuses (422): the hash makes it tried, and shown.
      if (plan.spec().getVolumeClaimTemplates() != null) {
        wanted.put("volumeClaimTemplates", plan.spec().getVolumeClaimTemplates());
      }
      if (plan.spec().getPersistentVolumeClaimRetentionPolicy() != null) {
        wanted.put("persistentVolumeClaimRetentionPolicy", plan.spec().getPersistentVolumeClaimRetentionPolicy());
      }
      if (plan.spec().getActiveDeadlineSeconds() != null) {
        wanted.put("activeDeadlineSeconds", plan.spec().getActiveDeadlineSeconds());
      }
      byte[] json = CANONICAL.writeValueAsBytes(wanted);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
      return HexFormat.of().formatHex(digest, 0, 10);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash the template of service " + plan.name(), e);
    }
  }

  /** The dependencies as written into the {@link Names#DEPENDS_ON} annotation. */
  public static String dependsOn(GroupPlan.ServicePlan plan) {
    return String.join(",", new java.util.TreeSet<>(plan.dependsOn()));
  }
}
