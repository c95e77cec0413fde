package dev.runner.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer's cache that keeps each object without its {@code metadata.managedFields}: the
 * API server's record of which client set which field, a third to half of a Deployment's or a
 * Pod's JSON and most of a RunnerGroup's with a large status, and read by nothing of the
 * operator. Every other field stays, so everything the core reads (ClusterView, Workload, Pods)
 * is there. The object is trimmed as it is stored, before the informer hands it to the event
 * handlers: the handlers and the cache see the same object.
 *
 * <p>One store serves one informer: JOSDK gives the store of a configuration to the informer of
 * each namespace it watches, and an informer's re-list removes from its store what the list did
 * not return, so the reconciler uses it only when it watches all namespaces or one.
 */
final class TrimmedItemStore<R extends HasMetadata> extends BasicItemStore<R> {
  TrimmedItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public R put(String key, R object) {
    if (object.getMetadata() != null) {
      object.getMetadata().setManagedFields(null);
    }
    return super.put(key, object);
  }
}
