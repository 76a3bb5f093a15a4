/**
 * What the end-to-end files share: the whole local stack of `conveyor up` (startLocalStack) on a
 * temporary data directory of the file's own, every service on a free port (the sandbox too, so
 * a developer's stack on 6443 is left alone), the functions' logs in the data directory's log
 * file; the real clients on it (test/support/local-stack.ts); the walkthrough's configuration
 * seeded through the API; and the httpd project these files deploy — small (one replica), with
 * a short step timeout, and a sensitive variable whose value the tests look for everywhere.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathOf } from '#cli/api/client.ts';
import { repositoryUri } from '#local/demo/definitions.ts';
import { type LocalStack, startLocalStack } from '#local/up/stack.ts';
import { connectToStack, type StackClients, seedWalkthrough, textWriter } from '../support/local-stack.ts';

export const PROJECT = 'httpd';
export const REPOSITORY = 'httpd';
export const DEVELOPMENT = 'development';
export const PRODUCTION = 'production';
export const APPROVAL_STEP = 0;
/** The shortest step timeout the API takes: a release that cannot become ready fails within seconds. */
export const STEP_TIMEOUT_SECONDS = 10;
export const SENSITIVE_VARIABLE = 'Httpd.ApiKey';
export const SECRET_ITEM = 'api-key';
export const PIPELINE_ARN = 'arn:aws:iam::000000000000:role/conveyor-pipeline';
export const arnOf = (user: string) => `arn:aws:iam::000000000000:user/${user}`;

export type E2eStack = {
  dir: string;
  stack: LocalStack;
  c: StackClients;
  /** What the seeding (the demo's code) printed. */
  seedOutput: string;
  /** The sensitive variable's value, distinctive enough to be found anywhere it leaks. */
  sensitiveValue: string;
  /** Stops the stack as a crash would (running executions are cut off) and starts it again on the same data and sandbox port. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

/** Starts the stack on a temporary directory, seeds the walkthrough and creates the httpd project. */
export async function startE2eStack(name: string): Promise<E2eStack> {
  const dir = mkdtempSync(join(tmpdir(), `conveyor-e2e-${name}-`));
  const dataDir = join(dir, 'data');
  let stack = await startLocalStack({ dataDir, ports: { sandbox: 0 } });
  let c = connectToStack({ env: stack.envValues, users: stack.users });
  const sensitiveValue = `e2e-${randomBytes(12).toString('hex')}`;
  const world: E2eStack = {
    dir,
    stack,
    c,
    seedOutput: '',
    sensitiveValue,
    async restart() {
      const sandboxPort = stack.sandbox.port;
      c.destroy();
      await stack.close();
      // The targets in the table name the sandbox's URL: the same port keeps them valid.
      stack = await startLocalStack({ dataDir, ports: { sandbox: sandboxPort } });
      c = connectToStack({ env: stack.envValues, users: stack.users });
      Object.assign(world, { stack, c });
    },
    async close() {
      world.c.destroy();
      await world.stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const out = textWriter();
    await seedWalkthrough(c, out);
    world.seedOutput = out.text();
    await c.api.admin.post('/projects', { id: PROJECT, ...httpdProject(repositoryUri(c.accountId, c.region), sensitiveValue) });
    return world;
  } catch (error) {
    await world.close();
    throw error;
  }
}

/**
 * The project: an approval before Production, then a blue/green deploy-containers step of one
 * httpd replica whose Secret item is the sensitive variable (given to the container as an
 * environment variable). `brokenProbe` adds a readiness probe that cannot pass; `sensitiveValue`
 * undefined keeps the stored value (the API's write-only rule).
 */
export function httpdProject(repository: string, sensitiveValue: string | undefined, options: { brokenProbe?: boolean } = {}) {
  const readinessProbe = options.brokenProbe ? { readinessProbe: { exec: { command: ['httpd-ready-check'] }, periodSeconds: 1 } } : {};
  return {
    name: 'httpd',
    description: 'Apache httpd, blue/green, approved before Production',
    lifecycleId: 'application',
    process: [
      { kind: 'approval', name: 'Approve Production', environments: [PRODUCTION], targetTags: [], timeoutSeconds: 3600, instructions: 'Check Development first.' },
      {
        kind: 'deploy-containers',
        name: 'Deploy httpd',
        targetTags: ['httpd'],
        timeoutSeconds: STEP_TIMEOUT_SECONDS,
        spec: {
          name: 'httpd',
          replicas: 1,
          strategy: 'BlueGreen',
          containers: [{ name: 'httpd', image: `${repository}:1.0.0`, ports: [{ name: 'http', containerPort: 80 }], env: [{ name: 'API_KEY', fromSecret: SECRET_ITEM }], ...readinessProbe }],
          configMap: { items: { index: '<h1>Hello from #{Conveyor.Environment.Name}</h1>' } },
          secret: { items: { [SECRET_ITEM]: `#{${SENSITIVE_VARIABLE}}` } },
          service: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
      },
    ],
    variables: [{ name: SENSITIVE_VARIABLE, values: [sensitiveValue === undefined ? { sensitive: true } : { value: sensitiveValue, sensitive: true }] }],
  };
}

/** Replaces the project's definition (the version read first), keeping the stored sensitive value. */
export async function updateProject(c: StackClients, options: { brokenProbe?: boolean }): Promise<void> {
  const path = pathOf('/projects/{projectId}', { projectId: PROJECT });
  const { version } = await c.api.admin.get<{ version: number }>(path);
  await c.api.admin.put(path, { ...httpdProject(repositoryUri(c.accountId, c.region), undefined, options), version });
}
