/**
 * Catalog part: the state machines' tasks and the two state machines (see functions/catalog.ts).
 * Memory sizes and timeouts are the ones docs/cost.md explains: the functions that watch or
 * apply are sized for the cluster client, the others stay at the default; every task's timeout
 * leaves its work (bounded by the invocation's deadline) room to end before Lambda stops it.
 */
import type { CatalogPart, FunctionSpec, StateMachineSpec } from '../catalog.ts';

const TASKS = 'functions/handlers/tasks';

/** check-rollout's Lambda timeout: room for its watch (CHECK_WATCH_SECONDS, 5 s by default; up to 45 s) plus the read, the writes and the margin. */
export const CHECK_ROLLOUT_TIMEOUT_SECONDS = 60;
/** apply renders, dry-runs and applies; a large release or a slow cluster takes a while. */
export const APPLY_TIMEOUT_SECONDS = 300;
/** Lambda's maximum: a script's time is the step's timeout, bounded by this. */
export const RUN_SCRIPT_TIMEOUT_SECONDS = 900;

const functions: FunctionSpec[] = [
  {
    name: 'plan',
    entry: `${TASKS}/plan.ts`,
    description: 'Deployment task: takes the project x environment lock (or queues), starts the deployment, resolves the steps and their targets',
    access: { table: 'write', events: true },
  },
  {
    name: 'apply',
    entry: `${TASKS}/apply.ts`,
    description: 'Deployment task: applies one manifest step to one target and returns the rollout state',
    access: { table: 'write', secrets: 'read', eks: true },
    memoryMb: 512,
    timeoutSeconds: APPLY_TIMEOUT_SECONDS,
  },
  {
    name: 'check-rollout',
    entry: `${TASKS}/check-rollout.ts`,
    description: 'Deployment task: one bounded check of a target rollout; finalizes the target when done',
    access: { table: 'write', secrets: 'read', eks: true },
    memoryMb: 256,
    timeoutSeconds: CHECK_ROLLOUT_TIMEOUT_SECONDS,
  },
  {
    name: 'run-script',
    entry: `${TASKS}/run-script.ts`,
    description: 'Deployment task: runs a kubectl-script step on one target with the kubectl layer',
    access: { table: 'write', secrets: 'read', eks: true },
    memoryMb: 512,
    timeoutSeconds: RUN_SCRIPT_TIMEOUT_SECONDS,
    architecture: 'x86_64',
    kubectlLayer: true,
  },
  {
    name: 'request-approval',
    entry: `${TASKS}/request-approval.ts`,
    description: 'Deployment task: keeps the task token as a secret, records the approval, asks for a decision',
    access: { table: 'write', secrets: 'write', events: true },
  },
  {
    name: 'finalize',
    entry: `${TASKS}/finalize.ts`,
    description: 'Deployment task: records the outcome, releases the lock, removes approval tokens, audits and announces the end; answers a lifecycle waiting at the phase it completed',
    access: { table: 'write', secrets: 'write', stateMachines: ['callback'], events: true },
  },
  {
    name: 'lifecycle-plan',
    entry: `${TASKS}/lifecycle-plan.ts`,
    description: "Release lifecycle task: the phases of the release's lifecycle",
    access: { table: 'read' },
  },
  {
    name: 'start-deployments',
    entry: `${TASKS}/start-deployments.ts`,
    description: 'Release lifecycle task: queues a deployment per environment of an automatic phase',
    access: { table: 'write' },
  },
  {
    name: 'await-promotion',
    entry: `${TASKS}/await-promotion.ts`,
    description: 'Release lifecycle task: keeps the task token of a phase waiting for a promotion',
    access: { table: 'write', secrets: 'write' },
  },
  {
    name: 'lifecycle-gate',
    entry: `${TASKS}/lifecycle-gate.ts`,
    description: 'Release lifecycle task: whether enough of a phase succeeded for the next one to open',
    access: { table: 'write', secrets: 'write' },
  },
];

const stateMachines: StateMachineSpec[] = [
  {
    name: 'deployment',
    file: 'statemachines/deployment.asl.json',
    functions: {
      PlanFunction: 'plan',
      RequestApprovalFunction: 'request-approval',
      RunScriptFunction: 'run-script',
      ApplyFunction: 'apply',
      CheckRolloutFunction: 'check-rollout',
      FinalizeFunction: 'finalize',
    },
  },
  {
    name: 'release-lifecycle',
    file: 'statemachines/release-lifecycle.asl.json',
    functions: {
      LifecyclePlanFunction: 'lifecycle-plan',
      StartDeploymentsFunction: 'start-deployments',
      AwaitPromotionFunction: 'await-promotion',
      LifecycleGateFunction: 'lifecycle-gate',
    },
    stateMachines: { DeploymentStateMachine: 'deployment' },
  },
];

export const PART: CatalogPart = { functions, routes: [], stateMachines, eventRules: [] };
