/**
 * Is each service of the local stack healthy, asked the way its clients ask it: the real SDK
 * clients for the AWS services, the Kubernetes API's /version with the admin token, a signed
 * request through the API Gateway to a function and DynamoDB. A probe answers with a few words
 * for the person watching (what the service holds), never with anything secret; it retries
 * briefly, since a service that just started listening may still be warming up.
 */
import { request } from 'node:https';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ApiClient } from '#cli/api/client.ts';
import type { DemoCredential } from '../aws/api-gateway/credentials.ts';
import { LOCAL_CREDENTIALS } from '../aws/stepfunctions/lambda-invoker.ts';

/** Attempts of a probe, this far apart: a few seconds in all. */
const PROBE_ATTEMPTS = 10;
const PROBE_PAUSE_MS = 300;
const VERSION_TIMEOUT_MS = 5_000;
/** ListFunctions' largest page. */
const MAX_FUNCTIONS_PAGE = 50;

export type Probe = () => Promise<string>;

/** Runs `probe` until it answers; its last error when it never does. */
export async function healthy(probe: Probe): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await probe();
    } catch (error) {
      if (attempt >= PROBE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, PROBE_PAUSE_MS));
    }
  }
}

const client = (endpoint: string, region: string) => ({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

export const dynamoDbProbe =
  (dynamo: DynamoDBClient, tableName: string): Probe =>
  async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return `table ${tableName} ${Table?.TableStatus ?? 'found'}`;
  };

/** GET /version as the cluster admin, verifying the server with the sandbox CA. */
export const sandboxProbe =
  (url: string, caPem: string, adminToken: string): Probe =>
  () =>
    new Promise((resolve, reject) => {
      const call = request(new URL('/version', url), { ca: caPem, headers: { authorization: `Bearer ${adminToken}` }, timeout: VERSION_TIMEOUT_MS }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`GET /version answered ${response.statusCode}`));
          resolve(`Kubernetes ${(JSON.parse(body) as { gitVersion?: string }).gitVersion ?? '(unknown version)'}`);
        });
      });
      call.on('timeout', () => call.destroy(new Error('GET /version did not answer')));
      call.on('error', reject);
      call.end();
    });

export const secretsProbe =
  (endpoint: string, region: string): Probe =>
  async () => {
    const secrets = new SecretsManagerClient(client(endpoint, region));
    try {
      const { SecretList } = await secrets.send(new ListSecretsCommand({}));
      return `${SecretList?.length ?? 0} secrets${SecretList?.length ? ' (first page)' : ''}`;
    } finally {
      secrets.destroy();
    }
  };

export const lambdaProbe =
  (endpoint: string, region: string): Probe =>
  async () => {
    const lambda = new LambdaClient(client(endpoint, region));
    try {
      let count = 0;
      let marker: string | undefined;
      do {
        const page = await lambda.send(new ListFunctionsCommand({ Marker: marker, MaxItems: MAX_FUNCTIONS_PAGE }));
        count += page.Functions?.length ?? 0;
        marker = page.NextMarker;
      } while (marker);
      return `${count} functions (each bundled on its first invocation)`;
    } finally {
      lambda.destroy();
    }
  };

export const stepFunctionsProbe =
  (endpoint: string, region: string, interrupted: number): Probe =>
  async () => {
    const sfn = new SFNClient(client(endpoint, region));
    try {
      const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
      const names = (stateMachines ?? []).map((m) => m.name).join(', ');
      return `state machines ${names}${interrupted ? `; ${interrupted} execution${interrupted === 1 ? '' : 's'} interrupted by the last stop, reported FAILED` : ''}`;
    } finally {
      sfn.destroy();
    }
  };

/** The local EventBridge's inspection route (PutEvents would publish an event). */
export const eventsProbe =
  (endpoint: string, rules: number): Probe =>
  async () => {
    const answer = await fetch(new URL('/local/events', endpoint));
    if (!answer.ok) throw new Error(`GET /local/events answered ${answer.status}`);
    await answer.arrayBuffer();
    return `${rules} rule${rules === 1 ? '' : 's'} delivering to the functions`;
  };

/** A signed GET /environments as `user`: SigV4, a function and DynamoDB, end to end. */
export const apiProbe =
  (endpoint: string, region: string, user: DemoCredential): Probe =>
  async () => {
    const api = new ApiClient({
      endpoint: new URL(endpoint),
      region,
      credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const { items } = await api.get<{ items: unknown[] }>('/environments');
    return `SigV4 for ${user.profile} accepted; ${items.length} environments`;
  };
