/**
 * The one wiring list: every Lambda function, the HTTP routes each serves, the state machines
 * and which function backs each of their Task placeholders, and the event rules. The CDK stack
 * (infra/) builds everything from this list, and the local runtime reads the same list, so the
 * two cannot drift. Plain data: no CDK, no SDK imports.
 */

/** What a function may touch; the CDK stack turns each into an IAM grant and an environment variable. */
export type FunctionAccess = {
  /** The pipeline table: read-only or read-write. */
  table?: 'read' | 'write';
  /** Secrets under the pipeline's prefix: read (GetSecretValue) or write (create, put, delete too). */
  secrets?: 'read' | 'write';
  /** State machines: start executions, answer task tokens, stop or read executions. */
  stateMachines?: ('start' | 'callback' | 'stop' | 'read')[];
  /** PutEvents on the pipeline's event bus. */
  events?: boolean;
  /** sts:AssumeRole on the roles targets name (EKS accounts), and eks:DescribeCluster. */
  eks?: boolean;
};

export type FunctionSpec = {
  /** Logical name: the local Lambda's name and the CDK construct id's base (`create-release`). */
  name: string;
  /** Source file of the handler, from the project root. */
  entry: string;
  /** Exported handler (default `handler`). */
  handler?: string;
  description: string;
  access: FunctionAccess;
  /** Defaults: 256 MB, 30 s, arm64. */
  memoryMb?: number;
  timeoutSeconds?: number;
  /** x86_64 only where a binary needs it (the kubectl layer). */
  architecture?: 'arm64' | 'x86_64';
  /** The kubectl/helm layer (the kubectl-script step). */
  kubectlLayer?: boolean;
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One HTTP API route; every route uses IAM authorization. */
export type RouteSpec = {
  method: HttpMethod;
  /** API Gateway path syntax: `/projects/{projectId}/releases`. */
  path: string;
  /** The function that serves it. */
  function: string;
  /** The OpenAPI operationId, also the key of the route's schemas. */
  operationId: string;
};

/** A state machine: its ASL file and, per `${Placeholder}` in it, the function (or state machine) behind it. */
export type StateMachineSpec = {
  name: string;
  file: string;
  /** Placeholder → function name (`PlanFunction` → `plan`). */
  functions: Record<string, string>;
  /** Placeholder → state machine name (`DeploymentStateMachine` → `deployment`). */
  stateMachines?: Record<string, string>;
};

/** An EventBridge rule and the function it invokes. */
export type EventRuleSpec = { name: string; description: string; pattern: Record<string, unknown>; function: string };

export type Catalog = { functions: FunctionSpec[]; routes: RouteSpec[]; stateMachines: StateMachineSpec[]; eventRules: EventRuleSpec[] };

/** One concern's share of the catalog (functions/catalog/*.ts). */
export type CatalogPart = Catalog;

import { PART as CONFIG_API } from './catalog/config-api.ts';
import { PART as PIPELINE } from './catalog/pipeline.ts';
import { PART as RELEASE_API } from './catalog/release-api.ts';

const PARTS: CatalogPart[] = [CONFIG_API, RELEASE_API, PIPELINE];

export const CATALOG: Catalog = {
  functions: PARTS.flatMap((p) => p.functions),
  routes: PARTS.flatMap((p) => p.routes),
  stateMachines: PARTS.flatMap((p) => p.stateMachines),
  eventRules: PARTS.flatMap((p) => p.eventRules),
};
