/**
 * Watching the pipeline work, through the API as `conveyor deployment show --wait` does: the
 * release an image push made, the deployment a lifecycle started, and a deployment's progress —
 * state, task log, every step × target with its object status, the approval it waits for —
 * printed as it happens with the CLI's own progress view (cli/deploy/progress.ts).
 */
import { type ApiClient, pathOf } from '#cli/api/client.ts';
import { DeploymentProgress, type DeploymentView } from '#cli/deploy/progress.ts';
import { isFinalState } from '#cli/deploy/wait.ts';
import type { Writer } from '#cli/output.ts';

/** Quick polls: on the sandbox a step takes seconds, and the demo shows them as they happen. */
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 1_000;
const POLL_GROWTH = 1.5;
/** Far above what a demo deployment takes; a stuck one fails the demo with what it was doing. */
export const FOLLOW_TIMEOUT_MS = 120_000;
/** An image push becomes a release, a release's lifecycle starts a deployment: seconds. */
const APPEAR_TIMEOUT_MS = 30_000;

type Deployment = DeploymentView['deployment'];
type ReleaseSummary = { version: string; number: number; sourceDigest?: string; createdBy: string };
type ReleaseDetail = { deployments: Deployment[] };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` (quickly, then less often) until it returns something; `what` names it in the timeout's error. */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = APPEAR_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(delay);
    delay = Math.min(MAX_POLL_MS, delay * POLL_GROWTH);
  }
}

/** The release of `projectId` that the push of `digest` made. */
export function releaseOfPush(api: ApiClient, projectId: string, digest: string): Promise<ReleaseSummary> {
  return until(async () => {
    const page = await api.get<{ items: ReleaseSummary[] }>(pathOf('/projects/{projectId}/releases', { projectId }), { limit: 10 });
    return page.items.find((r) => r.sourceDigest === digest);
  }, `the release of ${projectId} made by the push of ${digest} (the functions' log says why there is none)`);
}

/** The newest deployment of a release to an environment, once there is one. */
export function deploymentOf(api: ApiClient, projectId: string, version: string, environmentId: string): Promise<Deployment> {
  return until(async () => {
    const detail = await api.get<ReleaseDetail>(pathOf('/projects/{projectId}/releases/{version}', { projectId, version }));
    return detail.deployments.filter((d) => d.environmentId === environmentId).sort((a, b) => b.queuedAt.localeCompare(a.queuedAt))[0];
  }, `a deployment of ${projectId}@${version} to ${environmentId}`);
}

/** Writes each line with an indent, so progress reads as part of the section above it. */
export function indented(out: Writer, indent = '    '): Writer {
  return { write: (text: string) => out.write(text.replace(/^(?=.)/gm, indent)) };
}

/**
 * Follows deployment `id`, printing its progress, until `stop(view)` (by default: a final state).
 * The last view; an error when `timeoutMs` passes first.
 */
export async function follow(
  api: ApiClient,
  id: string,
  progress: DeploymentProgress,
  stop: (view: DeploymentView) => boolean = (v) => isFinalState(v.deployment.state),
  timeoutMs = FOLLOW_TIMEOUT_MS,
): Promise<DeploymentView> {
  let last: DeploymentView | undefined;
  try {
    return await until(
      async () => {
        last = await api.get<DeploymentView>(pathOf('/deployments/{deploymentId}', { deploymentId: id }));
        progress.update(last);
        return stop(last) ? last : undefined;
      },
      `deployment ${id}`,
      timeoutMs,
    );
  } catch (error) {
    if (last) (error as Error).message += ` (it is ${last.deployment.state})`;
    throw error;
  }
}

export const newProgress = (out: Writer) => new DeploymentProgress(indented(out), 'lines');
