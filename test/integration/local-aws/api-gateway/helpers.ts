/**
 * The local API Gateway for one test file, over the catalog's routes, with an `invoke` that
 * records every event and answers what the test scripts (by default a structured 200 naming
 * the route), and demo credentials for its principals.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { CATALOG } from '#functions/catalog.ts';
import { type DemoCredential, demoUsers, generateDemoCredentials, principalsOf } from '#local/aws/api-gateway/credentials.ts';
import { type ApiGatewayOptions, type ApiGatewayService, startApiGateway } from '#local/aws/api-gateway/server.ts';

export const REGION = 'eu-west-1';

export type Invocation = { functionName: string; event: APIGatewayProxyEventV2WithIAMAuthorizer };

export type RecordingGateway = {
  gateway: ApiGatewayService;
  url: string;
  /** Keys of admin, release-manager, approver, auditor. */
  users: Record<string, DemoCredential>;
  invocations: Invocation[];
  /** What the next invocations answer (until changed); the default names the route. */
  answer(with_: (invocation: Invocation) => unknown | Promise<unknown>): void;
  close(): Promise<void>;
};

const routeEcho = ({ event }: Invocation) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routeKey: event.routeKey }) });

export async function startRecordingGateway(options: Partial<ApiGatewayOptions> = {}): Promise<RecordingGateway> {
  const credentials = generateDemoCredentials(demoUsers());
  const invocations: Invocation[] = [];
  let respond: (invocation: Invocation) => unknown = routeEcho;
  const gateway = await startApiGateway({
    routes: CATALOG.routes,
    principals: principalsOf(credentials),
    region: REGION,
    invoke: async (functionName, event) => {
      const invocation = { functionName, event };
      invocations.push(invocation);
      return respond(invocation);
    },
    ...options,
  });
  return {
    gateway,
    url: gateway.url,
    users: Object.fromEntries(credentials.map((c) => [c.profile, c])),
    invocations,
    answer: (fn) => void (respond = fn),
    close: () => gateway.close(),
  };
}

/** Whether this machine's curl signs requests itself (`--aws-sigv4`, curl 7.75 and later). */
export function curlSignsSigV4(): boolean {
  const help = spawnSync('curl', ['--help', 'all'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes('--aws-sigv4');
}

export type CurlResult = { status: number; body: string; stderr: string };

/**
 * `curl --aws-sigv4 "aws:amz:REGION:execute-api" --user KEY:SECRET URL`, with the key given
 * through a config on stdin rather than argv (argv is visible to every process).
 */
export function curlSigned(url: string, credentials: { accessKeyId: string; secretAccessKey: string }, args: string[] = []): Promise<CurlResult> {
  const STATUS_MARK = '\n--status--';
  const child = spawn('curl', ['-sS', '-K', '-', '-w', `${STATUS_MARK}%{http_code}`, ...args, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(`user = "${credentials.accessKeyId}:${credentials.secretAccessKey}"\naws-sigv4 = "aws:amz:${REGION}:execute-api"\n`);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => {
      const index = stdout.lastIndexOf(STATUS_MARK);
      resolve({ status: Number(stdout.slice(index + STATUS_MARK.length)), body: stdout.slice(0, index), stderr });
    });
  });
}
