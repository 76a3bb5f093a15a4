/**
 * Where the CLI finds the API and how it signs for it (cli/api/endpoint.ts): `--endpoint` over
 * CONVEYOR_API_URL over `.conveyor/local.env` (found from a subdirectory; `export`, quotes and
 * comments allowed); the region from the flag, an execute-api host, the environment, the file;
 * the local stack's profile and credentials file only when its endpoint is the one used; and
 * bad input (exit 2) naming what is missing or wrong. Files only, no network.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '#cli/api/endpoint.ts';
import { EndpointError } from '#cli/api/errors.ts';
import { parseLocalEnv } from '#cli/api/local-env.ts';

let root: string;
let project: string;
let bare: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-endpoint-'));
  project = join(root, 'project');
  bare = join(root, 'elsewhere');
  mkdirSync(join(project, '.conveyor'), { recursive: true });
  mkdirSync(join(project, 'a', 'b'), { recursive: true });
  mkdirSync(bare);
  writeFileSync(
    join(project, '.conveyor', 'local.env'),
    '# local stack\nexport CONVEYOR_API_URL="http://127.0.0.1:4510"\nAWS_REGION=eu-west-1 # the region\nexport AWS_SHARED_CREDENTIALS_FILE=.conveyor/credentials\nAWS_PROFILE=\'release-manager\'\nnot a line\n',
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EndpointError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('local.env', () => {
  it('reads KEY=value lines, with export, quotes and trailing comments', () => {
    expect(parseLocalEnv('export A="x y"\nB=\'z\'\nC=plain # note\n# D=no\n E=spaced \nbad-key=1\n')).toEqual({ A: 'x y', B: 'z', C: 'plain', E: 'spaced' });
  });
});

describe('resolveConnection', () => {
  it('takes everything from .conveyor/local.env found above the working directory, paths relative to the project', () => {
    // Act
    const settings = resolveConnection({}, {}, join(project, 'a', 'b'));

    // Assess
    expect(settings).toEqual({
      endpoint: new URL('http://127.0.0.1:4510'),
      endpointSource: join(project, '.conveyor', 'local.env'),
      region: 'eu-west-1',
      profile: 'release-manager',
      credentialsFile: join(project, '.conveyor', 'credentials'),
    });
  });

  it("prefers --endpoint, then CONVEYOR_API_URL; the file's profile and credentials are then not used", () => {
    // Act
    const flag = resolveConnection({ endpoint: 'https://api.example.com', region: 'us-east-2' }, { CONVEYOR_API_URL: 'http://127.0.0.1:1' }, project);
    const env = resolveConnection({}, { CONVEYOR_API_URL: 'https://api.example.com', AWS_REGION: 'ap-south-1', AWS_PROFILE: 'work' }, project);

    // Assess
    expect(flag).toEqual({ endpoint: new URL('https://api.example.com'), endpointSource: '--endpoint', region: 'us-east-2' });
    expect(env).toEqual({ endpoint: new URL('https://api.example.com'), endpointSource: 'CONVEYOR_API_URL', region: 'ap-south-1', profile: 'work' });
  });

  it("takes the region of an execute-api endpoint over the environment's", () => {
    const settings = resolveConnection({ endpoint: 'https://abc123.execute-api.eu-central-1.amazonaws.com' }, { AWS_REGION: 'us-east-1' }, bare);
    expect(settings.region).toBe('eu-central-1');
  });

  it('refuses, as bad input, no endpoint at all, an endpoint that is not a URL or carries credentials, and no region', () => {
    expect(refusal(() => resolveConnection({}, {}, bare))).toContain('no Conveyor API endpoint: pass --endpoint URL, set CONVEYOR_API_URL, or start the local stack with `conveyor up`');
    expect(refusal(() => resolveConnection({ endpoint: 'api.example.com' }, {}, bare))).toBe('--endpoint is not a URL: "api.example.com"');
    expect(refusal(() => resolveConnection({ endpoint: 'ftp://api.example.com' }, {}, bare))).toContain('must be an https:// (or http://) URL');
    expect(refusal(() => resolveConnection({}, { CONVEYOR_API_URL: 'https://me:pw@api.example.com' }, bare))).toBe(
      'CONVEYOR_API_URL must not carry credentials: requests are signed with AWS credentials',
    );
    expect(refusal(() => resolveConnection({ endpoint: 'https://api.example.com' }, {}, bare))).toBe('no AWS region to sign requests for https://api.example.com: pass --region or set AWS_REGION');
  });
});
