/**
 * The local Secrets Manager for one test file, and the real SDK client pointed at it the way
 * production code is pointed at it locally: an endpoint, a region, dummy credentials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerOptions, type SecretsManagerService, startSecretsManager } from '../../../../local/aws/secrets-manager/server.ts';

export const REGION = 'eu-west-1';
/** The local service does not check signatures; the SDK still needs something to sign with. */
const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-access-key' };

/** A client for `url`; one attempt by default, so error tests see the first answer. */
export function clientFor(url: string, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: url, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts });
}

export type LocalSecrets = { service: SecretsManagerService; client: SecretsManagerClient; close(): Promise<void> };

export async function startLocalSecrets(options: SecretsManagerOptions = {}): Promise<LocalSecrets> {
  const service = await startSecretsManager({ region: REGION, ...options });
  const client = clientFor(service.url);
  return {
    service,
    client,
    async close() {
      client.destroy();
      await service.close();
    },
  };
}

/** A fresh temporary directory and its removal. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** What a rejected promise threw (fails the test if it resolved). */
export async function failureOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, but the call succeeded');
}
