/**
 * After the CRD phase: custom resources can only be applied once their definition is
 * Established (the API server serves the new kind), so the engine waits for that.
 */
import type { Deadline } from '../deadline.ts';
import { RolloutFailedError } from '../errors.ts';
import type { ObjectRef } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import type { EventSink } from './events.ts';

const POLL_MS = 100;

export async function waitEstablished(cluster: ClusterClient, ref: ObjectRef, deadline: Deadline, onEvent: EventSink): Promise<void> {
  for (;;) {
    const crd = await cluster.get(ref);
    const conditions: { type: string; status: string; reason?: string; message?: string }[] = crd?.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
      onEvent({ type: 'established', ref });
      return;
    }
    const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    if (names) throw new RolloutFailedError(ref, names.reason ?? 'NamesNotAccepted', `CustomResourceDefinition/${ref.name}: ${names.message ?? 'names not accepted'}`);
    if (deadline.remainingMs() <= POLL_MS) throw new RolloutFailedError(ref, 'Timeout', `CustomResourceDefinition/${ref.name} was not Established within the step's ${deadline.describe()}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
