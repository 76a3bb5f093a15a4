/**
 * Applies rendered objects (server-side apply, field manager "conveyor"), reports each one,
 * and remembers what the cluster now holds, so that a step that fails part-way can say which
 * objects were applied and which not (PartialApplyError). Shared by plain manifests and the
 * plans of deploy-containers specs.
 */
import type { Manifest, ObjectHealth, ObjectRef, RenderedObject } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { refKey } from '../rollout/status.ts';
import { forEachLimited } from './concurrency.ts';
import { type ApplyOutcome, type EventSink, refOf } from './events.ts';

export const FIELD_MANAGER = 'conveyor';

export type ObjectResult = { ref: ObjectRef; outcome?: ApplyOutcome; health?: ObjectHealth };

export type ApplierOptions = {
  force: boolean;
  concurrency: number;
  onEvent: EventSink;
  /** Created, configured or unchanged, from what the pre-flight dry run saw. */
  outcomeOf: (object: Manifest, live: Manifest) => ApplyOutcome;
};

export class Applier {
  /** Everything written so far (objects and created namespaces), by refKey. */
  readonly written = new Map<string, ObjectRef>();

  constructor(
    private readonly cluster: ClusterClient,
    private readonly options: ApplierOptions,
  ) {}

  /** Applies `items` concurrently; every success is reported and recorded before a failure is thrown. */
  async apply(items: RenderedObject[]): Promise<ObjectResult[]> {
    const results: ObjectResult[] = [];
    await forEachLimited(items, this.options.concurrency, async (r) => {
      const live = await this.cluster.apply(r.object, { fieldManager: FIELD_MANAGER, force: this.options.force });
      const ref = refOf(live);
      const outcome = this.options.outcomeOf(r.object, live);
      this.written.set(refKey(refOf(r.object)), ref);
      results.push({ ref, outcome });
      this.options.onEvent({ type: 'applied', ref, outcome });
    });
    return results;
  }

  /** Something written outside apply (a namespace created for the step). */
  record(ref: ObjectRef): void {
    this.written.set(refKey(ref), ref);
  }

  /** Something removed again (a namespace rolled back). */
  forget(ref: ObjectRef): void {
    this.written.delete(refKey(ref));
  }

  /** Of `planned`, the refs not written yet. */
  notWritten(planned: ObjectRef[]): ObjectRef[] {
    return planned.filter((ref) => !this.written.has(refKey(ref)));
  }
}
