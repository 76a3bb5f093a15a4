/**
 * After the CRD phase: custom resources can only be applied once their definition is
 * Established (the API server serves the new kind), so the engine waits for that: one read,
 * then a watch until the condition comes or the step's deadline passes (no polling loop).
 */
import type { Deadline } from '../deadline.ts';
import { RolloutFailedError } from '../errors.ts';
import type { Manifest, ObjectRef } from '../model.ts';
import type { ClusterClient, Subscription } from '../ports.ts';
import type { EventSink } from './events.ts';
import { MAX_TIMER_MS } from './observe.ts';

type Condition = { type: string; status: string; reason?: string; message?: string };

/** Established (true), refused (the error), or not yet (undefined). */
function verdictOf(ref: ObjectRef, crd: Manifest | undefined): true | RolloutFailedError | undefined {
  const conditions: Condition[] = crd?.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return true;
  const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
  if (names) return new RolloutFailedError(ref, names.reason ?? 'NamesNotAccepted', `CustomResourceDefinition/${ref.name}: ${names.message ?? 'names not accepted'}`);
  return undefined;
}

export async function waitEstablished(cluster: ClusterClient, ref: ObjectRef, deadline: Deadline, onEvent: EventSink): Promise<void> {
  const first = verdictOf(ref, await cluster.get(ref));
  const verdict =
    first ??
    (await new Promise<true | RolloutFailedError>((resolve) => {
      let subscription: Subscription | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const finish = (result: true | RolloutFailedError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        subscription?.stop();
        resolve(result);
      };
      // Re-armed while time is left: a Node timer cannot wait longer than MAX_TIMER_MS.
      const arm = () => {
        timer = setTimeout(
          () => {
            if (!deadline.expired) arm();
            else finish(new RolloutFailedError(ref, 'Timeout', `CustomResourceDefinition/${ref.name} was not Established within the step's ${deadline.describe()}`));
          },
          Math.min(MAX_TIMER_MS, deadline.remainingMs()),
        );
      };
      arm();
      subscription = cluster.watch([ref], (crd) => {
        const seen = verdictOf(ref, crd);
        if (seen) finish(seen);
      });
      if (done) subscription.stop();
    }));
  if (verdict !== true) throw verdict;
  onEvent({ type: 'established', ref });
}
