package dev.runner.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BoundedStepTest {
  @Test
  void aStepThatEndsInTimeIsReportedDone() throws Exception {
    assertThat(BoundedStep.run("quick", Duration.ofSeconds(5), () -> { })).isTrue();
  }

  @Test
  void aStepThatOverrunsIsLeftBehindAtItsDeadline() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    long start = System.nanoTime();
    boolean done = BoundedStep.run("stuck", Duration.ofMillis(300), () -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(done).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
    never.countDown();
  }

  @Test
  void theThreadDumpHasTheWholeStackOfEveryThread() {
    String dump = BoundedStep.threadDump();
    assertThat(dump).contains("\"" + Thread.currentThread().getName() + "\"")
        .contains("dev.runner.operator.BoundedStepTest.theThreadDumpHasTheWholeStackOfEveryThread(");
  }
}
