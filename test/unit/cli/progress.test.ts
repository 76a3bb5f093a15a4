/**
 * What `--wait` shows of a deployment (cli/deploy/progress.ts), from successive views: in
 * lines mode each change once (state, step × target with its message, new log lines, the
 * approval waited for with the command that answers it, its decision); in live mode the rows
 * redrawn in place under the log, cut to the terminal's width; nothing in quiet mode.
 */
import { describe, expect, it } from 'vitest';
import { DeploymentProgress, type DeploymentView } from '#cli/deploy/progress.ts';

const ID = '01JDEPLOYMENT0000000000000';
const T0 = '2026-01-31T12:00:00.000Z';

function view(state: DeploymentView['deployment']['state'], parts: Partial<Omit<DeploymentView, 'deployment'>> = {}): DeploymentView {
  return {
    deployment: { id: ID, projectId: 'web', releaseNumber: 3, releaseVersion: '1.4.2', environmentId: 'prod', state, startedBy: 'arn:aws:iam::000000000000:user/rm', queuedAt: T0, version: 1 },
    results: [],
    log: [],
    approvals: [],
    ...parts,
  };
}

const result = (state: 'Running' | 'Succeeded', message: string) => ({ deploymentId: ID, stepIndex: 0, stepName: 'deploy web', targetId: 'web-1', state, message, version: 1 });
const approval = { deploymentId: ID, stepIndex: 1, stepName: 'sign-off', environmentId: 'prod', requestedBy: 'arn:aws:iam::000000000000:user/rm', requestedAt: T0, version: 1 };

function writer(isTTY = false, columns = 200) {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), write: (chunk: string) => void chunks.push(chunk), isTTY, columns };
}

describe('DeploymentProgress', () => {
  it('prints each change once as a line: state, results with their message, log, approval and decision', () => {
    // Prepare
    const out = writer();
    const progress = new DeploymentProgress(out, 'lines');
    const log = [{ time: T0, level: 'warn' as const, message: 'Deployment/shop/web: ImagePullBackOff on pod web-1', stepName: 'deploy web', targetId: 'web-1' }];

    // Act
    progress.update(view('Queued'));
    progress.update(view('Running', { results: [result('Running', '1 of 2 updated')], log }));
    progress.update(view('Running', { results: [result('Running', '1 of 2 updated')], log }));
    progress.update(view('WaitingForApproval', { results: [result('Succeeded', 'done')], log, approvals: [approval] }));
    progress.update(
      view('Running', { results: [result('Succeeded', 'done')], log, approvals: [{ ...approval, decision: 'Approved', decidedBy: 'arn:aws:iam::000000000000:user/approver', comment: 'ok' }] }),
    );
    progress.finish('Succeeded');

    // Assess
    expect(out.text().split('\n')).toEqual([
      `deployment ${ID}: web@1.4.2 to prod`,
      'state: Queued',
      'state: Running',
      '  warn  deploy web/web-1: Deployment/shop/web: ImagePullBackOff on pod web-1',
      'step 0 "deploy web" on web-1: Running    1 of 2 updated',
      'state: WaitingForApproval',
      'step 0 "deploy web" on web-1: Succeeded  done',
      `waiting for approval of step 1 "sign-off" in prod: conveyor approve ${ID} 1 (or conveyor reject ${ID} 1 --comment WHY)`,
      'state: Running',
      'step 1 "sign-off" approved by arn:aws:iam::000000000000:user/approver: ok',
      'Succeeded',
      '',
    ]);
  });

  it('on a terminal, redraws the rows in place under the log lines, cut to the width', () => {
    // Prepare
    const out = writer(true, 40);
    const progress = new DeploymentProgress(out, 'live');

    // Act
    progress.update(view('Running', { results: [result('Running', 'waiting for 2 of 3 replicas to become available')] }));
    progress.update(view('Running', { results: [result('Succeeded', 'done')] }));

    // Assess
    expect(out.chunks).toEqual([`deployment ${ID}: web@1.4.2 to prod\nstate: Running\n`, 'step 0 "deploy web" on web-1: Running …\n', '\x1b[1A\x1b[0J', 'step 0 "deploy web" on web-1: Succeede…\n']);
  });

  it('shows nothing in quiet mode (JSON output prints the final view only)', () => {
    // Prepare
    const out = writer();
    const progress = new DeploymentProgress(out, 'quiet');

    // Act
    progress.update(view('Running', { results: [result('Running', 'x')] }));
    progress.finish('Succeeded');

    // Assess
    expect(out.chunks).toEqual([]);
  });
});
