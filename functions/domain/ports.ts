/**
 * What the deploy engine needs from a cluster, as an interface the Kubernetes adapter
 * implements (functions/adapters/kubernetes) and tests may fake. Errors come back as the
 * domain errors of errors.ts, never as client exceptions.
 */
import type { Manifest, ObjectRef } from './model.ts';

export type ApplyOptions = {
  /** Server-side apply field manager ("conveyor"). */
  fieldManager: string;
  /** Take fields owned by other managers instead of failing with FieldConflictError. */
  force: boolean;
  /** Validate and compute the result on the server without persisting it. */
  dryRun?: boolean;
};

export type Subscription = { stop(): void };

export interface ClusterClient {
  /** Server-side apply of one object; resolves to the live object the server returned. */
  apply(object: Manifest, options: ApplyOptions): Promise<Manifest>;
  /** The live object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<Manifest | undefined>;
  list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<Manifest[]>;
  delete(ref: ObjectRef): Promise<void>;
  /**
   * The core/v1 Events about one object (their involvedObject names its kind and name), from
   * the object's namespace, in the server's order. Rollout diagnosis reads them for a pod that
   * runs but is not ready, to quote the kubelet's probe failure.
   */
  events(about: ObjectRef): Promise<Manifest[]>;
  /**
   * Whether the kind is namespaced on this cluster; undefined when the cluster does not serve
   * the kind at that apiVersion (which the engine reports as an unknown kind).
   */
  scopeOf(apiVersion: string, kind: string): Promise<'Namespaced' | 'Cluster' | undefined>;
  /** Creates the namespace if it is missing (and the account may); 'exists' otherwise. */
  ensureNamespace(name: string): Promise<'created' | 'exists'>;
  /**
   * Streams changes of the given objects (and, for workloads, their pods) until stopped;
   * falls back to periodic reads when a watch breaks. `onChange` gets the live object.
   */
  watch(refs: ObjectRef[], onChange: (object: Manifest) => void, onError?: (error: Error) => void): Subscription;
}
