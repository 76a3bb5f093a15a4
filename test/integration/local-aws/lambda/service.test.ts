/**
 * The local Lambda service through the real SDK client: a catalog task handler, bundled on its
 * first invocation, answering a bad input with Lambda's function-error shape (errorType = the
 * domain error's name, which is what a state machine's Retry and Catch match); the context and
 * environment a function gets; Lambda's timeout, unknown-function and bad-payload answers;
 * asynchronous and dry-run invocations; concurrent invocations; ListFunctions.
 */
import '../../../support/quiet-powertools.ts';
import { InvalidRequestContentException, InvokeCommand, LambdaClient, ListFunctionsCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type Catalog, type FunctionSpec } from '#functions/catalog.ts';
import { functionEnvironment, LOCAL_KUBECTL_PATH, startLambda, type LambdaService, type LocalResources } from '../../../../local/aws/lambda/index.ts';
import { failureOf } from '../secrets/helpers.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';
const FIXTURES = 'test/integration/local-aws/lambda/fixtures/handlers.ts';
const SLOW_TIMEOUT_SECONDS = 1;
const SLEEP_MS = 400;
/** Longer than the function's timeout: the Event invocation answers long before it would end. */
const BACKGROUND_MS = 3_000;
const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-access-key' };
const RESOURCES: LocalResources = {
  tableName: 'conveyor-lambda-test',
  secretsPrefix: 'conveyor/',
  stateMachineArns: {
    deployment: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Conveyor-deployment`,
    'release-lifecycle': `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Conveyor-release-lifecycle`,
  },
  eventBusName: 'conveyor',
};

const fixture = (name: string, handler: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({ name, entry: FIXTURES, handler, description: `test: ${handler}`, access: {}, ...extra });

/** The catalog and three test functions. */
const catalog: Catalog = {
  ...CATALOG,
  functions: [
    ...CATALOG.functions,
    fixture('echo', 'echo', { memoryMb: 1024, access: { table: 'read', stateMachines: ['read'] } }),
    fixture('slow', 'sleep', { timeoutSeconds: SLOW_TIMEOUT_SECONDS }),
    fixture('broken', 'broken'),
    fixture('missing-entry', 'handler', { entry: 'test/integration/local-aws/lambda/fixtures/does-not-exist.ts' }),
  ],
};

let lambda: LambdaService;
let client: LambdaClient;

const invoke = (FunctionName: string, payload: unknown, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) =>
  client.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));
const json = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

beforeAll(async () => {
  lambda = await startLambda({ catalog, resources: RESOURCES, region: REGION, accountId: ACCOUNT, env: { AWS_REGION: REGION } });
  client = new LambdaClient({ endpoint: lambda.url, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await lambda?.close();
});

describe('a catalog task handler', () => {
  it('answers a bad input with a function error named after the domain error', async () => {
    // Act
    const answer = await invoke('plan', { deploymentId: 42 });

    // Assess
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(answer.ExecutedVersion).toBe('$LATEST');
    const payload = json(answer.Payload);
    expect(payload).toEqual({ errorType: 'InvalidStepInputError', errorMessage: expect.stringContaining('deploymentId'), trace: expect.any(Array) });
    expect(payload.errorMessage).toContain('executionArn');
  });

  it('is found by ARN and by partial ARN, unqualified or $LATEST', async () => {
    // Act
    const byArn = await invoke(lambda.functionArn('plan'), {});
    const byPartialArn = await invoke(`${ACCOUNT}:function:plan:$LATEST`, {});

    // Assess
    expect(json(byArn.Payload).errorType).toBe('InvalidStepInputError');
    expect(json(byPartialArn.Payload).errorType).toBe('InvalidStepInputError');
  });
});

describe('what a function gets', () => {
  it('a Lambda context counting down from its timeout, and its payload', async () => {
    // Act
    const answer = await invoke('echo', { hello: ['world'] });

    // Assess
    expect(answer.FunctionError).toBeUndefined();
    const payload = json(answer.Payload);
    expect(payload).toMatchObject({ event: { hello: ['world'] }, functionName: 'echo', invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`, memoryLimitInMB: '1024' });
    expect(payload.remainingMs).toBeGreaterThan(29_000);
    expect(payload.remainingMs).toBeLessThanOrEqual(30_000);
    expect(payload.awsRequestId).toBe(answer.$metadata.requestId);
  });

  it('the variables the CDK stack would set for its access, kubectl for the kubectl layer', () => {
    // Prepare
    const named = (name: string) => CATALOG.functions.find((f) => f.name === name)!;

    // Act
    const runScript = functionEnvironment(named('run-script'), RESOURCES);
    const releases = functionEnvironment(named('releases-api'), RESOURCES);
    const openapi = functionEnvironment(named('openapi'), RESOURCES);

    // Assess
    expect(runScript).toEqual({ TABLE_NAME: RESOURCES.tableName, SECRETS_PREFIX: 'conveyor/', KUBECTL_PATH: LOCAL_KUBECTL_PATH });
    expect(LOCAL_KUBECTL_PATH).toMatch(/\/\.tools\/bin\/kubectl$/);
    expect(releases).toEqual({
      TABLE_NAME: RESOURCES.tableName,
      SECRETS_PREFIX: 'conveyor/',
      EVENT_BUS_NAME: 'conveyor',
      DEPLOYMENT_STATE_MACHINE_ARN: RESOURCES.stateMachineArns.deployment,
      RELEASE_LIFECYCLE_STATE_MACHINE_ARN: RESOURCES.stateMachineArns['release-lifecycle'],
    });
    expect(openapi).toEqual({});
  });

  it('one shared environment holding every function\'s variables (functions run in one process)', async () => {
    // Act
    const { environment } = json((await invoke('echo', {})).Payload);

    // Assess
    expect(environment).toEqual({
      TABLE_NAME: RESOURCES.tableName,
      SECRETS_PREFIX: 'conveyor/',
      EVENT_BUS_NAME: 'conveyor',
      KUBECTL_PATH: LOCAL_KUBECTL_PATH,
      DEPLOYMENT_STATE_MACHINE_ARN: RESOURCES.stateMachineArns.deployment,
      RELEASE_LIFECYCLE_STATE_MACHINE_ARN: RESOURCES.stateMachineArns['release-lifecycle'],
    });
  });
});

describe('failures, as Lambda reports them', () => {
  it('a timeout: Sandbox.Timedout after the function\'s timeout', async () => {
    // Act
    const started = Date.now();
    const answer = await invoke('slow', { ms: SLOW_TIMEOUT_SECONDS * 1000 + 2_000 });

    // Assess
    expect(Date.now() - started).toBeLessThan(SLOW_TIMEOUT_SECONDS * 1000 + 1_000);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(json(answer.Payload)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${answer.$metadata.requestId} Error: Task timed out after 1.00 seconds` });
  });

  it('a library error under its own name, with its trace', async () => {
    // Act
    const answer = await invoke('broken', {});

    // Assess
    const payload = json(answer.Payload);
    expect(payload.errorType).toBe('TypeError');
    expect(payload.trace[0]).toMatch(/^TypeError: /);
    // Source maps are on: the trace points into the TypeScript source, not the bundle.
    expect(payload.trace.join('\n')).toContain('fixtures/handlers.ts');
  });

  it('an entry that cannot be loaded: Runtime.ImportModuleError', async () => {
    // Act
    const answer = await invoke('missing-entry', {});

    // Assess
    expect(answer.FunctionError).toBe('Unhandled');
    expect(json(answer.Payload).errorType).toBe('Runtime.ImportModuleError');
  });

  it('an unknown function or qualifier: ResourceNotFoundException', async () => {
    // Act
    const unknown = await failureOf(invoke('no-such-function', {}));
    const version = await failureOf(invoke('plan', {}, { Qualifier: '7' }));

    // Assess
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(unknown.message).toBe(`Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-such-function`);
    expect(version).toBeInstanceOf(ResourceNotFoundException);
  });

  it('a payload that is not JSON: InvalidRequestContentException', async () => {
    // Act
    const error = await failureOf(client.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"not json') })));

    // Assess
    expect(error).toBeInstanceOf(InvalidRequestContentException);
    expect(error.message).not.toContain('not json');
  });
});

describe('invocation types and concurrency', () => {
  it('Event answers 202 at once and DryRun 204 without running', async () => {
    // Act
    const started = Date.now();
    const event = await invoke('slow', { ms: BACKGROUND_MS }, { InvocationType: 'Event' });
    const dryRun = await invoke('echo', {}, { InvocationType: 'DryRun' });

    // Assess
    expect(Date.now() - started).toBeLessThan(BACKGROUND_MS / 2);
    expect(event.StatusCode).toBe(202);
    expect(dryRun.StatusCode).toBe(204);
  });

  it('runs invocations of one function side by side, like separate containers', async () => {
    // Act
    const started = Date.now();
    const answers = await Promise.all([invoke('slow', { ms: SLEEP_MS }), invoke('slow', { ms: SLEEP_MS }), invoke('slow', { ms: SLEEP_MS })]);

    // Assess
    expect(answers.map((a) => json(a.Payload))).toEqual([{ slept: SLEEP_MS }, { slept: SLEEP_MS }, { slept: SLEEP_MS }]);
    // One after the other would take three times as long.
    expect(Date.now() - started).toBeLessThan(2.5 * SLEEP_MS);
  });
});

it('lists the catalog\'s functions in pages', async () => {
  // Act
  const first = await client.send(new ListFunctionsCommand({ MaxItems: 5 }));
  const rest = await client.send(new ListFunctionsCommand({ Marker: first.NextMarker }));

  // Assess
  const names = [...first.Functions!, ...rest.Functions!].map((f) => f.FunctionName);
  expect(names).toEqual(catalog.functions.map((f) => f.name));
  expect(first.Functions![0]).toMatchObject({ Runtime: 'nodejs24.x', FunctionArn: lambda.functionArn(catalog.functions[0]!.name), Timeout: 30, MemorySize: 256 });
});
