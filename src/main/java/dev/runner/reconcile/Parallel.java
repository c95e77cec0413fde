package dev.runner.reconcile;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/** Independent API calls of one reconcile, made at the same time; the first failure is rethrown. */
final class Parallel {
  private Parallel() {}

  static <T> void run(List<T> items, Executor executor, Consumer<T> call) {
    map(items, executor, item -> {
      call.accept(item);
      return null;
    });
  }

  static <T, R> List<R> map(List<T> items, Executor executor, Function<T, R> call) {
    if (items.size() <= 1) {
      return items.stream().map(call).toList();
    }
    List<CompletableFuture<R>> futures = items.stream()
        .map(item -> CompletableFuture.supplyAsync(() -> call.apply(item), executor))
        .toList();
    await(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)));
    return futures.stream().map(CompletableFuture::join).toList();
  }

  /** The call's result once it is made; its failure is rethrown as it was thrown. */
  static <R> R await(CompletableFuture<R> call) {
    try {
      return call.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }
}
