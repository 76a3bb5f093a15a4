/**
 * Least privilege, read back from the template: each function's role holds only the table
 * actions, secrets, state machine actions, bus and EKS roles its catalog access names; no Scan;
 * nothing on `*` but the documented actions; the state machines may invoke exactly their
 * functions. Built from the fixture catalog, synthesized once without bundling.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '#adapters/dynamodb/table.ts';
import { DEPLOYER_ROLE_PATH } from '../../infra/constructs/eks-access.ts';
import { WILDCARD_RESOURCE_ACTIONS } from '../../infra/constructs/nag.ts';
import { SYNC_RULE_NAME } from '../../infra/constructs/state-machines.ts';
import { STACK_NAME } from '../../infra/stack.ts';
import { FIXTURE_CATALOG } from './fixtures/catalog.ts';
import { actionsOf, allStatements, type FlatStatement, logicalId, type Synthesized, statementsByRole, synthesize } from './support.ts';

const ARN_PREFIX = 'arn:<AWS::Partition>';

/** What the stores call: reads by key, query and transaction; writes add items, updates, deletes, transactions. */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:TransactGetItems'];
const TABLE_ACTIONS = { read: TABLE_READ, write: [...TABLE_READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:TransactWriteItems', 'dynamodb:ConditionCheckItem'] };
const SECRETS_READ = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const SECRET_ACTIONS = { read: SECRETS_READ, write: [...SECRETS_READ, 'secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret'] };
const ACCOUNT_SCOPE = '<AWS::Region>:<AWS::AccountId>';

let synth: Synthesized;
let byRole: Map<string, FlatStatement[]>;

beforeAll(() => {
  synth = synthesize(FIXTURE_CATALOG);
  byRole = statementsByRole(synth.template);
});

/** The statements of a catalog function's role. */
function statementsOf(name: string): FlatStatement[] {
  const fn = synth.stack.functions.all().find((candidate) => candidate.spec.name === name)!;
  return byRole.get(logicalId(fn.role)) ?? [];
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const tableArn = () => `<${logicalId(synth.stack.table.table)}.Arn>`;

describe('every policy', () => {
  it('grants no Scan and no wildcard action', () => {
    const actions = allStatements(synth.template).flatMap((statement) => statement.actions);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('puts on Resource "*" only the documented actions that IAM grants on nothing narrower', () => {
    // Prepare
    const onStar = allStatements(synth.template).filter((statement) => statement.resources.includes('*'));

    // Assess: each such statement is all-star, and the documented list is exactly what is used.
    for (const statement of onStar) expect(statement.resources).toEqual(['*']);
    expect(sorted(onStar.flatMap((statement) => statement.actions))).toEqual(sorted(Object.keys(WILDCARD_RESOURCE_ACTIONS)));
  });

  it('attaches no managed policy to any role', () => {
    for (const role of Object.values(synth.template.findResources('AWS::IAM::Role'))) expect(role['Properties']['ManagedPolicyArns']).toBeUndefined();
  });
});

describe('function roles', () => {
  it('read the table (and query its indexes) or also write it, as their access says', () => {
    const indexes = tableDefinition().globalSecondaryIndexes.map((index) => `${tableArn()}/index/${index.indexName}`);
    for (const spec of FIXTURE_CATALOG.functions) {
      // Prepare
      const statements = statementsOf(spec.name).filter((statement) => statement.actions.some((action) => action.startsWith('dynamodb:')));
      const expected = spec.access.table ? TABLE_ACTIONS[spec.access.table] : [];

      // Assess
      expect(sorted(actionsOf(statements, 'dynamodb')), spec.name).toEqual(sorted(expected));
      for (const statement of statements) {
        const allowed = statement.actions.every((action) => action === 'dynamodb:Query') ? [tableArn(), ...indexes] : [tableArn()];
        expect(
          statement.resources.every((resource) => allowed.includes(resource)),
          `${spec.name}: ${statement.resources}`,
        ).toBe(true);
      }
      if (spec.access.table) expect(statements.some((statement) => sorted(statement.resources).join() === sorted(indexes).join())).toBe(true);
    }
  });

  it('reach secrets only under the prefix, writing only where the access says write', () => {
    const underPrefix = `${ARN_PREFIX}:secretsmanager:${ACCOUNT_SCOPE}:secret:conveyor/*`;
    for (const spec of FIXTURE_CATALOG.functions) {
      const statements = statementsOf(spec.name).filter((statement) => statement.actions.some((action) => action.startsWith('secretsmanager:')));
      const expected = spec.access.secrets ? SECRET_ACTIONS[spec.access.secrets] : [];
      expect(sorted(actionsOf(statements, 'secretsmanager')), spec.name).toEqual(sorted(expected));
      for (const statement of statements) expect(statement.resources).toEqual([underPrefix]);
    }
  });

  it('assume only deployer roles under the path, and only where the access says eks', () => {
    const deployers = `${ARN_PREFIX}:iam::<AWS::AccountId>:role/${DEPLOYER_ROLE_PATH}/*`;
    for (const spec of FIXTURE_CATALOG.functions) {
      const statements = statementsOf(spec.name);
      const assume = statements.filter((statement) => statement.actions.includes('sts:AssumeRole'));
      expect(
        assume.flatMap((statement) => statement.resources),
        spec.name,
      ).toEqual(spec.access.eks ? [deployers] : []);
      expect(actionsOf(statements, 'eks'), spec.name).toEqual(spec.access.eks ? ['eks:DescribeCluster'] : []);
      expect(actionsOf(statements, 'sts'), spec.name).toEqual(spec.access.eks ? ['sts:AssumeRole'] : []);
    }
  });

  it('assume deployer roles in the accounts the stack is given', () => {
    // Act
    const other = synthesize({ ...FIXTURE_CATALOG, routes: [], eventRules: [] }, { props: { eks: { deployerAccounts: ['111111111111'] } } });

    // Assess
    const resources = allStatements(other.template)
      .filter((statement) => statement.actions.includes('sts:AssumeRole'))
      .flatMap((statement) => statement.resources);
    expect(sorted(resources)).toEqual([`${ARN_PREFIX}:iam::111111111111:role/${DEPLOYER_ROLE_PATH}/*`]);
  });

  it('act on state machines only as their access says', () => {
    const byAccess: Record<string, string[]> = {
      start: ['states:StartExecution'],
      callback: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      stop: ['states:StopExecution'],
      read: ['states:ListExecutions', 'states:DescribeExecution', 'states:GetExecutionHistory'],
    };
    for (const spec of FIXTURE_CATALOG.functions) {
      const expected = (spec.access.stateMachines ?? []).flatMap((access) => byAccess[access]!);
      const statements = statementsOf(spec.name);
      expect(sorted(actionsOf(statements, 'states')), spec.name).toEqual(sorted(expected));
      for (const resource of statements.filter((statement) => statement.actions.some((action) => action.startsWith('states:'))).flatMap((statement) => statement.resources)) {
        expect(resource).toMatch(new RegExp(`^${escapeRegExp(`${ARN_PREFIX}:states:${ACCOUNT_SCOPE}:`)}(stateMachine:${STACK_NAME}-[a-z-]+|execution:${STACK_NAME}-[a-z-]+:\\*)$`));
      }
    }
  });

  it('publish on the pipeline bus only where the access says events', () => {
    const bus = `<${logicalId(synth.stack.node.findChild('Events').node.findChild('Bus'))}.Arn>`;
    for (const spec of FIXTURE_CATALOG.functions) {
      const statements = statementsOf(spec.name).filter((statement) => statement.actions.includes('events:PutEvents'));
      expect(
        statements.flatMap((statement) => statement.resources),
        spec.name,
      ).toEqual(spec.access.events ? [bus] : []);
    }
  });
});

describe('state machine roles', () => {
  it("invoke exactly the catalog's functions of their machine", () => {
    for (const spec of FIXTURE_CATALOG.stateMachines) {
      const role = logicalId(synth.stack.stateMachines.byName.get(spec.name)!.role);
      const invoke = byRole.get(role)!.filter((statement) => statement.actions.includes('lambda:InvokeFunction'));
      const expected = Object.values(spec.functions).map((name) => `<${logicalId(synth.stack.functions.named(name, 'test'))}.Arn>`);
      expect(sorted(invoke.flatMap((statement) => statement.resources)), spec.name).toEqual(sorted(expected));
      expect(invoke.flatMap((statement) => statement.actions)).toEqual(['lambda:InvokeFunction']);
    }
  });

  it('let the lifecycle run deployments (.sync): start, describe and stop them, and the managed rule', () => {
    // Prepare
    const statements = byRole.get(logicalId(synth.stack.stateMachines.byName.get('release-lifecycle')!.role))!;
    const deployment = `${ARN_PREFIX}:states:${ACCOUNT_SCOPE}:stateMachine:${STACK_NAME}-deployment`;
    const executions = `${ARN_PREFIX}:states:${ACCOUNT_SCOPE}:execution:${STACK_NAME}-deployment:*`;
    const resourcesFor = (action: string) => statements.filter((statement) => statement.actions.includes(action)).flatMap((statement) => statement.resources);

    // Assess
    expect(resourcesFor('states:StartExecution')).toEqual([deployment]);
    expect(resourcesFor('states:DescribeExecution')).toEqual([executions]);
    expect(resourcesFor('states:StopExecution')).toEqual([executions]);
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      expect(resourcesFor(action)).toEqual([`${ARN_PREFIX}:events:${ACCOUNT_SCOPE}:rule/${SYNC_RULE_NAME}`]);
    }
  });

  it('do not let the deployment machine start anything', () => {
    const statements = byRole.get(logicalId(synth.stack.stateMachines.byName.get('deployment')!.role))!;
    expect(actionsOf(statements, 'states')).toEqual([]);
    expect(actionsOf(statements, 'events')).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
