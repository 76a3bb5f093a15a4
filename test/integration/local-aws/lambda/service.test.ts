/**
 * The local Lambda service through the real SDK client: a catalog task handler, bundled on its
 * first invocation, answering a bad input with Lambda's function-error shape (errorType = the
 * domain error's name, which is what a state machine's Retry and Catch match); the context and
 * environment a function gets; Lambda's timeout, unknown-function and bad-payload answers;
 * asynchronous and dry-run invocations; concurrent invocations; ListFunctions.
 */
import '../../../support/quiet-powertools.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequestContentException, InvokeCommand, LambdaClient, ListFunctionsCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type Catalog, type FunctionSpec } from '#functions/catalog.ts';
import { functionEnvironment, type LambdaService, LOCAL_KUBECTL_PATH, type LocalResources, startLambda } from '../../../../local/aws/lambda/index.ts';
import { eventually } from '../../../support/sandbox.ts';
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
/** Where the `sleep` fixture notes its progress (one file per test). */
let progressDir: string;
let progressFiles = 0;
const progressFile = () => join(progressDir, `progress-${++progressFiles}.txt`);
/** The lines the `sleep` fixture has written to `file` so far. */
const progressOf = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.trim())
    : [];

const invoke = (FunctionName: string, payload: unknown, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) =>
  client.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));
const json = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

beforeAll(async () => {
  progressDir = mkdtempSync(join(tmpdir(), 'conveyor-lambda-progress-'));
  lambda = await startLambda({ catalog, resources: RESOURCES, region: REGION, accountId: ACCOUNT, env: { AWS_REGION: REGION } });
  client = new LambdaClient({ endpoint: lambda.url, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await lambda?.close();
  rmSync(progressDir, { recursive: true, force: true });
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

  it("one shared environment holding every function's variables (functions run in one process)", async () => {
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
  it("a timeout: Sandbox.Timedout at the function's timeout, while the handler still runs", async () => {
    // Prepare
    const progress = progressFile();

    // Act
    const answer = await invoke('slow', { ms: SLOW_TIMEOUT_SECONDS * 1000 + 2_000, progress });

    // Assess: answered before the handler's own end, so by the timeout.
    expect(progressOf(progress)).toEqual(['started']);
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
  it('Event answers 202 before the function has finished, and runs it in the background', async () => {
    // Prepare
    const progress = progressFile();

    // Act
    const event = await invoke('slow', { ms: BACKGROUND_MS, progress }, { InvocationType: 'Event' });
    const whenAnswered = progressOf(progress);

    // Assess
    expect(event.StatusCode).toBe(202);
    expect(whenAnswered).not.toContain('finished');
    await eventually(() => progressOf(progress).includes('started'), 5_000);
  });

  it('DryRun answers 204 without running the function', async () => {
    // Prepare
    const progress = progressFile();

    // Act
    const dryRun = await invoke('slow', { ms: SLEEP_MS, progress }, { InvocationType: 'DryRun' });
    // A run would have started and ended by the time this synchronous invocation has.
    await invoke('slow', { ms: SLEEP_MS });

    // Assess
    expect(dryRun.StatusCode).toBe(204);
    expect(progressOf(progress)).toEqual([]);
  });

  it('runs invocations of one function side by side, like separate containers', async () => {
    // Prepare
    const progress = progressFile();

    // Act
    const answers = await Promise.all(['a', 'b', 'c'].map((tag) => invoke('slow', { ms: SLEEP_MS, progress, tag })));

    // Assess
    expect(answers.map((a) => json(a.Payload))).toEqual([{ slept: SLEEP_MS }, { slept: SLEEP_MS }, { slept: SLEEP_MS }]);
    // Side by side: all three had started before any finished (one after the other interleaves).
    const lines = progressOf(progress);
    expect(lines.slice(0, 3).map((l) => l.split(' ')[0])).toEqual(['started', 'started', 'started']);
    expect(lines.slice(3).sort()).toEqual(['finished a', 'finished b', 'finished c']);
  });
});

it("lists the catalog's functions in pages", async () => {
  // Act
  const first = await client.send(new ListFunctionsCommand({ MaxItems: 5 }));
  const rest = await client.send(new ListFunctionsCommand({ Marker: first.NextMarker }));

  // Assess
  const names = [...first.Functions!, ...rest.Functions!].map((f) => f.FunctionName);
  expect(names).toEqual(catalog.functions.map((f) => f.name));
  expect(first.Functions![0]).toMatchObject({ Runtime: 'nodejs24.x', FunctionArn: lambda.functionArn(catalog.functions[0]!.name), Timeout: 30, MemorySize: 256 });
});
