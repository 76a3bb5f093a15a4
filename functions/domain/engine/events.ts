/**
 * What the engine reports while it works: the CLI prints it live, a Lambda writes it to
 * the task log. Every object appears by reference only; no manifest content, so nothing
 * sensitive can leak through progress.
 */
import type { ObjectHealth, ObjectRef } from '../model.ts';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'validated';

export type EngineEvent =
  | {
      type: 'rendered';
      objects: number;
      bound: { repository: string; value: string; containers: number }[];
      /** Containers no image map entry matched: `Deployment/web app: nginx:1.25`. */
      unmatched: string[];
      /** The same containers by the image they keep, with how many use it. */
      kept?: { image: string; containers: number }[];
      /** Names of the variables the manifests use (never values). */
      variables?: string[];
    }
  | { type: 'phase'; name: string; objects: number }
  | { type: 'namespace'; name: string; outcome: 'created' | 'exists' }
  | { type: 'applied'; ref: ObjectRef; outcome: ApplyOutcome }
  | { type: 'established'; ref: ObjectRef }
  | { type: 'health'; health: ObjectHealth }
  | { type: 'switched'; service: ObjectRef; to: string }
  | { type: 'deleted'; ref: ObjectRef }
  /** Something a person should know that does not stop the step (what could not be checked, for instance). */
  | { type: 'warning'; message: string };

export type EventSink = (event: EngineEvent) => void;

/** "Deployment/web" or "Deployment/team-a/web": how objects are named in progress lines. */
export function describe(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

export { refOf } from '../rollout/status.ts';
