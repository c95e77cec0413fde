package dev.runner.sandbox;

import dev.runner.sandbox.SimulatedKubelet.DeploymentMemo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One level-triggered sync of one Job with one pod and {@code backoffLimit: 0}, as the Job
 * controller runs it: one pod {@code <job>-<5 chars>} (restartPolicy Never: an exit ends it); its
 * success sets the condition {@code Complete}, its failure {@code Failed} (reason
 * BackoffLimitExceeded), no new pod after either; a Job active longer than its
 * activeDeadlineSeconds has its pod deleted and fails with DeadlineExceeded. Status: active,
 * ready, succeeded, failed, startTime, completionTime, conditions. A pod that does not exit by its
 * behaviour succeeds after running for its startup time (see {@link PodState#restartNever}).
 */
final class JobSync extends PodSync {
  private static final Logger log = LoggerFactory.getLogger(JobSync.class);
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final Random RANDOM = new SecureRandom();

  JobSync(SimulatedKubelet kubelet, String key, Instant now) {
    super(kubelet, key, now);
  }

  @Override
  void run() {
    Job job = kubelet.cachedJob(key);
    DeploymentMemo memo = kubelet.memo(key);
    memo.keep = true;
    refreshFromCache();
    deleteOrphans(job);
    Instant next = null;
    if (job != null && job.getMetadata().getDeletionTimestamp() == null) {
      if (!job.getMetadata().getUid().equals(memo.jobUid)) {
        memo.jobUid = job.getMetadata().getUid();
        memo.jobStartedAt = now;
      }
      List<PodState> ours = ours(job);
      boolean finished = finished(job);
      Instant deadline = job.getSpec().getActiveDeadlineSeconds() == null ? null
          : memo.jobStartedAt.plusSeconds(job.getSpec().getActiveDeadlineSeconds());
      boolean pastDeadline = deadline != null && !now.isBefore(deadline);
      if (!finished && ours.isEmpty() && !pastDeadline) {
        create(job);
      }
      if (!finished && pastDeadline) {
        ours(job).stream().filter(s -> !s.terminating() && !s.history()).forEach(s -> delete(s, "active deadline exceeded"));
      }
      next = finished || pastDeadline ? null : deadline;
    }
    next = earliest(next, advancePods(memo));
    if (job != null) {
      writeStatus(job, memo);
    }
    kubelet.scheduleWakeUp(key, next, now);
  }

  private List<PodState> ours(Job job) {
    return kubelet.statesOf(namespace, name).stream().filter(s -> s.deploymentUid.equals(job.getMetadata().getUid())).toList();
  }

  private static boolean finished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
  }

  private void create(Job job) {
    StringBuilder podName = new StringBuilder(name).append('-');
    for (int i = 0; i < 5; i++) {
      podName.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    PodState s = new PodState(namespace, podName.toString(), name, job.getMetadata().getUid(), "",
        PodFactory.containers(job.getSpec().getTemplate()), now);
    s.initContainers = PodFactory.initContainers(job.getSpec().getTemplate().getSpec());
    s.restartNever = true;
    String uid = job.getMetadata().getUid();
    Pod pod = PodFactory.newPod(job, "batch/v1", job.getSpec().getTemplate(), Map.of(
        "batch.kubernetes.io/controller-uid", uid, "batch.kubernetes.io/job-name", name,
        "controller-uid", uid, "job-name", name), s.name, s);
    pod.getSpec().setRestartPolicy("Never");
    create(pod, s);
    log.debug("pod {}: created for job {}", s.key(), key);
  }

  private void writeStatus(Job job, DeploymentMemo memo) {
    if (!job.getMetadata().getUid().equals(memo.jobUid)) {
      return;
    }
    int active = 0;
    int ready = 0;
    int succeeded = 0;
    int failed = 0;
    Instant endedAt = null;
    for (PodState s : ours(job)) {
      if (s.succeeded()) {
        succeeded++;
        endedAt = s.lastExit.finishedAt();
      } else if (s.failed()) {
        failed++;
        endedAt = s.lastExit.finishedAt();
      } else if (!s.terminating()) {
        active++;
        ready += s.ready(now, behavior) ? 1 : 0;
      }
    }
    List<JobCondition> conditions = new ArrayList<>(job.getStatus() == null || job.getStatus().getConditions() == null
        ? List.of() : job.getStatus().getConditions());
    Instant deadline = job.getSpec().getActiveDeadlineSeconds() == null ? null
        : memo.jobStartedAt.plusSeconds(job.getSpec().getActiveDeadlineSeconds());
    String completionTime = job.getStatus() == null ? null : job.getStatus().getCompletionTime();
    if (!finished(job)) {
      if (succeeded > 0) {
        conditions.add(condition("Complete", null, null, endedAt));
        completionTime = PodFactory.time(endedAt);
      } else if (failed > 0) {
        conditions.add(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", endedAt));
      } else if (deadline != null && !now.isBefore(deadline)) {
        conditions.add(condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", now));
      }
    }
    JobStatus status = new JobStatusBuilder()
        .withStartTime(PodFactory.time(memo.jobStartedAt))
        .withActive(active == 0 ? null : active)
        .withReady(ready)
        .withSucceeded(succeeded == 0 ? null : succeeded)
        .withFailed(failed == 0 ? null : failed)
        .withCompletionTime(completionTime)
        .withConditions(conditions)
        .build();
    kubelet.writeJobStatus(job, status);
  }

  private static JobCondition condition(String type, String reason, String message, Instant at) {
    String time = PodFactory.time(at);
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
        .withLastProbeTime(time).withLastTransitionTime(time).build();
  }
}
