/**
 * What `--wait` shows of a deployment while it runs, from successive reads of
 * `GET /deployments/{id}`: its state, every step × target with its state and message (the
 * object status, the diagnosis of a stuck rollout), the task log as it grows, and the approval
 * it waits for with the command that answers it. On a terminal the step × target rows are
 * redrawn in place under the log; otherwise each change is one line (for CI logs), and JSON
 * output shows nothing until the end.
 */
import type { z } from 'zod';
import type { deploymentView } from '#functions/api/schemas/deployments.ts';
import type { Writer } from '../output.ts';

export type DeploymentView = z.infer<typeof deploymentView>;
type Result = DeploymentView['results'][number];
type Approval = DeploymentView['approvals'][number];

export type ProgressMode = 'live' | 'lines' | 'quiet';

const STATE_WIDTH = 10;
const MIN_WIDTH = 20;
const DEFAULT_COLUMNS = 120;

const resultKey = (r: Pick<Result, 'stepIndex' | 'targetId'>) => `${r.stepIndex}/${r.targetId}`;
const approvalKey = (a: Pick<Approval, 'stepIndex'>) => String(a.stepIndex);
const resultText = (r: Result) => `step ${r.stepIndex} "${r.stepName}" on ${r.targetId}: ${r.state.padEnd(STATE_WIDTH)}${r.message ? ` ${r.message}` : ''}`.trimEnd();

/** The command that answers a waiting approval. */
export const answerCommand = (deploymentId: string, stepIndex: number) => `conveyor approve ${deploymentId} ${stepIndex} (or conveyor reject ${deploymentId} ${stepIndex} --comment WHY)`;

export class DeploymentProgress {
  private state?: string;
  private readonly results = new Map<string, string>();
  private readonly approvals = new Map<string, string>();
  private logSeen = 0;
  private drawn = 0;

  constructor(
    private readonly out: Writer,
    private readonly mode: ProgressMode,
  ) {}

  /** Shows what changed since the last view. */
  update(view: DeploymentView): void {
    if (this.mode === 'quiet') return;
    const { deployment } = view;
    const lines: string[] = [];
    if (this.state === undefined) lines.push(`deployment ${deployment.id}: ${deployment.projectId}@${deployment.releaseVersion} to ${deployment.environmentId}`);
    if (deployment.state !== this.state) lines.push(`state: ${deployment.state}`);
    this.state = deployment.state;
    for (const entry of view.log.slice(this.logSeen))
      lines.push(`  ${entry.level.padEnd(5)} ${entry.stepName ? `${entry.stepName}${entry.targetId ? `/${entry.targetId}` : ''}: ` : ''}${entry.message}`);
    this.logSeen = view.log.length;
    const changedResults = this.changed(
      this.results,
      view.results.map((r) => [resultKey(r), resultText(r)]),
    );
    const changedApprovals = this.changed(
      this.approvals,
      view.approvals.map((a) => [approvalKey(a), approvalText(deployment.id, a)]),
    );
    if (this.mode === 'lines') {
      this.write([...lines, ...changedResults, ...changedApprovals]);
      return;
    }
    this.out.write(`${this.clear()}${lines.map((line) => `${line}\n`).join('')}`);
    this.redraw();
  }

  /** Leaves the live rows as they are and writes the outcome under them. */
  finish(text: string): void {
    if (this.mode === 'quiet') return;
    this.drawn = 0;
    this.out.write(`${text}\n`);
  }

  /** Stores `entries` into `seen`; the texts that are new or different. */
  private changed(seen: Map<string, string>, entries: [string, string][]): string[] {
    const texts: string[] = [];
    for (const [key, text] of entries) {
      if (seen.get(key) === text) continue;
      seen.set(key, text);
      texts.push(text);
    }
    return texts;
  }

  private write(lines: string[]): void {
    if (lines.length) this.out.write(lines.map((line) => `${line}\n`).join(''));
  }

  private clear(): string {
    const n = this.drawn;
    this.drawn = 0;
    return n ? `\x1b[${n}A\x1b[0J` : '';
  }

  /** The rows, one screen line each (cut to the width), so the cursor-up count stays right. */
  private redraw(): void {
    const width = Math.max(MIN_WIDTH, (this.out.columns ?? DEFAULT_COLUMNS) - 1);
    const rows = [...this.results.values(), ...this.approvals.values()].map((row) => (row.length > width ? `${row.slice(0, width - 1)}…` : row));
    if (!rows.length) return;
    this.out.write(rows.map((row) => `${row}\n`).join(''));
    this.drawn = rows.length;
  }
}

function approvalText(deploymentId: string, approval: Approval): string {
  const step = `step ${approval.stepIndex} "${approval.stepName}"`;
  if (!approval.decision) return `waiting for approval of ${step} in ${approval.environmentId}: ${answerCommand(deploymentId, approval.stepIndex)}`;
  return `${step} ${approval.decision.toLowerCase()} by ${approval.decidedBy ?? 'someone'}${approval.comment ? `: ${approval.comment}` : ''}`;
}
