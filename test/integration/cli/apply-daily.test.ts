/**
 * `conveyor apply` for daily use, as a process against an in-process sandbox: every --image
 * form (and a typo refused unless --allow-unused-images), a CRD and its custom resources in one
 * apply (an invalid one leaves nothing behind; a re-apply says unchanged), --dry-run into a
 * namespace that does not exist yet (validated as the real apply would be, nothing created),
 * and what a person reads of a failing rollout (a flipping pod reason said once, with a count).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const DIGEST = `sha256:${'5e'.repeat(32)}`;
const MIRROR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx';

const shown = (run: ConveyorRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

let t: TestSandbox;
const store = () => t.sandbox.cluster.store;
const apply = (args: string[]) => runConveyor(['apply', '--kubeconfig', t.kubeconfigPath, ...args]);

/** The image of the first container of each workload of images-every-kind.yaml, and the init container's. */
function imagesIn(ns: string): Record<string, string | undefined> {
  const podSpec = (resource: string, name: string, path: string[]) => path.reduce<any>((node, key) => node?.[key], store().get(resource, ns, name));
  return {
    web: podSpec('apps/deployments', 'web', ['spec', 'template', 'spec'])?.containers[0].image,
    init: podSpec('apps/deployments', 'web', ['spec', 'template', 'spec'])?.initContainers[0].image,
    store: podSpec('apps/statefulsets', 'store', ['spec', 'template', 'spec'])?.containers[0].image,
    agent: podSpec('apps/daemonsets', 'agent', ['spec', 'template', 'spec'])?.containers[0].image,
    nightly: podSpec('batch/cronjobs', 'nightly', ['spec', 'jobTemplate', 'spec', 'template', 'spec'])?.containers[0].image,
    migrate: podSpec('batch/jobs', 'migrate', ['spec', 'template', 'spec'])?.containers[0].image,
  };
}

/** The store's resourceVersion once the controllers are idle: unchanged means nothing was written. */
async function settledVersion(): Promise<number> {
  await t.sandbox.settle();
  return store().resourceVersion;
}

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

describe('conveyor apply --image', () => {
  it.each([
    { form: 'REPO=TAG', image: 'nginx=1.27', expect: { web: 'nginx:1.27', store: 'docker.io/nginx:1.27', agent: 'docker.io/library/nginx:1.27', nightly: 'nginx:1.27' } },
    { form: 'REPO:TAG', image: 'docker.io/library/nginx:1.27', expect: { web: 'nginx:1.27', store: 'docker.io/nginx:1.27', agent: 'docker.io/library/nginx:1.27', nightly: 'nginx:1.27' } },
    { form: 'REPO=@DIGEST', image: `nginx=@${DIGEST}`, expect: { web: `nginx@${DIGEST}`, store: `docker.io/nginx@${DIGEST}`, agent: `docker.io/library/nginx@${DIGEST}`, nightly: `nginx@${DIGEST}` } },
    {
      form: 'REPO@DIGEST',
      image: `docker.io/nginx@${DIGEST}`,
      expect: { web: `nginx@${DIGEST}`, store: `docker.io/nginx@${DIGEST}`, agent: `docker.io/library/nginx@${DIGEST}`, nightly: `nginx@${DIGEST}` },
    },
    { form: 'REPO=NEWREPO:TAG (a private ECR mirror)', image: `nginx=${MIRROR}:1.27`, expect: { web: `${MIRROR}:1.27`, store: `${MIRROR}:1.27`, agent: `${MIRROR}:1.27`, nightly: `${MIRROR}:1.27` } },
    {
      form: 'REPO=NEWREPO@DIGEST',
      image: `nginx=${MIRROR}@${DIGEST}`,
      expect: { web: `${MIRROR}@${DIGEST}`, store: `${MIRROR}@${DIGEST}`, agent: `${MIRROR}@${DIGEST}`, nightly: `${MIRROR}@${DIGEST}` },
    },
  ])('$form sets every nginx container, whatever its spelling, kind or tag, and leaves the init container', async (c) => {
    // Prepare
    const ns = `img-${c.form
      .split(' ')[0]
      .toLowerCase()
      .replace(/[^a-z]+/g, '-')
      .replace(/-$/, '')}`;

    // Act
    const run = await apply(['-f', fixture('images-every-kind.yaml'), '-n', ns, '--image', c.image]);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(imagesIn(ns)).toEqual({ ...c.expect, migrate: c.expect.web, init: 'busybox:1.36' });
    expect(run.stdout).toMatch(/images bound: docker\.io\/library\/nginx=\S+ \(5\); 1 container keeps its image: busybox:1\.36 \(1\)/);
  });

  it('refuses an --image that matches no container (exit 2), naming it and the repositories in use; nothing applied', async () => {
    // Prepare
    const before = await settledVersion();

    // Act
    const run = await apply(['-f', fixture('images-every-kind.yaml'), '-n', 'img-typo', '--image', 'nginx=1.27', '--image', 'ngnix:1.27']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain(
      'conveyor apply: --image "ngnix:1.27" matches no container (init containers and every pod template included); the manifests use docker.io/library/busybox, docker.io/library/nginx. Fix the repository, or pass --allow-unused-images',
    );
    expect(await settledVersion()).toBe(before);
    expect(store().get('/namespaces', undefined, 'img-typo')).toBeUndefined();
  });

  it('applies with an unused --image when --allow-unused-images says so', async () => {
    // Act
    const run = await apply(['-f', fixture('images-every-kind.yaml'), '-n', 'img-allowed', '--image', 'redis=7', '--allow-unused-images', '--output', 'json']);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(imagesIn('img-allowed').web).toBe('nginx:1.25');
    expect(JSON.parse(run.stdout).bindings.images).toEqual([{ repository: 'docker.io/library/redis', value: '7', containers: 0 }]);
  });

  it('refuses a malformed --image value (exit 2), naming it; nothing applied', async () => {
    // Act
    const run = await apply(['-f', fixture('images-every-kind.yaml'), '-n', 'img-malformed', '--image', 'nginx=sha256:12']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain('conveyor apply: image map entry "nginx": "sha256:12": a sha256 digest has 64 hex digits, found 2');
    expect(store().get('/namespaces', undefined, 'img-malformed')).toBeUndefined();
  });
});

describe('conveyor apply: a CRD and its custom resources', () => {
  const CRD = 'apiextensions.k8s.io/customresourcedefinitions';
  const widget = (ns: string, name: string) => store().get('example.com/widgets', ns, name);

  it('an invalid custom resource of a new CRD is exit 2 and leaves nothing: no CRD, no namespace, no resource', async () => {
    // Act
    const run = await apply(['-f', fixture('widgets-crd.yaml'), '-f', fixture('widget.yaml'), '-f', fixture('widget-invalid.yaml'), '--admin', '--default-namespace', 'crs-rejected']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain('the cluster rejected 1 object; nothing was applied');
    expect(run.stderr).toContain('Widget/crs-rejected/broken');
    expect(run.stdout).toContain('deleted CustomResourceDefinition/widgets.example.com');
    await t.sandbox.settle();
    expect(store().get(CRD, undefined, 'widgets.example.com')).toBeUndefined();
    expect(store().get('/namespaces', undefined, 'crs-rejected')).toBeUndefined();
  });

  it('creates the CRD and its resource in one apply, then reports both unchanged on a re-apply', async () => {
    // Prepare
    const args = ['-f', fixture('widgets-crd.yaml'), '-f', fixture('widget.yaml'), '--admin', '--default-namespace', 'crs', '--output', 'json'];

    // Act
    const first = await apply(args);
    const again = await apply(args);

    // Assess
    expect(first.code, shown(first)).toBe(0);
    expect(widget('crs', 'small')?.spec).toEqual({ size: 3 });
    const outcomes = (run: ConveyorRun) => JSON.parse(run.stdout).objects.map((o: { kind: string; outcome: string }) => `${o.kind} ${o.outcome}`);
    expect(outcomes(first)).toEqual(['CustomResourceDefinition created', 'Widget created']);
    expect(again.code, shown(again)).toBe(0);
    expect(outcomes(again)).toEqual(['CustomResourceDefinition unchanged', 'Widget unchanged']);
  });

  it('an invalid custom resource of an existing CRD is rejected by the dry run with everything else: exit 2, nothing applied', async () => {
    // Prepare: the CRD exists from the test before.
    const before = await settledVersion();

    // Act
    const run = await apply(['-f', fixture('widgets-crd.yaml'), '-f', fixture('widget-invalid.yaml'), '-f', fixture('settings.yaml'), '--admin', '--default-namespace', 'crs']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain('spec.size');
    expect(await settledVersion()).toBe(before);
    expect(widget('crs', 'broken')).toBeUndefined();
  });
});

describe('conveyor apply --dry-run into a namespace that does not exist yet', () => {
  it('rejects an invalid Deployment as the real apply would (exit 2), naming its own namespace, and creates nothing', async () => {
    // Prepare
    const before = await settledVersion();

    // Act
    const run = await apply(['-f', fixture('selector-mismatch.yaml'), '-n', 'not-yet', '--dry-run']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain('Deployment/not-yet/mismatched');
    expect(run.stderr).toContain('`selector` does not match template `labels`');
    expect(run.stderr).toContain('apply Deployment not-yet/mismatched was rejected');
    expect(await settledVersion()).toBe(before);
    expect(store().get('/namespaces', undefined, 'not-yet')).toBeUndefined();
    expect(store().get('apps/deployments', 'default', 'mismatched')).toBeUndefined();
  });

  it('validates valid objects there (exit 0) and creates nothing', async () => {
    // Prepare
    const before = await settledVersion();

    // Act
    const run = await apply(['-f', fixture('web.yaml'), '-n', 'not-yet', '--var', 'Greeting=hi', '--var', 'Replicas=1', '--image', 'nginx=1.27', '--dry-run']);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout.trimEnd().split('\n').slice(-2)).toEqual([expect.stringMatching(/^2 validated in \d+\.\ds$/), 'validated']);
    expect(await settledVersion()).toBe(before);
    expect(store().get('/namespaces', undefined, 'not-yet')).toBeUndefined();
  });
});

describe('conveyor apply: what a person reads of a failing rollout', () => {
  it('says a flipping pod reason once, then how often it came back; ends with the counts and the state', async () => {
    // Act
    const run = await apply(['-f', fixture('rollout-fails.yaml'), '-n', 'flapping', '--wait', '--timeout', '30']);

    // Assess
    expect(run.code, shown(run)).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    const pulls = lines.filter((l) => /^Progressing +Deployment\/flapping\/broken: .*(ErrImagePull|ImagePullBackOff)/.test(l));
    expect(pulls, shown(run)).toHaveLength(1);
    expect(lines).toContainEqual(expect.stringMatching(/^repeated +Deployment\/flapping\/broken: (ErrImagePull ↔ ImagePullBackOff|ImagePullBackOff ↔ ErrImagePull), \d+ more times?$/));
    expect(lines.at(-2)).toMatch(/^1 created, 0 configured, 0 unchanged in \d+\.\ds$/);
    expect(lines.at(-1)).toMatch(/^failed: Deployment\/broken: ProgressDeadlineExceeded/);
  });
});
