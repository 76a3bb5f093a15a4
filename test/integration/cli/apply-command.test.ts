/**
 * `conveyor apply` as a user runs it (`npm run conveyor -- apply ...`): a process against an
 * in-process sandbox's kubeconfig. Covers a rollout with variables and a bound image, the
 * text and JSON output, re-apply, dry run, failed and timed-out rollouts (exit 1), cluster
 * and authentication errors (exit 3), sensitive values kept out of all output, a
 * DeployContainers spec across two deployments, the probe failure quoted for a pod that runs
 * but is not ready, and the namespace guard (confined to the context's namespace by default;
 * admin only with --admin).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { startTestSandbox, type TestSandbox, writeUserKubeconfig } from '../../support/sandbox.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const NS = 'team-a';

type Run = ConveyorRun;
const conveyorApply = (args: string[]): Promise<Run> => runConveyor(['apply', ...args]);

/** Both streams, for assertion messages. */
const shown = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

let t: TestSandbox;
const store = () => t.sandbox.cluster.store;
const configMap = (name: string) => store().get('/configmaps', NS, name);
const deployment = (name: string) => store().get('apps/deployments', NS, name);

/** The store's resourceVersion once the controllers are idle: unchanged means nothing was written. */
async function settledVersion(): Promise<number> {
  await t.sandbox.settle();
  return store().resourceVersion;
}

async function deleteDeployment(name: string): Promise<void> {
  const rt = t.sandbox.registry.byKind('Deployment', 'apps')!;
  if (deployment(name)) t.sandbox.cluster.delete(rt, NS, name);
  await t.sandbox.settle();
}

/** A line the reporter prints for one engine event, or the final state. */
const EVENT_LINE =
  /^(rendered \d+ objects?(; .*)?|namespace \S+ created|applying [a-z-]+ \(\d+\)|(created|configured|unchanged|validated|established) +[A-Za-z]+\/\S+|(Healthy|Suspended|Progressing|Missing|Degraded|Unknown) +[A-Za-z]+\/\S+(: .*)?|repeated +[A-Za-z]+\/\S+: .*|warning: .*|switched \S+ to \S+|deleted \S+|\d+ created, \d+ configured, \d+ unchanged in \d+\.\ds|\d+ validated in \d+\.\ds|done|applied|validated|(failed|timeout): .*)$/;

const WEB_ARGS = ['-f', fixture('web.yaml'), '--namespace', NS, '--image', 'nginx=1.27'];

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

describe('conveyor apply', () => {
  it('applies a ConfigMap and a Deployment with --var and --image, waits, and prints one line per event', async () => {
    // Act
    const run = await conveyorApply([...WEB_ARGS, '--kubeconfig', t.kubeconfigPath, '--var', 'Greeting=hello', '--var', 'Replicas=2', '--wait']);

    // Assess: exit code and the objects as the cluster holds them.
    expect(run.code, shown(run)).toBe(0);
    expect(configMap('web-config')?.data).toEqual({ greeting: 'hello', environment: 'local' });
    const web = deployment('web')!;
    expect(web.spec.replicas).toBe(2);
    expect(web.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(web.status).toMatchObject({ observedGeneration: web.metadata.generation, updatedReplicas: 2, availableReplicas: 2 });

    // Assess: not a TTY, so plain lines, one per event, no cursor movement.
    expect(run.stdout).not.toMatch(/\x1b|\r/);
    expect(run.stdout.endsWith('\n')).toBe(true);
    const lines = run.stdout.slice(0, -1).split('\n');
    for (const line of lines) expect(line).toMatch(EVENT_LINE);
    expect(lines).toEqual(
      expect.arrayContaining([
        'rendered 2 objects; variables: Conveyor.Environment.Name, Greeting, Replicas; images bound: docker.io/library/nginx=1.27 (1)',
        `namespace ${NS} created`,
        'applying config-and-storage (1)',
        `created      ConfigMap/${NS}/web-config`,
        'applying workloads (1)',
        `created      Deployment/${NS}/web`,
        `Healthy      Deployment/${NS}/web: 2 of 2 replicas available`,
      ]),
    );
    expect(lines.indexOf(`created      ConfigMap/${NS}/web-config`)).toBeLessThan(lines.indexOf(`created      Deployment/${NS}/web`));
    // No line names its object twice, and the tracker's first-read wait is not shown.
    for (const line of lines) expect(line).not.toMatch(/(ConfigMap|Deployment)\/\S+: (ConfigMap|Deployment)\//);
    expect(run.stdout).not.toContain('waiting for the first live read');
    expect(lines.at(-2)).toMatch(/^2 created, 0 configured, 0 unchanged in \d+\.\ds$/);
    expect(lines.at(-1)).toBe('done');
    expect(run.stderr).toBe('');
  });

  it('re-applies the same input with --output json: outcome unchanged, state done, status per object', async () => {
    // Prepare
    const before = deployment('web')!.metadata.resourceVersion;

    // Act
    const run = await conveyorApply([...WEB_ARGS, '--kubeconfig', t.kubeconfigPath, '--var', 'Greeting=hello', '--var', 'Replicas=2', '--wait', '--output', 'json']);

    // Assess: stdout is exactly one JSON document, the final result.
    expect(run.code, shown(run)).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toEqual({
      state: 'done',
      summary: { created: 0, configured: 0, unchanged: 2, validated: 0 },
      objects: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'web-config', outcome: 'unchanged', status: 'Healthy', message: 'ConfigMap/web-config: applied' },
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web', outcome: 'unchanged', status: 'Healthy', message: 'Deployment/web: 2 of 2 replicas available' },
      ],
      bindings: {
        images: [{ repository: 'docker.io/library/nginx', value: '1.27', containers: 1 }],
        keptImages: [],
        unboundContainers: [],
        variables: ['Conveyor.Environment.Name', 'Greeting', 'Replicas'],
      },
      warnings: [],
      timings: { renderedMs: expect.any(Number), appliedMs: expect.any(Number), elapsedMs: expect.any(Number) },
    });
    expect(result.timings.renderedMs).toBeLessThanOrEqual(result.timings.appliedMs);
    expect(result.timings.appliedMs).toBeLessThanOrEqual(result.timings.elapsedMs);
    expect(deployment('web')!.metadata.resourceVersion).toBe(before);
  });

  it('--dry-run validates on the server and changes nothing', async () => {
    // Prepare
    const before = await settledVersion();

    // Act: new values, and a file with objects that do not exist yet.
    const run = await conveyorApply([
      ...WEB_ARGS,
      '-f',
      fixture('settings.yaml'),
      '--kubeconfig',
      t.kubeconfigPath,
      '--var',
      'Greeting=changed',
      '--var',
      'Replicas=3',
      '--dry-run',
      '--output',
      'json',
    ]);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.state).toBe('validated');
    expect(result.objects.map((o: { kind: string; name: string; outcome: string }) => `${o.kind}/${o.name} ${o.outcome}`)).toEqual([
      'ConfigMap/web-config validated',
      'Deployment/web validated',
      'ConfigMap/settings validated',
    ]);
    expect(await settledVersion()).toBe(before);
    expect(configMap('web-config')?.data.greeting).toBe('hello');
    expect(deployment('web')!.spec.replicas).toBe(2);
    expect(configMap('settings')).toBeUndefined();
  });

  it.each([
    {
      name: 'a token the cluster does not know',
      kubeconfig: () => writeUserKubeconfig(t, 'wrong-token', { token: 'not-the-admin-token-4f1c9e' }, NS),
      expect: 'the cluster rejected the credentials of the token account (401 Unauthorized)',
      secret: 'not-the-admin-token-4f1c9e',
    },
    {
      name: 'a server nobody listens on',
      kubeconfig: async () => {
        const file = join(t.dir, 'kubeconfig-closed-port');
        writeFileSync(file, t.sandbox.kubeconfig.replace(t.sandbox.url, `https://127.0.0.1:${await closedPort()}`), { mode: 0o600 });
        return file;
      },
      expect: 'cannot reach https://127.0.0.1:',
    },
    {
      name: 'every patch answered 503',
      kubeconfig: () => t.kubeconfigPath,
      faults: true,
      expect: 'failed: the API server answered 503 ServiceUnavailable',
    },
  ])('exits 3 on a cluster error: $name, and changes nothing', async (c) => {
    // Prepare
    const kubeconfig = await c.kubeconfig();
    const before = await settledVersion();
    if (c.faults) t.sandbox.faults.set([{ status: 503, rate: 1, verb: 'patch' }]);

    // Act
    let run: Run;
    try {
      // Every request is retried until the deadline: a short one keeps the test short.
      run = await conveyorApply([...WEB_ARGS, '--kubeconfig', kubeconfig, '--var', 'Greeting=cluster-error', '--var', 'Replicas=1', '--wait', '--timeout', '4']);
    } finally {
      t.sandbox.faults.set([]);
    }

    // Assess
    expect(run.code, shown(run)).toBe(3);
    expect(run.stderr).toContain(c.expect);
    if (c.secret) expect(`${run.stdout}${run.stderr}`).not.toContain(c.secret);
    expect(await settledVersion()).toBe(before);
    expect(configMap('web-config')?.data.greeting).toBe('hello');
  });

  it('keeps a --sensitive-var value out of stdout and stderr (text, json, and a rejection quoting it) while the cluster holds it', async () => {
    // Prepare
    const secret = 'Sup3r!Secret#Value-9431';
    const common = ['--kubeconfig', t.kubeconfigPath, '--namespace', NS, '--sensitive-var', `DbPassword=${secret}`];
    const applied = ['-f', fixture('sensitive.yaml'), ...common];
    const rejected = ['-f', fixture('sensitive-rejected.yaml'), ...common];
    const leaks = (run: Run) => [secret, Buffer.from(secret).toString('base64')].filter((s) => run.stdout.includes(s) || run.stderr.includes(s));

    // Act
    const text = await conveyorApply([...applied, '--wait']);
    const json = await conveyorApply([...applied, '--output', 'json']);
    const rejectedText = await conveyorApply(rejected);
    const rejectedJson = await conveyorApply([...rejected, '--output', 'json']);

    // Assess: applied, and the cluster holds the real value.
    expect(text.code, shown(text)).toBe(0);
    expect(json.code, shown(json)).toBe(0);
    expect(JSON.parse(json.stdout).state).toBe('applied');
    const stored = store().get('/secrets', NS, 'db-credentials')!;
    expect(Buffer.from(stored.data.password, 'base64').toString('utf8')).toBe(secret);
    expect(configMap('db-settings')?.data.dsn).toBe(`postgres://app:${secret}@db:5432/app`);
    // The server quotes the invalid label value; the command shows it as ***.
    const quoted = 'metadata.labels: Invalid value: "***"';
    expect(rejectedText.code, shown(rejectedText)).toBe(2);
    expect(rejectedText.stderr).toContain(quoted);
    expect(rejectedJson.code, shown(rejectedJson)).toBe(2);
    expect(JSON.parse(rejectedJson.stdout)).toMatchObject({ state: 'error', error: { type: 'ObjectsRejectedError', message: expect.stringContaining(quoted) } });
    expect(configMap('db-label')).toBeUndefined();
    // Nowhere in any output.
    for (const run of [text, json, rejectedText, rejectedJson]) expect(leaks(run), shown(run)).toEqual([]);
  });

  it('applies a DeployContainers spec: Deployment, Service and a ConfigMap per deployment id, the older one cleaned up after the wait', async () => {
    // Prepare
    const args = (id: string, greeting: string) => [
      '-f',
      fixture('deploy-containers.yaml'),
      '--kubeconfig',
      t.kubeconfigPath,
      '--namespace',
      NS,
      '--image',
      'nginx=1.27',
      '--var',
      `Greeting=${greeting}`,
      '--deployment-id',
      id,
      '--wait',
    ];

    // Act: first deployment
    const first = await conveyorApply(args('d1', 'hello'));

    // Assess
    expect(first.code, shown(first)).toBe(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe('done');
    const shop = deployment('shop')!;
    expect(shop.spec.template.spec.containers[0]).toMatchObject({ name: 'web', image: 'nginx:1.27', envFrom: [{ configMapRef: { name: 'shop-d1' } }] });
    expect(shop.status).toMatchObject({ observedGeneration: shop.metadata.generation, updatedReplicas: 2, availableReplicas: 2 });
    expect(store().get('/services', NS, 'shop')?.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 'http' })]);
    expect(configMap('shop-d1')?.data).toEqual({ GREETING: 'hello' });

    // Act: second deployment
    const second = await conveyorApply(args('d2', 'bonjour'));

    // Assess: the new config, the Deployment rolled out onto it, the older config gone.
    expect(second.code, shown(second)).toBe(0);
    expect(configMap('shop-d2')?.data).toEqual({ GREETING: 'bonjour' });
    const rolled = deployment('shop')!;
    expect(rolled.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'shop-d2' } }]);
    expect(rolled.status).toMatchObject({ observedGeneration: rolled.metadata.generation, updatedReplicas: 2, availableReplicas: 2 });
    expect(configMap('shop-d1')).toBeUndefined();
    const lines = second.stdout.trimEnd().split('\n');
    expect(lines).toContain(`deleted ConfigMap/${NS}/shop-d1`);
    expect(lines.indexOf(`deleted ConfigMap/${NS}/shop-d1`)).toBeGreaterThan(lines.findIndex((l) => l.startsWith(`Healthy      Deployment/${NS}/shop`)));
    expect(lines.at(-1)).toBe('done');
  });

  it('exits 1 when the rollout fails, naming ProgressDeadlineExceeded and the pod and container reason', async () => {
    try {
      // Act
      const run = await conveyorApply(['-f', fixture('rollout-fails.yaml'), '--kubeconfig', t.kubeconfigPath, '--namespace', NS, '--wait', '--timeout', '30']);

      // Assess
      expect(run.code, shown(run)).toBe(1);
      const last = run.stdout.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(/^failed: Deployment\/broken: ProgressDeadlineExceeded: /);
      expect(last).toMatch(/pod broken-[a-z0-9]+-[a-z0-9]+ container app: (ErrImagePull|ImagePullBackOff)/);
      expect(run.stdout).toMatch(/^Degraded +Deployment\/team-a\/broken: .*ProgressDeadlineExceeded/m);
      // Ended by the Deployment's 2 s progress deadline, not by --timeout 30.
      expect(run.stdout).not.toMatch(/^timeout: /m);
    } finally {
      await deleteDeployment('broken');
    }
  });

  it('quotes the readiness probe failure from the pod events for a pod that runs but is not ready', async () => {
    try {
      // Act
      const run = await conveyorApply(['-f', fixture('rollout-probe-errored.yaml'), '--kubeconfig', t.kubeconfigPath, '--namespace', NS, '--wait', '--timeout', '5']);

      // Assess
      expect(run.code, shown(run)).toBe(1);
      const last = run.stdout.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(/^timeout: Deployment\/unready: Timeout: /);
      expect(last).toMatch(
        /pod unready-[a-z0-9]+-[a-z0-9]+ container app: ContainersNotReady: running but not ready \(Readiness probe errored: .*exec: "no-such-check": executable file not found in \$PATH/,
      );
    } finally {
      await deleteDeployment('unready');
    }
  });

  it('exits 1 with state timeout when --timeout runs out first', async () => {
    try {
      // Act
      const run = await conveyorApply(['-f', fixture('rollout-slow.yaml'), '--kubeconfig', t.kubeconfigPath, '--namespace', NS, '--wait', '--timeout', '2', '--output', 'json']);

      // Assess
      expect(run.code, shown(run)).toBe(1);
      const result = JSON.parse(run.stdout);
      expect(result.state).toBe('timeout');
      expect(result.objects).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'slow', outcome: 'created', status: 'Progressing' })]);
      expect(result.failure).toMatchObject({ ref: { kind: 'Deployment', name: 'slow' }, reason: 'Timeout' });
      expect(result.failure.message).toContain('timed out after 2s');
      // It gave up while the rollout was still under way (its pod turns ready only after 60 s).
      expect(deployment('slow')?.status?.availableReplicas ?? 0).toBe(0);
    } finally {
      await deleteDeployment('slow');
    }
  });
});

describe('conveyor apply: the namespace guard', () => {
  /** A ConfigMap that names no namespace, written to the sandbox's directory. */
  const unplaced = (name: string) => {
    const file = join(t.dir, `${name}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`);
    return file;
  };

  it('without --namespace and --admin, confines objects to the context namespace', async () => {
    // Prepare: a context whose namespace is team-a; the admin token could write anywhere.
    const kubeconfig = writeUserKubeconfig(t, 'team-a-context', { token: t.sandbox.credentials.adminToken }, NS);

    // Act
    const run = await conveyorApply(['-f', unplaced('confined-default'), '--kubeconfig', kubeconfig, '--output', 'json']);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(JSON.parse(run.stdout).objects).toEqual([expect.objectContaining({ kind: 'ConfigMap', namespace: NS, name: 'confined-default', outcome: 'created' })]);
    expect(configMap('confined-default')).toBeDefined();
    expect(store().get('/configmaps', 'default', 'confined-default')).toBeUndefined();
  });

  it('--admin applies cluster-scoped kinds, and objects naming no namespace go to --default-namespace', async () => {
    // Act: the sandbox kubeconfig's context namespace is "default".
    const run = await conveyorApply(['-f', unplaced('admin-default'), '-f', fixture('cluster-role.yaml'), '--kubeconfig', t.kubeconfigPath, '--admin', '--default-namespace', NS]);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(configMap('admin-default')).toBeDefined();
    expect(store().get('/configmaps', 'default', 'admin-default')).toBeUndefined();
    expect(store().get('rbac.authorization.k8s.io/clusterroles', undefined, 'settings-reader')?.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }]);
  });
});

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
