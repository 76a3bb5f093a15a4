/**
 * The catalog's state machines: the ASL files in statemachines/ kept inline in the template
 * (`DefinitionBody.fromString`, not an S3 asset) with each `${Placeholder}` filled by
 * DefinitionSubstitutions from the catalog — the same files and the same mapping the local
 * runtime uses. Standard workflows (deployments wait for rollouts and approvals for hours),
 * X-Ray tracing, and logs at level ALL without execution data: every state transition is
 * recorded, which is what an operator or auditor follows, while inputs and outputs never reach
 * the logs (they carry ids, not secrets, but a log is no place to find out that one did).
 *
 * Functions need the state machines' ARNs (to start executions, answer task tokens) and the
 * state machines need the functions' ARNs (their Tasks): to keep CloudFormation free of a
 * cycle, state machines get names derived from the stack's, so `StateMachineRefs` knows every
 * ARN before any state machine exists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FunctionAccess, StateMachineSpec } from '#functions/catalog.ts';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';
import { constructId, PROJECT_ROOT } from '../paths.ts';
import { acknowledge, acknowledgeWildcardResource, XRAY_WILDCARD_REASON } from './nag.ts';

type StateMachineAction = NonNullable<FunctionAccess['stateMachines']>[number];

/** What each catalog `stateMachines` access lets a function do, and on what. */
const FUNCTION_ACTIONS: Record<StateMachineAction, { actions: string[]; on: 'stateMachine' | 'execution' }[]> = {
  start: [{ actions: ['states:StartExecution'], on: 'stateMachine' }],
  // Task tokens belong to the state machine that issued them (as CDK's grantTaskResponse grants).
  callback: [{ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], on: 'stateMachine' }],
  stop: [{ actions: ['states:StopExecution'], on: 'execution' }],
  read: [
    { actions: ['states:ListExecutions'], on: 'stateMachine' },
    { actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], on: 'execution' },
  ],
};

/** The rule Step Functions manages for `.sync` nested executions (it learns of their end through it). */
export const SYNC_RULE_NAME = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';
const SYNC_RULE_ACTIONS = ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'];
const SYNC_INTEGRATION = ':::states:startExecution.sync';

/** How long state machine logs are kept (executions' own history is kept by Step Functions for 90 days). */
export const STATE_MACHINE_LOG_RETENTION = RetentionDays.THREE_MONTHS;

const EXECUTION_WILDCARD_REASON = 'Executions are named per run; the grant covers only executions of the named Conveyor state machine.';
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** `deployment` → DEPLOYMENT_STATE_MACHINE_ARN: the variable functions/runtime/deps.ts reads. */
export function stateMachineArnVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_STATE_MACHINE_ARN`;
}

/** Names and ARNs of the catalog's state machines, known before they are created. */
export class StateMachineRefs {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly stack: Stack,
    specs: readonly StateMachineSpec[],
  ) {
    for (const spec of specs) {
      if (this.names.has(spec.name)) throw new Error(`the catalog declares state machine "${spec.name}" twice`);
      this.names.set(spec.name, `${stack.stackName}-${spec.name}`);
    }
  }

  /** The deployed name: `<stack>-<catalog name>`, unique per stack. */
  physicalName(name: string): string {
    const physical = this.names.get(name);
    if (!physical) throw new Error(`the catalog has no state machine "${name}"`);
    return physical;
  }

  arn(name: string): string {
    return this.stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: this.physicalName(name), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** Every execution of the state machine: `arn:...:execution:<name>:*`. */
  executionsArn(name: string): string {
    return this.stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.physicalName(name)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /**
   * The ARN variables the composition root reads (all of them: it configures both workflows
   * together), and the catalog's state machine actions on every catalog state machine.
   */
  grant(fn: lambda.Function, actions: readonly StateMachineAction[]): void {
    for (const variable of CONFIG_VARIABLES.workflows) {
      const name = [...this.names.keys()].find((candidate) => stateMachineArnVariable(candidate) === variable);
      if (!name) throw new Error(`function ${fn.node.path} uses state machines, but the catalog has none whose ARN is ${variable}`);
      fn.addEnvironment(variable, this.arn(name));
    }
    const names = [...this.names.keys()];
    for (const action of new Set(actions)) {
      for (const { actions: iamActions, on } of FUNCTION_ACTIONS[action]) {
        const resources = names.map((name) => (on === 'stateMachine' ? this.arn(name) : this.executionsArn(name)));
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: iamActions, resources }));
        if (on === 'execution') for (const arn of resources) acknowledgeWildcardResource(fn.role!, arn, EXECUTION_WILDCARD_REASON);
      }
    }
  }
}

export type PipelineStateMachinesProps = {
  specs: readonly StateMachineSpec[];
  refs: StateMachineRefs;
  /** The catalog's functions by name: the Tasks' resources. */
  functionNamed: (name: string, usedBy: string) => lambda.IFunction;
};

export class PipelineStateMachines extends Construct {
  readonly byName = new Map<string, sfn.StateMachine>();

  constructor(scope: Construct, id: string, { specs, refs, functionNamed }: PipelineStateMachinesProps) {
    super(scope, id);
    for (const spec of specs) this.byName.set(spec.name, this.create(spec, refs, functionNamed));
    // A state machine that starts another is created after it, so its first execution finds it.
    for (const spec of specs) {
      for (const other of Object.values(spec.stateMachines ?? {})) this.byName.get(spec.name)!.node.addDependency(this.byName.get(other)!);
    }
  }

  private create(spec: StateMachineSpec, refs: StateMachineRefs, functionNamed: PipelineStateMachinesProps['functionNamed']): sfn.StateMachine {
    const asl = readDefinition(spec);
    const functions = Object.entries(spec.functions).map(([placeholder, name]) => ({ placeholder, fn: functionNamed(name, `state machine "${spec.name}"`) }));
    const nested = Object.entries(spec.stateMachines ?? {}).map(([placeholder, name]) => ({ placeholder, name }));
    const substitutions: Record<string, string> = {};
    for (const { placeholder, fn } of functions) substitutions[placeholder] = fn.functionArn;
    for (const { placeholder, name } of nested) substitutions[placeholder] = refs.arn(name);
    checkPlaceholders(spec, asl, Object.keys(substitutions));

    const id = constructId(spec.name);
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: STATE_MACHINE_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    const stateMachine = new sfn.StateMachine(this, id, {
      stateMachineName: refs.physicalName(spec.name),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(asl),
      definitionSubstitutions: substitutions,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    // Only the catalog's functions for this machine, unqualified (the ASL names them by ARN).
    if (functions.length)
      stateMachine.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeTaskFunctions', actions: ['lambda:InvokeFunction'], resources: functions.map(({ fn }) => fn.functionArn) }));
    for (const { name } of nested) this.grantNested(stateMachine, refs, name);
    if (nested.length && asl.includes(SYNC_INTEGRATION)) {
      const rule = Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_RULE_NAME });
      stateMachine.addToRolePolicy(new iam.PolicyStatement({ sid: 'SyncExecutionRule', actions: SYNC_RULE_ACTIONS, resources: [rule] }));
    }
    acknowledge(stateMachine.role, 'AwsSolutions-IAM5[Resource::*]', `${XRAY_WILDCARD_REASON} Step Functions log delivery (logs:*LogDelivery*, resource policies) likewise has no resource type.`);
    return stateMachine;
  }

  /** Start executions of `name`, and describe and stop them (`.sync` waits for and cancels them). */
  private grantNested(stateMachine: sfn.StateMachine, refs: StateMachineRefs, name: string): void {
    stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [refs.arn(name)] }));
    stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [refs.executionsArn(name)] }));
    acknowledgeWildcardResource(stateMachine.role, refs.executionsArn(name), EXECUTION_WILDCARD_REASON);
  }
}

/** The ASL text, compacted (the template carries it inline); a file that is not JSON fails the synth. */
function readDefinition(spec: StateMachineSpec): string {
  const text = readFileSync(join(PROJECT_ROOT, spec.file), 'utf8');
  return JSON.stringify(JSON.parse(text));
}

/** Every placeholder in the file has a catalog entry, and every catalog entry is used. */
function checkPlaceholders(spec: StateMachineSpec, asl: string, provided: string[]): void {
  const used = new Set([...asl.matchAll(PLACEHOLDER)].map((match) => match[1]!));
  const missing = [...used].filter((name) => !provided.includes(name));
  const unused = provided.filter((name) => !used.has(name));
  if (missing.length) throw new Error(`state machine "${spec.name}": ${spec.file} uses ${missing.map((n) => `\${${n}}`).join(', ')} but the catalog maps no function or state machine to it`);
  if (unused.length) throw new Error(`state machine "${spec.name}": the catalog maps ${unused.join(', ')}, which ${spec.file} does not use`);
}
