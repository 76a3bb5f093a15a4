/**
 * `conveyor deploy RELEASE --to ENV [--wait]` (a promotion), `conveyor deployment
 * show|list|cancel|redeploy`, and the answers to approvals: `conveyor approve|reject DEPLOYMENT
 * [STEP]`, `conveyor approvals list`. With `--wait` a command follows the deployment to its end
 * and exits as `conveyor apply` does (0 Succeeded, 1 Failed/Cancelled/timed out, 3 Errored).
 */
import type { z } from 'zod';
import type { pendingApprovals } from '#functions/api/schemas/approvals.ts';
import type { approval, deployment, deploymentAccepted, deploymentsPage } from '#functions/api/schemas/deployments.ts';
import { type ApiClient, pathOf } from '../api/client.ts';
import { answerCommand, DeploymentProgress, type DeploymentView } from '../deploy/progress.ts';
import { DEFAULT_WAIT, exitCodeOfState, outcomeText, waitForDeployment } from '../deploy/wait.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit.ts';
import { type Output, table } from '../output.ts';
import { DEFAULT_WAIT_SECONDS } from '../tree/releases.ts';
import type { ApiContext } from '../tree/shared.ts';
import { integerFlag, secondsFlag } from './inputs.ts';
import { parseRelease, releasePath } from './releases.ts';

type Deployment = z.infer<typeof deployment>;
type Accepted = z.infer<typeof deploymentAccepted>;
type Approval = z.infer<typeof approval>;

const MAX_PAGE = 100;

const item = (id: string) => pathOf('/deployments/{deploymentId}', { deploymentId: id });
const summary = (d: Deployment) => `deployment ${d.id}: ${d.projectId}@${d.releaseVersion} to ${d.environmentId}, ${d.state}`;

/** Follows `id` to its end when `--wait` was given; the exit code of the outcome. */
async function follow(api: ApiClient, out: Output, id: string, options: Record<string, any>): Promise<number> {
  const timeoutMs = secondsFlag('--timeout', options.timeout, DEFAULT_WAIT_SECONDS);
  const progress = new DeploymentProgress(out.stdout, out.json ? 'quiet' : out.stdout.isTTY ? 'live' : 'lines');
  const outcome = await waitForDeployment(api, id, progress, { ...DEFAULT_WAIT, timeoutMs });
  if (out.json) out.result(outcome.view, () => '');
  else progress.finish(outcomeText(outcome));
  return outcome.timedOut ? EXIT.failed : exitCodeOfState(outcome.view.deployment.state);
}

function accepted(out: Output, answer: Accepted, wait: boolean): void {
  const how = answer.startedBy === 'release-lifecycle' ? 'handed to the release lifecycle waiting for it' : 'started';
  // With --wait, the progress says the rest (and JSON output prints the final view only).
  if (wait) out.note(`${summary(answer.deployment)} (${how})`);
  else out.result(answer, () => `${summary(answer.deployment)} (${how})\nfollow it with: conveyor deployment show ${answer.deployment.id} --wait`);
}

export async function deploy({ api, out, args: [text], options }: ApiContext): Promise<number> {
  const ref = parseRelease(text);
  // A bad --timeout is refused before anything is deployed.
  if (options.wait) secondsFlag('--timeout', options.timeout, DEFAULT_WAIT_SECONDS);
  const answer = await api.post<Accepted>(`${releasePath(ref)}/deployments`, { environmentId: options.to });
  accepted(out, answer, options.wait);
  return options.wait ? follow(api, out, answer.deployment.id, options) : EXIT.done;
}

export async function redeploy({ api, out, args: [id], options }: ApiContext): Promise<number> {
  if (options.wait) secondsFlag('--timeout', options.timeout, DEFAULT_WAIT_SECONDS);
  const answer = await api.post<Accepted>(`${item(id)}/redeploy`);
  accepted(out, answer, options.wait);
  return options.wait ? follow(api, out, answer.deployment.id, options) : EXIT.done;
}

export async function show({ api, out, args: [id], options }: ApiContext): Promise<number> {
  if (options.wait) return follow(api, out, id, options);
  const view = await api.get<DeploymentView>(item(id));
  out.result(view, () => {
    // The same lines --wait prints, all at once.
    const chunks: string[] = [];
    new DeploymentProgress({ write: (chunk: string) => chunks.push(chunk) }, 'lines').update(view);
    const failure = view.deployment.failure;
    return `${chunks.join('')}${failure ? `failure: ${failure.category}: ${failure.message}\n` : ''}`;
  });
  return EXIT.done;
}

export async function list({ api, out, args: [projectId, environmentId], options }: ApiContext): Promise<void> {
  const limit = integerFlag('--limit', options.limit, 1, MAX_PAGE);
  const page = await api.get<z.infer<typeof deploymentsPage>>(pathOf('/projects/{projectId}/environments/{environmentId}/deployments', { projectId, environmentId }), {
    limit,
    cursor: options.cursor,
  });
  out.result(page, () => {
    const rows = table(
      ['ID', 'RELEASE', 'STATE', 'QUEUED', 'BY'],
      page.items.map((d) => [d.id, d.releaseVersion, d.state, d.queuedAt, d.startedBy]),
      `(no deployments of ${projectId} to ${environmentId})`,
    );
    return page.cursor ? `${rows}(more: --cursor ${page.cursor})\n` : rows;
  });
}

export async function cancel({ api, out, args: [id] }: ApiContext): Promise<void> {
  const cancelled = await api.post<Deployment>(`${item(id)}/cancel`);
  out.result(cancelled, () => `${summary(cancelled)}; the previous version stays live`);
}

/** The step a decision is for: the one given, else the deployment's only approval still waiting. */
async function pendingStep(api: ApiClient, id: string, step: string | undefined): Promise<number> {
  if (step !== undefined) return integerFlag('STEP', step, 0)!;
  const view = await api.get<DeploymentView>(item(id));
  const waiting = view.approvals.filter((a) => !a.decision);
  if (waiting.length === 1) return waiting[0]!.stepIndex;
  if (waiting.length === 0) throw new UsageError(`deployment ${id} waits for no approval (it is ${view.deployment.state})`);
  throw new UsageError(`deployment ${id} waits for ${waiting.length} approvals: name the step (${waiting.map((a) => `${a.stepIndex} "${a.stepName}"`).join(', ')})`);
}

async function decide(context: ApiContext, decision: 'Approved' | 'Rejected'): Promise<void> {
  const { api, out, args, options } = context;
  const [id, step] = args as [string, string | undefined];
  const stepIndex = await pendingStep(api, id, step);
  const path = pathOf('/approvals/{deploymentId}/{stepIndex}', { deploymentId: id, stepIndex: String(stepIndex) });
  const decided = await api.post<Approval>(path, { decision, ...(options.comment !== undefined ? { comment: options.comment } : {}) });
  out.result(decided, () => `step ${decided.stepIndex} "${decided.stepName}" of deployment ${id} ${decided.decision?.toLowerCase()}${decided.comment ? `: ${decided.comment}` : ''}`);
}

export const approve = (context: ApiContext) => decide(context, 'Approved');
export const reject = (context: ApiContext) => decide(context, 'Rejected');

export async function pending({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof pendingApprovals>>('/approvals');
  out.result(answer, () =>
    table(
      ['DEPLOYMENT', 'STEP', 'RELEASE', 'ENVIRONMENT', 'REQUESTED BY', 'ANSWER WITH'],
      answer.items.map(({ deployment: d, approval: a }) => [
        d.id,
        `${a.stepIndex} ${a.stepName}`,
        `${d.projectId}@${d.releaseVersion}`,
        a.environmentId,
        a.requestedBy,
        answerCommand(d.id, a.stepIndex).split(' (')[0],
      ]),
      '(nothing waits for your approval)',
    ),
  );
}
