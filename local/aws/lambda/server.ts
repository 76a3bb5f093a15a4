/**
 * The local Lambda service: an HTTP server on 127.0.0.1 speaking the part of Lambda's REST API
 * that Conveyor's callers use, so the real SDK client (and the AWS CLI), pointed at it through
 * AWS_ENDPOINT_URL_LAMBDA, works unchanged:
 * - Invoke, `POST /2015-03-31/functions/{name}/invocations` (name, ARN or partial ARN; the
 *   `$LATEST` qualifier), RequestResponse, Event (202, run in the background) and DryRun (204),
 *   answered as Lambda answers (invocation.ts);
 * - ListFunctions and GetFunction, for people and tools that look around.
 * It runs the handlers of the catalog's functions in this process (loader.ts bundles each one
 * on its first invocation), with the environment the CDK stack would give them
 * (environment.ts). Requests are not authenticated. Nothing is logged but a function's name and
 * error type when a background invocation fails: payloads and error messages may carry anything.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog, FunctionSpec } from '#functions/catalog.ts';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { lambdaFunctionName } from '../sfn/lambda-names.ts';
import { BodyTooLargeError, HTTP, listen, readBody, ServiceError, sendJson } from '../stepfunctions/json-protocol.ts';
import { catalogEnvironment, type LocalResources } from './environment.ts';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, functionArn, type InvocationResult, invoke, LATEST_VERSION } from './invocation.ts';
import { BundleLoader, type Handler } from './loader.ts';

export type LambdaOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The functions it runs. */
  catalog: Catalog;
  /** The stand-ins of the stack's resources, turned into each function's variables (environment.ts). */
  resources: LocalResources;
  /** More variables for every function: endpoints (AWS_ENDPOINT_URL_*), region, credentials, Powertools settings. */
  env?: Record<string, string>;
  /** Where handlers come from; by default each function's entry, bundled on its first invocation. */
  handlers?: (spec: FunctionSpec) => Handler | Promise<Handler>;
  region?: string;
  accountId?: string;
  /** Where failures of background (Event) invocations are reported; silent by default. */
  log?: (line: string) => void;
};

export type LambdaService = {
  /** http://127.0.0.1:<port>, the value for AWS_ENDPOINT_URL_LAMBDA. */
  url: string;
  region: string;
  accountId: string;
  functionArn(name: string): string;
  /**
   * Adds variables to the functions' shared environment. Functions read it at their cold start
   * (first invocation), so set it before that: for the endpoints of services started after this
   * one on a free port.
   */
  setEnvironment(variables: Record<string, string>): void;
  close(): Promise<void>;
};

const API_PREFIX = '/2015-03-31/functions';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const FUNCTION_MARKER = ':function:';
const FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/?$/;
/** Lambda's request limits: 6 MB for a synchronous invocation, 1 MB for an asynchronous one. */
const MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024;
const MAX_ASYNC_REQUEST_BYTES = 1024 * 1024;
/** ListFunctions' largest page. */
const MAX_LIST_ITEMS = 50;
const JSON_TYPE = 'application/json';
/** The runtime the CDK stack deploys (nodejs24.x) and the handler string NodejsFunction gives. */
const RUNTIME = 'nodejs24.x';
const DEFAULT_ARCHITECTURE = 'arm64';

type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';
const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

/** Lambda's error answers: the code in x-amzn-ErrorType (what the SDK reads), the message in the body. */
function sendError(response: ServerResponse, error: ServiceError): void {
  const headers = { 'content-type': JSON_TYPE, 'x-amzn-errortype': error.code, 'x-amzn-requestid': randomUUID() };
  sendJson(response, error.status, { Type: error.status >= HTTP.internal ? 'Service' : 'User', message: error.message }, headers, error instanceof BodyTooLargeError);
}

const notFound = (arn: string) => new ServiceError('ResourceNotFoundException', `Function not found: ${arn}`, HTTP.notFound);

/** Starts the service; it is ready when the promise resolves. */
export async function startLambda(options: LambdaOptions): Promise<LambdaService> {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT;
  const arnOf = (name: string) => functionArn(name, region, accountId);
  const specs = new Map(options.catalog.functions.map((spec) => [spec.name, spec]));
  const environment = new SharedEnvironment();
  environment.set({ ...catalogEnvironment(options.catalog, options.resources), ...options.env });
  // Stack traces of the bundles point into the TypeScript sources (as NODE_OPTIONS does on AWS).
  process.setSourceMapsEnabled(true);
  const loader = options.handlers ? undefined : new BundleLoader();
  const handlerOf = (spec: FunctionSpec) => (options.handlers ? Promise.resolve(options.handlers(spec)) : loader!.load(spec));

  const find = (nameOrArn: string, qualifier: string | null): FunctionSpec => {
    const name = lambdaFunctionName(nameOrArn);
    const spec = specs.get(name);
    const qualified = qualifier ?? qualifierIn(nameOrArn);
    if (!spec || (qualified !== undefined && qualified !== LATEST_VERSION)) throw notFound(arnOf(name) + (qualified ? `:${qualified}` : ''));
    return spec;
  };

  const invocation = async (request: IncomingMessage, response: ServerResponse, nameOrArn: string, url: URL) => {
    const type = (request.headers['x-amz-invocation-type'] ?? 'RequestResponse') as InvocationType;
    if (!INVOCATION_TYPES.includes(type)) throw new ServiceError('InvalidParameterValueException', `InvocationType must be one of ${INVOCATION_TYPES.join(', ')}`);
    const spec = find(nameOrArn, url.searchParams.get('Qualifier'));
    const limit = type === 'Event' ? MAX_ASYNC_REQUEST_BYTES : MAX_SYNC_REQUEST_BYTES;
    const body = await readBody(request, limit, () => new BodyTooLargeError(limit, 'RequestTooLargeException'));
    const event = parsePayload(body);
    const headers = { 'content-type': JSON_TYPE, 'x-amz-executed-version': LATEST_VERSION };
    if (type === 'DryRun') {
      response.writeHead(HTTP.noContent, headers).end();
      return;
    }
    const run = async (): Promise<InvocationResult> => {
      let handler: Handler;
      try {
        handler = await handlerOf(spec);
      } catch (error) {
        // An init failure is a function error, as on AWS (Runtime.ImportModuleError and the like).
        return invoke(spec, () => Promise.reject(error), event, arnOf(spec.name));
      }
      return invoke(spec, handler, event, arnOf(spec.name));
    };
    if (type === 'Event') {
      void run().then((result) => {
        if (result.functionError) options.log?.(`lambda: asynchronous invocation of ${spec.name} failed with ${(JSON.parse(result.payload) as { errorType: string }).errorType}`);
      });
      response.writeHead(HTTP.accepted, { ...headers, 'content-length': 0 }).end();
      return;
    }
    const result = await run();
    const payload = Buffer.from(result.payload, 'utf8');
    response.writeHead(HTTP.ok, {
      ...headers,
      'content-length': payload.length,
      'x-amzn-requestid': result.requestId,
      ...(result.functionError ? { 'x-amz-function-error': result.functionError } : {}),
    });
    response.end(payload);
  };

  const configuration = (spec: FunctionSpec) => ({
    FunctionName: spec.name,
    FunctionArn: arnOf(spec.name),
    Runtime: RUNTIME,
    Handler: `index.${spec.handler ?? 'handler'}`,
    Description: spec.description,
    Timeout: spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    MemorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
    Architectures: [spec.architecture ?? DEFAULT_ARCHITECTURE],
    Version: LATEST_VERSION,
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const path = url.pathname;
      const invokeMatch = INVOKE_PATH.exec(path);
      if (request.method === 'POST' && invokeMatch) return await invocation(request, response, decodeURIComponent(invokeMatch[1]!), url);
      request.resume();
      if (request.method === 'GET' && (path === API_PREFIX || path === `${API_PREFIX}/`)) {
        const start = Number(url.searchParams.get('Marker') ?? 0) || 0;
        const size = Math.min(Number(url.searchParams.get('MaxItems') ?? MAX_LIST_ITEMS) || MAX_LIST_ITEMS, MAX_LIST_ITEMS);
        const all = [...specs.values()];
        const next = start + size < all.length ? String(start + size) : undefined;
        return sendJson(response, HTTP.ok, { Functions: all.slice(start, start + size).map(configuration), ...(next ? { NextMarker: next } : {}) }, { 'content-type': JSON_TYPE });
      }
      const functionMatch = FUNCTION_PATH.exec(path);
      if (request.method === 'GET' && functionMatch) {
        const spec = find(decodeURIComponent(functionMatch[1]!), url.searchParams.get('Qualifier'));
        return sendJson(response, HTTP.ok, { Configuration: configuration(spec) }, { 'content-type': JSON_TYPE });
      }
      throw new ServiceError('UnknownOperationException', `Unknown operation ${request.method} ${path}`, HTTP.notFound);
    } catch (error) {
      sendError(response, error instanceof ServiceError ? error : new ServiceError('ServiceException', 'An error occurred on the server side.', HTTP.internal));
      if (error instanceof BodyTooLargeError) response.once('finish', () => request.destroy());
    }
  };

  const listening = await listen(handle, options.port);
  return {
    url: listening.url,
    region,
    accountId,
    functionArn: arnOf,
    setEnvironment: (variables) => environment.set(variables),
    async close() {
      await listening.close();
      loader?.close();
      environment.restore();
    },
  };
}

/** The qualifier a name or ARN carries: `plan:$LATEST`, `arn:aws:lambda:…:function:plan:live`. */
function qualifierIn(nameOrArn: string): string | undefined {
  const afterFunction = nameOrArn.includes(FUNCTION_MARKER) ? nameOrArn.slice(nameOrArn.indexOf(FUNCTION_MARKER) + FUNCTION_MARKER.length) : nameOrArn;
  return afterFunction.split(':')[1];
}

/** The invocation payload: JSON, `{}` when empty (as Lambda passes it). */
function parsePayload(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    // The parser's own message quotes the payload.
    throw new ServiceError('InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON.');
  }
}

/** The variables set in `process.env` for the functions, and what they replaced, put back at close. */
class SharedEnvironment {
  private readonly previous = new Map<string, string | undefined>();

  set(variables: Record<string, string>): void {
    for (const [name, value] of Object.entries(variables)) {
      if (!this.previous.has(name)) this.previous.set(name, process.env[name]);
      process.env[name] = value;
    }
  }

  restore(): void {
    for (const [name, value] of this.previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.previous.clear();
  }
}
