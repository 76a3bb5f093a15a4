/**
 * The local Secrets Manager's data directory: secrets survive a restart; no file ever holds
 * a value in clear (nor its base64 or JSON-escaped form); the key file is the owner's alone
 * and a key file others may read stops the service from starting; a ciphertext that was
 * changed, or moved to another secret, does not decrypt.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DecryptionFailure,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManager } from '../../../../local/aws/secrets-manager/server.ts';
import { failureOf, startLocalSecrets, temporaryDirectory } from './helpers.ts';

const VALUE = 'Pl41n-text-must-never-hit-disk';
const NEXT_VALUE = 'S3cond-value-never-on-disk';
const BINARY_VALUE = Buffer.from('binary-secret-bytes-never-on-disk');
const KEY_FILE = 'secrets.key';
const STATE_FILE = 'secrets.json';
const OWNER_ONLY = 0o600;
const OWNER_ONLY_DIRECTORY = 0o700;
const PERMISSION_BITS = 0o777;

let dir: { path: string; remove(): void };
/** Inside the temporary directory, so the service creates it (and sets its mode). */
let dataDir: string;

beforeEach(() => {
  dir = temporaryDirectory('conveyor-secrets-');
  dataDir = join(dir.path, 'data');
});

afterEach(() => {
  dir.remove();
});

/** Every file of the data directory, as bytes. */
function dataFiles(): { name: string; bytes: Buffer }[] {
  return readdirSync(dataDir).map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
}

/** The forms a value could take in a file: as is, base64, JSON-escaped, UTF-16. */
function formsOf(value: Buffer): Buffer[] {
  return [value, Buffer.from(value.toString('base64')), Buffer.from(JSON.stringify(value.toString('utf8')).slice(1, -1)), Buffer.from(value.toString('utf8'), 'utf16le')];
}

const mode = (file: string) => statSync(join(dataDir, file)).mode & PERMISSION_BITS;

describe('local Secrets Manager data directory', () => {
  it('keeps secrets, versions and scheduled deletions across a restart', async () => {
    // Prepare
    const first = await startLocalSecrets({ dataDir: dataDir });
    const kept = await first.client.send(new CreateSecretCommand({ Name: 'conveyor/kept', SecretString: VALUE, Tags: [{ Key: 'k', Value: 'v' }] }));
    await first.client.send(new PutSecretValueCommand({ SecretId: kept.ARN, SecretString: NEXT_VALUE }));
    const binary = await first.client.send(new CreateSecretCommand({ Name: 'conveyor/binary', SecretBinary: BINARY_VALUE }));
    const deleted = await first.client.send(new CreateSecretCommand({ Name: 'conveyor/deleted', SecretString: VALUE }));
    await first.client.send(new DeleteSecretCommand({ SecretId: deleted.ARN, RecoveryWindowInDays: 7 }));
    await first.close();

    // Act
    const second = await startLocalSecrets({ dataDir: dataDir });
    const current = await second.client.send(new GetSecretValueCommand({ SecretId: kept.ARN }));
    const previous = await second.client.send(new GetSecretValueCommand({ SecretId: kept.ARN, VersionStage: 'AWSPREVIOUS' }));
    const bytes = await second.client.send(new GetSecretValueCommand({ SecretId: binary.ARN }));
    const described = await second.client.send(new DescribeSecretCommand({ SecretId: kept.ARN }));
    const stillDeleted = await failureOf(second.client.send(new GetSecretValueCommand({ SecretId: deleted.ARN })));
    await second.close();

    // Assess
    expect(current.SecretString).toBe(NEXT_VALUE);
    expect(previous.SecretString).toBe(VALUE);
    expect(Buffer.from(bytes.SecretBinary!)).toEqual(BINARY_VALUE);
    expect(described.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(stillDeleted).toBeInstanceOf(InvalidRequestException);
  });

  it('never writes a value in clear, in any common encoding', async () => {
    // Prepare
    const local = await startLocalSecrets({ dataDir: dataDir });

    // Act
    const created = await local.client.send(new CreateSecretCommand({ Name: 'conveyor/clear', SecretString: VALUE }));
    await local.client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: NEXT_VALUE }));
    await local.client.send(new CreateSecretCommand({ Name: 'conveyor/clear-binary', SecretBinary: BINARY_VALUE }));
    await local.close();

    // Assess
    const files = dataFiles();
    expect(files.map((f) => f.name).sort()).toEqual([KEY_FILE, STATE_FILE].sort());
    for (const file of files) {
      for (const form of [...formsOf(Buffer.from(VALUE)), ...formsOf(Buffer.from(NEXT_VALUE)), ...formsOf(BINARY_VALUE)]) {
        expect(file.bytes.includes(form), `${file.name} holds a form of a value`).toBe(false);
      }
    }
    expect(readFileSync(join(dataDir, STATE_FILE), 'utf8')).toContain('conveyor/clear');
  });

  it('creates the key and state files for their owner only', async () => {
    // Act
    const local = await startLocalSecrets({ dataDir: dataDir });
    await local.client.send(new CreateSecretCommand({ Name: 'conveyor/modes', SecretString: VALUE }));
    await local.close();

    // Assess
    expect(mode(KEY_FILE)).toBe(OWNER_ONLY);
    expect(mode(STATE_FILE)).toBe(OWNER_ONLY);
    expect(statSync(dataDir).mode & PERMISSION_BITS).toBe(OWNER_ONLY_DIRECTORY);
    expect(statSync(join(dataDir, KEY_FILE)).size).toBe(32);
  });

  it.each([
    ['644', 0o644],
    ['640', 0o640],
    ['604', 0o604],
    ['620', 0o620],
  ])('refuses to start when the key file has mode %s, naming the file', async (_mode, unsafe) => {
    // Prepare
    const local = await startLocalSecrets({ dataDir: dataDir });
    await local.close();
    chmodSync(join(dataDir, KEY_FILE), unsafe);

    // Act
    const error = await failureOf(startSecretsManager({ dataDir: dataDir }));

    // Assess
    expect(error.name).toBe('KeyFileError');
    expect(error.message).toContain(join(dataDir, KEY_FILE));
    expect(error.message).toMatch(/chmod 600/);
  });

  it('refuses a key file that is not a 32-byte key', async () => {
    // Prepare
    mkdirSync(dataDir, { mode: OWNER_ONLY_DIRECTORY });
    writeFileSync(join(dataDir, KEY_FILE), 'short', { mode: OWNER_ONLY });

    // Act
    const error = await failureOf(startSecretsManager({ dataDir: dataDir }));

    // Assess
    expect(error.message).toContain(join(dataDir, KEY_FILE));
  });

  it('answers DecryptionFailure for a changed ciphertext and for one moved to another secret', async () => {
    // Prepare
    const first = await startLocalSecrets({ dataDir: dataDir });
    const a = await first.client.send(new CreateSecretCommand({ Name: 'conveyor/a', SecretString: VALUE }));
    const b = await first.client.send(new CreateSecretCommand({ Name: 'conveyor/b', SecretString: NEXT_VALUE }));
    await first.close();
    type Stored = { secrets: { arn: string; versions: { sealed: { data: string } }[] }[] };
    const state = JSON.parse(readFileSync(join(dataDir, STATE_FILE), 'utf8')) as Stored;
    const [recordA, recordB] = [state.secrets.find((s) => s.arn === a.ARN)!, state.secrets.find((s) => s.arn === b.ARN)!];
    const untouchedA = structuredClone(recordA.versions[0]!.sealed);
    const data = Buffer.from(recordA.versions[0]!.sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    recordA.versions[0]!.sealed.data = data.toString('base64');
    recordB.versions[0]!.sealed = untouchedA;
    writeFileSync(join(dataDir, STATE_FILE), JSON.stringify(state), { mode: OWNER_ONLY });

    // Act
    const second = await startLocalSecrets({ dataDir: dataDir });
    const changed = await failureOf(second.client.send(new GetSecretValueCommand({ SecretId: a.ARN })));
    const moved = await failureOf(second.client.send(new GetSecretValueCommand({ SecretId: b.ARN })));
    await second.close();

    // Assess
    expect(changed).toBeInstanceOf(DecryptionFailure);
    expect(moved).toBeInstanceOf(DecryptionFailure);
  });

  it('refuses to start when the key file of existing secrets is missing, rather than make a new key', async () => {
    // Prepare
    const local = await startLocalSecrets({ dataDir });
    await local.client.send(new CreateSecretCommand({ Name: 'conveyor/orphaned', SecretString: VALUE }));
    await local.close();
    rmSync(join(dataDir, KEY_FILE));

    // Act
    const error = await failureOf(startSecretsManager({ dataDir }));

    // Assess
    expect(error.message).toContain(join(dataDir, KEY_FILE));
    expect(readdirSync(dataDir)).toEqual([STATE_FILE]);
  });

  it('refuses to start on a state file it cannot read, naming it', async () => {
    // Prepare
    const local = await startLocalSecrets({ dataDir: dataDir });
    await local.close();
    writeFileSync(join(dataDir, STATE_FILE), '{"format": 1, "secr', { mode: OWNER_ONLY });

    // Act
    const error = await failureOf(startSecretsManager({ dataDir: dataDir }));

    // Assess
    expect(error.message).toContain(join(dataDir, STATE_FILE));
  });
});
