/**
 * Synthesizes the Conveyor stack in-process for template tests, the way infra/app.ts does
 * (cdk-nag's AwsSolutions pack registered as a validation plugin), and reads its IAM policies
 * back in a form tests can assert on. Bundling is skipped unless asked for (context
 * `aws:cdk:bundling-stacks` = []): the template is the same, only the code asset is not built.
 */

import type { CfnResource } from 'aws-cdk-lib';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import type { Catalog } from '#functions/catalog.ts';
import { ConveyorStack, type ConveyorStackProps, STACK_NAME } from '../../infra/stack.ts';

/** CDK's context key naming the stacks whose assets are bundled; empty skips bundling. */
const BUNDLING_STACKS = 'aws:cdk:bundling-stacks';

export type Synthesized = { app: App; stack: ConveyorStack; template: Template };

export function synthesize(catalog: Catalog | undefined, options: { bundle?: boolean; outdir?: string; props?: ConveyorStackProps } = {}): Synthesized {
  const app = new App({ ...(options.bundle ? {} : { context: { [BUNDLING_STACKS]: [] } }), ...(options.outdir ? { outdir: options.outdir } : {}) });
  const stack = new ConveyorStack(app, STACK_NAME, { ...options.props, ...(catalog ? { catalog } : {}) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}

/** cdk-nag's unacknowledged findings (errors and warnings), as `rule at construct path` lines. */
export function nagFindings(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`));
}

export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnResource;
  return Stack.of(construct).getLogicalId(resource);
}

/** A policy statement with its actions and resources as flat strings (`arn:<AWS::Partition>:...`, `<Table.Arn>`). */
export type FlatStatement = { actions: string[]; resources: string[]; sid?: string };

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function flatten(statement: Record<string, unknown>): FlatStatement {
  return {
    actions: list(statement['Action']).map(String),
    resources: list(statement['Resource']).map((resource) => flattenCfnReference(resource)),
    ...(typeof statement['Sid'] === 'string' ? { sid: statement['Sid'] } : {}),
  };
}

/** Every Allow statement of the template's policies (and inline role policies), by the role they are attached to. */
export function statementsByRole(template: Template): Map<string, FlatStatement[]> {
  const byRole = new Map<string, FlatStatement[]>();
  const add = (role: string, statements: unknown) => {
    const flat = (list(statements) as Record<string, unknown>[]).filter((s) => s['Effect'] === 'Allow').map(flatten);
    byRole.set(role, [...(byRole.get(role) ?? []), ...flat]);
  };
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const role of policy['Properties']['Roles'] as { Ref: string }[]) add(role.Ref, policy['Properties']['PolicyDocument']['Statement']);
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of (role['Properties']['Policies'] ?? []) as { PolicyDocument: { Statement: unknown } }[]) add(id, inline.PolicyDocument.Statement);
  }
  return byRole;
}

export function allStatements(template: Template): FlatStatement[] {
  return [...statementsByRole(template).values()].flat();
}

/** The actions of one service (`dynamodb`) among `statements`. */
export function actionsOf(statements: FlatStatement[], service: string): string[] {
  return statements.flatMap((statement) => statement.actions).filter((action) => action.startsWith(`${service}:`));
}
