/**
 * Following a deployment until it ends: `GET /deployments/{id}` again and again, quickly while
 * things change and less often while they do not (backoff to a few seconds), until a final
 * state or the deadline. The exit code follows the outcome as for `conveyor apply`: 0
 * Succeeded; 1 Failed, Cancelled or still running at the deadline; 3 Errored (a technical
 * fault, not a failed check).
 */
import { type ApiClient, pathOf } from '../api/client.ts';
import { EXIT } from '../exit.ts';
import type { DeploymentProgress, DeploymentView } from './progress.ts';

export type WaitPolicy = { timeoutMs: number; firstDelayMs: number; maxDelayMs: number; growth: number };

/** Quick at first (a deployment's first steps take seconds), then every few seconds. */
export const DEFAULT_WAIT: Omit<WaitPolicy, 'timeoutMs'> = { firstDelayMs: 500, maxDelayMs: 5_000, growth: 1.5 };

const FINAL_STATES = new Set(['Succeeded', 'Failed', 'Errored', 'Cancelled']);
export const isFinalState = (state: string) => FINAL_STATES.has(state);

export type WaitOutcome = { view: DeploymentView; timedOut: boolean };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitForDeployment(api: ApiClient, id: string, progress: DeploymentProgress, policy: WaitPolicy): Promise<WaitOutcome> {
  const deadline = Date.now() + policy.timeoutMs;
  let delay = policy.firstDelayMs;
  let previous = '';
  for (;;) {
    const view = await api.get<DeploymentView>(pathOf('/deployments/{deploymentId}', { deploymentId: id }));
    progress.update(view);
    if (isFinalState(view.deployment.state)) return { view, timedOut: false };
    const left = deadline - Date.now();
    if (left <= 0) return { view, timedOut: true };
    const text = JSON.stringify(view);
    delay = text === previous ? Math.min(policy.maxDelayMs, delay * policy.growth) : policy.firstDelayMs;
    previous = text;
    await sleep(Math.min(delay, left));
  }
}

export function exitCodeOfState(state: string): number {
  if (state === 'Succeeded') return EXIT.done;
  if (state === 'Errored') return EXIT.unavailable;
  return EXIT.failed;
}

/** The last line: the outcome, and the failure's reason. */
export function outcomeText(outcome: WaitOutcome): string {
  const { deployment } = outcome.view;
  if (outcome.timedOut) return `still ${deployment.state} at the --timeout; follow it with: conveyor deployment show ${deployment.id} --wait`;
  return `${deployment.state}${deployment.failure ? `: ${deployment.failure.category}: ${deployment.failure.message}` : ''}`;
}
