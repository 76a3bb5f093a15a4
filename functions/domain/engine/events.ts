/**
 * What the engine reports while it works: the CLI prints it live, a Lambda writes it to
 * the task log. Every object appears by reference only; no manifest content, so nothing
 * sensitive can leak through progress.
 */
import type { ObjectHealth, ObjectRef } from '../model.ts';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'validated';

export type EngineEvent =
  | { type: 'rendered'; objects: number; bound: { repository: string; value: string; containers: number }[]; unmatched: string[] }
  | { type: 'phase'; name: string; objects: number }
  | { type: 'namespace'; name: string; outcome: 'created' | 'exists' }
  | { type: 'applied'; ref: ObjectRef; outcome: ApplyOutcome }
  | { type: 'established'; ref: ObjectRef }
  | { type: 'health'; health: ObjectHealth }
  | { type: 'switched'; service: ObjectRef; to: string }
  | { type: 'deleted'; ref: ObjectRef };

export type EventSink = (event: EngineEvent) => void;

/** "Deployment/web" or "Deployment/team-a/web": how objects are named in progress lines. */
export function describe(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

export { refOf } from '../rollout/status.ts';
