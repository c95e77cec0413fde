package dev.runner.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseReleaseTest {
  /**
   * An API server that takes the connection and never answers (a partition, a server stuck in its
   * restart): the release gives up after its request timeout, once, instead of fabric8's default of
   * 11 attempts of up to 15 s each.
   */
  @Test
  void aServerThatNeverAnswersIsGivenUpAfterTheRequestTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort()).withOauthToken("t").build()).build()) {
      long start = System.nanoTime();
      boolean released = assertTimeoutPreemptively(Duration.ofSeconds(10),
          () -> LeaseRelease.release(client, "ns", "lease", "me", Duration.ofMillis(500)));
      assertThat(released).isFalse();
      // The request timeout, and fabric8's grace of as much again on top of it.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }
}
