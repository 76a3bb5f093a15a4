/**
 * The real catalog (functions/catalog.ts) synthesizes: every entry file exists, every route,
 * state machine placeholder and rule names a declared function, and the result passes cdk-nag
 * and the stack's IAM invariants. The constructs themselves are tested in depth with the fixture
 * catalog (stack.test.ts, iam.test.ts); `npm run synth:check` bundles this catalog for real.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '#functions/catalog.ts';
import { WILDCARD_RESOURCE_ACTIONS } from '../../infra/constructs/nag.ts';
import { allStatements, logicalId, nagFindings, type Synthesized, synthesize } from './support.ts';

let synth: Synthesized;

beforeAll(() => {
  synth = synthesize(CATALOG);
});

describe('the real catalog', () => {
  it('makes one Lambda per function, one route per route, its state machines and event rules', () => {
    expect(Object.keys(synth.template.findResources('AWS::Lambda::Function'))).toHaveLength(CATALOG.functions.length);
    expect(Object.keys(synth.template.findResources('AWS::ApiGatewayV2::Route'))).toHaveLength(CATALOG.routes.length);
    expect(Object.keys(synth.template.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(CATALOG.stateMachines.length);
    expect(Object.keys(synth.template.findResources('AWS::Events::Rule'))).toHaveLength(CATALOG.eventRules.length);
  });

  it('puts IAM authorization on every route', () => {
    const routes = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.filter((route) => route['Properties']['AuthorizationType'] !== 'AWS_IAM').map((route) => route['Properties']['RouteKey'])).toEqual([]);
  });

  it('fills every placeholder of every state machine', () => {
    for (const machine of synth.stack.stateMachines.byName.values()) {
      const props = synth.template.toJSON()['Resources'][logicalId(machine)]['Properties'];
      const unfilled = [...(props['DefinitionString'] as string).matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!).filter((name) => !(name in props['DefinitionSubstitutions']));
      expect(unfilled, machine.node.id).toEqual([]);
    }
  });

  it('grants no Scan, and on "*" only the documented actions', () => {
    const statements = allStatements(synth.template);
    expect(statements.flatMap((statement) => statement.actions)).not.toContain('dynamodb:Scan');
    const onStar = statements.filter((statement) => statement.resources.includes('*')).flatMap((statement) => statement.actions);
    expect(onStar.filter((action) => !(action in WILDCARD_RESOURCE_ACTIONS))).toEqual([]);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });
});
