/**
 * The demo `npm start` runs (`conveyor up --demo`): Octopus's Kubernetes walkthrough on the local
 * stack, through the HTTP API as four people — an admin who configures, a release manager who
 * promotes, an approver who approves Production, an auditor who reviews — and kubectl:
 *
 * 1. environments Development, Production, Admin; lifecycles Application and Admin;
 * 2. an admin target; the Admin project's kubectl script makes per environment a namespace and a
 *    deployer confined to it; each deployer's token becomes an account and a target (cluster-setup.ts);
 * 3. the httpd project; an image push of httpd:2.4.62 (published on EventBridge as ECR would)
 *    makes a release by itself, which its lifecycle deploys to Development; the release manager
 *    promotes it to Production, the approver approves, it is deployed;
 * 4. a release whose readiness probe cannot pass fails in Development, where the previous colour
 *    keeps serving (the Service's selector and endpoints show it); the auditor reads the trail.
 *
 * Run again on the same data, it goes through again: configuration is created or updated, and
 * each run pushes its images with a digest of its own (as a rebuilt image has), so each run
 * makes new releases — the image-push handler names them by tag, then `<tag>-2`, `<tag>-3`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { pathOf } from '#cli/api/client.ts';
import { isFinalState } from '#cli/deploy/wait.ts';
import { normalizeDeploymentId } from '#domain/containers/names.ts';
import { DEPLOYMENT_ID_LABEL } from '#domain/containers/spec.ts';
import { publishImagePush } from '../aws/events/ecr.ts';
import { configureAdminTarget, configureAppTargets, configureEnvironments, runAdminProject } from './cluster-setup.ts';
import { APP, APPROVAL_STEP, BROKEN_PROBE_COMMAND, BROKEN_TAG, DEVELOPMENT, GOOD_TAG, httpdProject, namespaceOf, PRODUCTION, repositoryUri } from './definitions.ts';
import { deploymentOf, follow, newProgress, releaseOfPush } from './follow.ts';
import { type DemoContext, DemoFailedError, type DemoSession, openSession } from './session.ts';
import { upsert } from './setup.ts';

export { type DemoContext, DemoFailedError } from './session.ts';

/** What the demo did, for its caller (and tests) to check. */
export type DemoSummary = {
  release: string;
  development: { id: string; state: string };
  production: { id: string; state: string; approvedBy?: string };
  broken: { release: string; id: string; state: string };
  /** The colour (deployment id label) the Development Service selects after the broken release. */
  servingColour: string;
  /** The pods its endpoints list, all of that colour. */
  servingPods: string[];
};

export const DEMO_COMPLETE = 'demo complete';
const AUDIT_LINES = 10;

type Deployed = { id: string; state: string };

export async function runDemo(context: DemoContext): Promise<DemoSummary> {
  const started = Date.now();
  const s = openSession(context);
  s.say("Octopus's Kubernetes walkthrough on the local stack, through the API as admin, release-manager, approver and auditor");
  await configureEnvironments(s);
  const cluster = await configureAdminTarget(s);
  await runAdminProject(s);
  await configureAppTargets(s, cluster);

  const repository = repositoryUri(context.accountId, context.region);
  s.section('The httpd project (as admin)');
  s.say(
    `  project ${APP}: approval before Production only; deploy-containers "${APP}" (BlueGreen, ConfigMap item index naming #{Conveyor.Environment.Name}, LoadBalancer Service on port 80): ${await setProcess(s, repository)}`,
  );

  s.section(`Image push ${APP}:${GOOD_TAG} → a release by itself → Development`);
  const release = await pushAndRelease(s, GOOD_TAG);
  const development = await deployedBy(s, release, DEVELOPMENT, 'Succeeded');
  await showService(s, DEVELOPMENT);

  s.section(`Promotion to Production (release-manager), approval (approver)`);
  const production = await promoteAndApprove(s, release);
  await showService(s, PRODUCTION);

  s.section('A release whose readiness probe cannot pass');
  s.say(`  admin adds a readiness probe running \`${BROKEN_PROBE_COMMAND}\`, which the image does not have: ${await setProcess(s, repository, true)}`);
  const brokenRelease = await pushAndRelease(s, BROKEN_TAG);
  const broken = await deployedBy(s, brokenRelease, DEVELOPMENT, 'Failed');
  const serving = await showStillServing(s, development.id);
  s.say(`  admin takes the probe out again: ${await setProcess(s, repository)}`);

  await showAudit(s, production.id);
  s.say();
  s.say(`${DEMO_COMPLETE} in ${Math.round((Date.now() - started) / 1000)} s`);
  return { release, development, production, broken: { release: brokenRelease, ...broken }, servingColour: serving.colour, servingPods: serving.pods };
}

async function setProcess(s: DemoSession, repository: string, brokenProbe = false): Promise<string> {
  const { id, ...fields } = httpdProject(repository, { brokenProbe });
  return upsert(s.as.admin, '/projects', id, fields);
}

/** Publishes ECR's push event for `tag` with a new digest; the release the image-push handler made of it. */
async function pushAndRelease(s: DemoSession, tag: string): Promise<string> {
  const { region, accountId, eventsUrl, users } = s.context;
  const admin = users.find((u) => u.profile === 'admin')!;
  const digest = `sha256:${createHash('sha256').update(randomBytes(32)).digest('hex')}`;
  const events = new EventBridgeClient({ endpoint: eventsUrl, region, credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey } });
  try {
    await publishImagePush(events, { repository: APP, tag, digest, account: accountId, region });
  } finally {
    events.destroy();
  }
  s.say(`  pushed ${repositoryUri(accountId, region)}:${tag} (${digest.slice(0, 19)}…): ECR's "ECR Image Action" event published on EventBridge`);
  const release = await releaseOfPush(s.as.admin, APP, digest);
  s.say(`  release ${release.version} (number ${release.number}) created by the image-push rule, as ${release.createdBy}; its lifecycle starts`);
  return release.version;
}

/** Follows the deployment the lifecycle started for `version` in `environmentId`; DemoFailedError unless it ends `expected`. */
async function deployedBy(s: DemoSession, version: string, environmentId: string, expected: string): Promise<Deployed> {
  const deployment = await deploymentOf(s.as.admin, APP, version, environmentId);
  s.say(`  the Application lifecycle deploys ${APP}@${version} to ${environmentId} (started by ${deployment.startedBy}):`);
  const view = await follow(s.as.admin, deployment.id, newProgress(s.context.out));
  const { state, failure } = view.deployment;
  if (state !== expected) throw new DemoFailedError(`deployment ${deployment.id} of ${APP}@${version} to ${environmentId} ended ${state}, not ${expected}${failure ? `: ${failure.message}` : ''}`);
  // The failure's reason is in the progress above; here only what it means.
  s.say(`  ${environmentId}: ${state}${failure ? ` (${failure.category}: the new colour never became ready; nothing was switched)` : ''}`);
  return { id: deployment.id, state };
}

async function promoteAndApprove(s: DemoSession, version: string): Promise<Deployed & { approvedBy?: string }> {
  const promoted = await s.as['release-manager'].post<{ deployment: { id: string }; startedBy: string }>(pathOf('/projects/{projectId}/releases/{version}/deployments', { projectId: APP, version }), {
    environmentId: PRODUCTION,
  });
  const id = promoted.deployment.id;
  s.say(`  release-manager promotes ${APP}@${version} to Production: deployment ${id} (${promoted.startedBy === 'release-lifecycle' ? 'handed to the lifecycle waiting for it' : 'started'})`);
  const progress = newProgress(s.context.out);
  const waiting = await follow(s.as.admin, id, progress, (v) => v.deployment.state === 'WaitingForApproval' || isFinalState(v.deployment.state));
  if (waiting.deployment.state !== 'WaitingForApproval') throw new DemoFailedError(`deployment ${id} to Production ended ${waiting.deployment.state} before its approval`);
  const comment = `Development serves ${APP}@${version} as expected`;
  await s.as.approver.post(pathOf('/approvals/{deploymentId}/{stepIndex}', { deploymentId: id, stepIndex: String(APPROVAL_STEP) }), { decision: 'Approved', comment });
  s.say(`  approver approves step ${APPROVAL_STEP}: "${comment}"`);
  const done = await follow(s.as.admin, id, progress);
  if (done.deployment.state !== 'Succeeded') throw new DemoFailedError(`deployment ${id} to Production ended ${done.deployment.state}: ${done.deployment.failure?.message ?? ''}`);
  const approvedBy = done.approvals.find((a) => a.stepIndex === APPROVAL_STEP)?.decidedBy;
  s.say(`  production: Succeeded (approved by ${approvedBy ?? '?'})`);
  return { id, state: done.deployment.state, ...(approvedBy ? { approvedBy } : {}) };
}

/** `kubectl get service` of httpd in an environment: its type, address and port. */
async function showService(s: DemoSession, environmentId: string): Promise<void> {
  const namespace = namespaceOf(environmentId);
  s.say(`  $ kubectl -n ${namespace} get service ${APP}`);
  for (const line of await s.kubectl.table(['-n', namespace, 'service', APP])) s.say(`    ${line}`);
}

/**
 * After the failed release: the Service still selects the previous colour (its deployment-id
 * label), and its endpoints list that colour's pods only; the new colour's pods run, not ready.
 */
async function showStillServing(s: DemoSession, previousDeploymentId: string): Promise<{ colour: string; pods: string[] }> {
  const namespace = namespaceOf(DEVELOPMENT);
  const selector = await s.kubectl.serviceSelector(namespace, APP);
  const colour = selector[DEPLOYMENT_ID_LABEL] ?? '';
  const pods = await s.kubectl.endpointPods(namespace, APP);
  s.say(`  Development keeps serving the previous version:`);
  s.say(
    `    Service ${APP} selects ${Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  s.say(`    its endpoints: ${pods.join(', ') || '(none)'}`);
  s.say(`  $ kubectl -n ${namespace} get pods -L ${DEPLOYMENT_ID_LABEL}`);
  for (const line of await s.kubectl.table(['-n', namespace, 'pods', '-L', DEPLOYMENT_ID_LABEL])) s.say(`    ${line}`);
  const colourPods = (await s.kubectl.run(['-n', namespace, 'get', 'pods', '-l', `${DEPLOYMENT_ID_LABEL}=${colour}`, '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean).sort();
  if (colour !== normalizeDeploymentId(previousDeploymentId) || !pods.length || pods.some((pod) => !colourPods.includes(pod))) {
    throw new DemoFailedError(
      `the Development Service does not serve the previous colour ${normalizeDeploymentId(previousDeploymentId)} (selector ${JSON.stringify(selector)}, endpoints ${pods.join(', ')})`,
    );
  }
  s.say(`  (colour ${colour}: the pods deployment ${previousDeploymentId} made)`);
  return { colour, pods };
}

/** The Production deployment's trail as the auditor reads it, and the chain's verification. */
async function showAudit(s: DemoSession, productionId: string): Promise<void> {
  s.section('The audit trail (as auditor)');
  type Event = { sequence: number; time: string; actorArn: string; action: string; details: Record<string, unknown> };
  const subject = `deployment/${productionId}`;
  const page = await s.as.auditor.get<{ items: Event[] }>('/audit', { subject, limit: AUDIT_LINES });
  s.say(`  $ conveyor audit list --subject ${subject}`);
  for (const e of page.items) s.say(`    #${e.sequence} ${e.time} ${e.actorArn} ${e.action}${e.details.decision ? ` ${String(e.details.decision)}` : ''}`);
  const verified = await s.as.auditor.get<{ ok: boolean; count?: number; message?: string }>('/audit/verify');
  s.say(`  $ conveyor audit verify: ${verified.ok ? `chain intact, ${verified.count} events` : `broken: ${verified.message}`}`);
}
