/**
 * The deployment state machine from statemachines/deployment.asl.json on the local runner, the
 * real task handlers behind its Tasks, the sandbox cluster behind the targets: a release with one
 * apply-manifests step on two targets, then a kubectl-script step, deployed end to end; a
 * transient cluster fault retried by the ASL; and nothing secret anywhere it could leak to.
 */
import '../../support/quiet-powertools.ts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterUnavailableError } from '#domain/errors.ts';
import type { Project, Release } from '#domain/pipeline/model.ts';
import { finalizeDeployment } from '#functions/app/tasks/finalize.ts';
import { type PipelineHarness, startPipeline } from '../../support/pipeline.ts';
import { deploy, manifestStep, seedEnvironments, seedLifecycle, seedProject, seedRelease, seedTarget, sensitiveVariable, webManifests } from '../../support/pipeline-fixtures.ts';

const SECRET_VALUE = 'swordfish-4211-do-not-leak';
const NAMESPACES = { a: 'pipe-a', b: 'pipe-b' };

let h: PipelineHarness;
let project: Project;
let release: Release;
const tokens: string[] = [];

const secretManifest = `apiVersion: v1
kind: Secret
metadata:
  name: web-db
stringData:
  password: "#{DbPassword}"
`;
const script = 'kubectl get configmap web-settings -o jsonpath=\'{.data.release}\'; echo; echo "password is #{DbPassword}"';

beforeAll(async () => {
  h = await startPipeline({ label: 'pipeline-deploy' });
  await seedEnvironments(h, ['dev']);
  await seedLifecycle(h, 'simple', [{ name: 'Dev', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 }]);
  for (const [id, namespace] of Object.entries(NAMESPACES)) tokens.push((await seedTarget(h, { id: `web-${id}`, namespace, environments: ['dev'], tags: ['web'] })).token);
  const password = await sensitiveVariable(h, 'DbPassword', SECRET_VALUE);
  project = await seedProject(h, {
    id: 'shop',
    lifecycleId: 'simple',
    process: [manifestStep('deploy web', `${webManifests()}---\n${secretManifest}`), { kind: 'kubectl-script', name: 'smoke test', targetTags: ['web'], timeoutSeconds: 60, script }],
    variables: [password],
  });
  release = await seedRelease(h, project, '1.0.0', '1.0.0');
});

afterAll(async () => {
  await h?.close();
});

describe('a release on two targets', () => {
  let deploymentId: string;
  let executionArn: string;

  beforeAll(async () => {
    ({
      deployment: { id: deploymentId },
      executionArn,
    } = await deploy(h, release, 'dev'));
    await h.runner.waitForCompletion(executionArn);
  });

  it('succeeds, with a result per step and target and the objects in the sandbox', async () => {
    // Act
    const detail = await h.deps.stores.deployments.get(deploymentId);

    // Assess
    expect(h.runner.describe(executionArn).status).toBe('SUCCEEDED');
    expect(detail.deployment).toMatchObject({ state: 'Succeeded', executionArn, startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(detail.results.map((r) => `${r.stepName}@${r.targetId}: ${r.state}`).sort()).toEqual([
      'deploy web@web-a: Succeeded',
      'deploy web@web-b: Succeeded',
      'smoke test@web-a: Succeeded',
      'smoke test@web-b: Succeeded',
    ]);
    for (const namespace of Object.values(NAMESPACES)) {
      const web = await h.sandbox.kubectl(['get', 'deployment', 'web', '-n', namespace, '-o', 'json']);
      const deployment = JSON.parse(web.stdout);
      expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example/shop/web:1.0.0');
      expect(deployment.status.availableReplicas).toBe(2);
      const config = JSON.parse((await h.sandbox.kubectl(['get', 'configmap', 'web-settings', '-n', namespace, '-o', 'json'])).stdout);
      expect(config.data).toEqual({ release: '1.0.0', environment: 'dev' });
    }
  });

  it('writes the task log, announces start and end, and releases the lock', async () => {
    // Act
    const { log } = await h.deps.stores.deployments.get(deploymentId);
    const lock = await h.deps.stores.locks.get({ projectId: 'shop', environmentId: 'dev' });

    // Assess
    const lines = log.map((l) => `${l.targetId ?? '-'} ${l.message}`);
    expect(lines).toContainEqual(expect.stringMatching(/^web-a created Deployment\/pipe-a\/web$/));
    expect(lines).toContainEqual(expect.stringMatching(/^web-b Healthy Deployment\/pipe-b\/web/));
    // The script's output, masked: the sensitive value it echoed is ***.
    expect(lines).toContainEqual('web-a 1.0.0\npassword is ***');
    expect(lines).toContainEqual('web-b 1.0.0\npassword is ***');
    expect(lines.at(-1)).toBe('- deployment succeeded');
    expect(h.events.of(deploymentId)).toEqual(['DeploymentStarted', 'DeploymentSucceeded']);
    expect(lock.holder).toBeUndefined();
  });

  it('costs 12 transitions plus 3 per target, plus 3 per check and 1 per script target', async () => {
    // Prepare: Plan, MayStart, Steps, then per step StepKind and a Map; per target Apply, Progress, TargetDone
    // (+ Wait, CheckRollout, Progress per check) or RunScript; then Succeeded, Finalize, Outcome, Done.
    const checks = h.invocations.filter((i) => i.functionName === 'check-rollout' && (i.payload as { deploymentId: string }).deploymentId === deploymentId).length;

    // Act
    const transitions = h.runner.transitions(executionArn);

    // Assess
    expect(transitions).toBe(3 + 2 * 2 + 2 * 3 + 3 * checks + 2 * 1 + 4);
  });

  it('answers a retried finalize with the recorded state, changing nothing', async () => {
    // Prepare
    const published = h.events.published.length;
    const before = await h.deps.stores.deployments.get(deploymentId);

    // Act
    const again = await finalizeDeployment(h.deps, { deploymentId, executionArn, actorArn: 'arn:aws:iam::000000000000:role/deployment', failure: null });

    // Assess
    expect(again).toEqual({ state: 'Succeeded' });
    expect(h.events.published).toHaveLength(published);
    expect((await h.deps.stores.deployments.get(deploymentId)).deployment).toEqual(before.deployment);
  });

  it('puts no secret value in the history, the table, the task log or the audit trail', async () => {
    // Prepare
    const secrets = [SECRET_VALUE, ...tokens];

    // Act
    const history = JSON.stringify(h.runner.history(executionArn));
    // A Scan, in a test only: every item of the table, whatever its key.
    const items = JSON.stringify((await h.table.client.send(new ScanCommand({ TableName: h.table.tableName }))).Items);
    const { log } = await h.deps.stores.deployments.get(deploymentId);
    const audit = JSON.stringify((await h.deps.stores.audit.listByTime({}, { limit: 100 })).items);
    const events = JSON.stringify(h.events.published);

    // Assess
    for (const secret of secrets) {
      expect(history).not.toContain(secret);
      expect(items).not.toContain(secret);
      expect(JSON.stringify(log)).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(events).not.toContain(secret);
    }
    // The Secret object holds it, as it should: the value did reach the cluster.
    const stored = JSON.parse((await h.sandbox.kubectl(['get', 'secret', 'web-db', '-n', NAMESPACES.a, '-o', 'json'])).stdout);
    expect(Buffer.from(stored.data.password, 'base64').toString()).toBe(SECRET_VALUE);
  });
});

it('fails a deployment whose step names tags no target of the environment carries, saying which', async () => {
  // Prepare
  const mistagged = await seedRelease(h, project, '1.0.2', '1.0.2', { process: [manifestStep('migrate', webManifests(), { tags: ['db'] })] });

  // Act
  const { deployment, executionArn } = await deploy(h, mistagged, 'dev');
  const result = await h.runner.waitForCompletion(executionArn);

  // Assess
  expect(result.status).toBe('FAILED');
  const { deployment: failed } = await h.deps.stores.deployments.get(deployment.id);
  expect(failed.state).toBe('Failed');
  expect(failed.failure).toEqual({ category: 'input', message: expect.stringMatching(/^NoTargetsError: step "migrate" runs on targets tagged "db", and environment dev has none/) });
  expect((await h.deps.stores.locks.get({ projectId: 'shop', environmentId: 'dev' })).holder).toBeUndefined();
});

it('fails a deployment whose script exits non-zero, with its last lines masked', async () => {
  // Prepare
  const failing = 'echo "connecting with #{DbPassword | ToUpper}"\necho "no route to the database" >&2\nexit 4';
  const release = await seedRelease(h, project, '1.0.3', '1.0.3', { process: [{ kind: 'kubectl-script', name: 'migrate', targetTags: ['web'], timeoutSeconds: 30, script: failing }] });

  // Act
  const { deployment, executionArn } = await deploy(h, release, 'dev');
  await h.runner.waitForCompletion(executionArn);

  // Assess
  const detail = await h.deps.stores.deployments.get(deployment.id);
  expect(detail.deployment.state).toBe('Failed');
  expect(detail.deployment.failure?.category).toBe('rollout');
  expect(detail.deployment.failure?.message).toMatch(
    /^ScriptFailedError: step "migrate" on target web-[ab]: the script exited with code 4; last lines:\nconnecting with \*\*\*\nno route to the database$/,
  );
  expect(JSON.stringify(detail)).not.toContain(SECRET_VALUE.toUpperCase());
  expect(detail.results.map((r) => r.state)).toEqual(['Failed', 'Failed']);
});

it('retries an apply that met a transient cluster fault, and succeeds', async () => {
  // Prepare: the first connect of the next deployment fails as an unreachable API server does.
  const onlyManifests = await seedRelease(h, project, '1.0.1', '1.0.1', { process: [manifestStep('deploy web', webManifests())] });
  h.connector.failNext(1, () => new ClusterUnavailableError('target "web-a": get Namespace pipe-a failed: cannot reach the API server (ECONNRESET)'));

  // Act
  const { deployment, executionArn } = await deploy(h, onlyManifests, 'dev');
  const result = await h.runner.waitForCompletion(executionArn);

  // Assess
  expect(result.status).toBe('SUCCEEDED');
  const failed = h.runner.history(executionArn).filter((e) => e.type === 'TaskFailed');
  expect(failed.map((e) => e.taskFailedEventDetails?.error)).toEqual(['ClusterUnavailableError']);
  const applies = h.invocations.filter((i) => i.functionName === 'apply' && (i.payload as { deploymentId: string }).deploymentId === deployment.id);
  expect(applies.map((i) => i.error ?? 'ok')).toEqual(expect.arrayContaining(['ClusterUnavailableError', 'ok']));
  expect(applies).toHaveLength(3);
  expect((await h.deps.stores.deployments.get(deployment.id)).deployment.state).toBe('Succeeded');
});
