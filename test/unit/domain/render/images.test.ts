import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import type { Manifest } from '#domain/model.ts';
import { parseImageMap, substituteImages, unusedImageEntries } from '#domain/render/images.ts';
import { rendered, thrown } from './fixtures.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

const podSpec = (image: string, initImage = 'busybox:1.35') => ({
  initContainers: [{ name: 'init', image: initImage }],
  containers: [{ name: 'app', image }],
});

/** One object of each workload kind, all running `image`. */
function workloads(image: string): Manifest[] {
  const template = { metadata: { labels: { app: 'x' } }, spec: podSpec(image) };
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deploy' }, spec: { template } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'stateful' }, spec: { template } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'daemon' }, spec: { template } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'replicas' }, spec: { template } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec: { ...podSpec(image), ephemeralContainers: [{ name: 'debug', image }] } },
  ];
}

const imageAt = (object: Manifest, path: (string | number)[]): unknown => path.reduce<any>((node, key) => node?.[key], object);
const CONTAINER_PATHS: Record<string, (string | number)[]> = {
  Deployment: ['spec', 'template', 'spec', 'containers', 0, 'image'],
  StatefulSet: ['spec', 'template', 'spec', 'containers', 0, 'image'],
  DaemonSet: ['spec', 'template', 'spec', 'containers', 0, 'image'],
  ReplicaSet: ['spec', 'template', 'spec', 'containers', 0, 'image'],
  Job: ['spec', 'template', 'spec', 'containers', 0, 'image'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'image'],
  Pod: ['spec', 'containers', 0, 'image'],
};

describe('substituteImages', () => {
  it('pins the container and init container of every workload kind by digest, keeping the registry spelling', () => {
    // Prepare
    const objects = workloads('index.docker.io/nginx:1.25').map((object) => rendered(object));

    // Act
    const { objects: result } = substituteImages(objects, { 'docker.io/library/nginx': DIGEST, busybox: '1.36' });

    // Assess
    for (const { object, redacted } of result) {
      const path = CONTAINER_PATHS[object.kind];
      expect(imageAt(object, path), object.kind).toBe(`index.docker.io/nginx@${DIGEST}`);
      expect(imageAt(redacted, path), object.kind).toBe(`index.docker.io/nginx@${DIGEST}`);
      const initPath = [...path.slice(0, -3), 'initContainers', 0, 'image'];
      expect(imageAt(object, initPath), object.kind).toBe('busybox:1.36');
    }
    expect(imageAt(result[6].object, ['spec', 'ephemeralContainers', 0, 'image'])).toBe(`index.docker.io/nginx@${DIGEST}`);
  });

  it('swaps a tag for a tag, drops a stale digest, and accepts tag@digest values', () => {
    // Prepare
    const objects = [rendered(workloads(`localhost:5000/team/app:old@${DIGEST}`)[0])];

    // Act
    const byTag = substituteImages(objects, { 'localhost:5000/team/app': '2.0' }).objects[0].object;
    const byBoth = substituteImages(objects, { 'localhost:5000/team/app': `2.0@${DIGEST}` }).objects[0].object;

    // Assess
    expect(imageAt(byTag, CONTAINER_PATHS.Deployment)).toBe('localhost:5000/team/app:2.0');
    expect(imageAt(byBoth, CONTAINER_PATHS.Deployment)).toBe(`localhost:5000/team/app:2.0@${DIGEST}`);
  });

  it.each([
    // A version alone keeps the registry as each manifest spelled it.
    ['REPO=@DIGEST', { nginx: `@${DIGEST}` }, (written: string) => written.replace(':1.25', `@${DIGEST}`)],
    ['REPO=NEWREPO:TAG (a private mirror)', { nginx: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx:1.27' }, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx:1.27'],
    ['REPO=NEWREPO@DIGEST', { 'docker.io/nginx': `mirror.example.com/nginx@${DIGEST}` }, `mirror.example.com/nginx@${DIGEST}`],
    ['REPO=NEWREPO:TAG on Docker Hub', { nginx: 'nginx:1.28' }, 'nginx:1.28'],
    ["REPO=NEWREPO without a version (keeps the container's tag)", { nginx: 'mirror.example.com:5000/nginx' }, 'mirror.example.com:5000/nginx:1.25'],
  ])('rewrites the whole reference for %s', (_form, images, expected) => {
    // Prepare: the Docker Hub spellings all name one repository.
    const objects = ['nginx:1.25', 'docker.io/nginx:1.25', 'docker.io/library/nginx:1.25'].map((image) => rendered(workloads(image)[0]));

    // Act
    const result = substituteImages(objects, images);

    // Assess
    result.objects.forEach(({ object }, i) => {
      const written = imageAt(objects[i].object, CONTAINER_PATHS.Deployment) as string;
      expect(imageAt(object, CONTAINER_PATHS.Deployment)).toBe(typeof expected === 'string' ? expected : expected(written));
    });
    expect(result.report.entries[0].bindings).toHaveLength(3);
    expect(result.report.repositories).toEqual(['docker.io/library/busybox', 'docker.io/library/nginx']);
  });

  it('does not change its input', () => {
    const objects = [rendered(workloads('nginx:1.25')[0])];
    substituteImages(objects, { nginx: '1.27' });
    expect(imageAt(objects[0].object, CONTAINER_PATHS.Deployment)).toBe('nginx:1.25');
  });

  it('reports what each entry bound and which containers matched nothing', () => {
    // Prepare
    const objects = [rendered(workloads('nginx:1.25')[0], { file: 'web.yaml', document: 2, line: 7 })];

    // Act
    const { report } = substituteImages(objects, { nginx: '1.27', 'ghcr.io/org/unused': '1.0' });

    // Assess
    expect(report.entries).toEqual([
      {
        key: 'nginx',
        repository: 'docker.io/library/nginx',
        value: '1.27',
        bindings: [{ object: 'Deployment/deploy', field: 'containers', container: 'app', source: { file: 'web.yaml', document: 2, line: 7 }, from: 'nginx:1.25', to: 'nginx:1.27' }],
      },
      { key: 'ghcr.io/org/unused', repository: 'ghcr.io/org/unused', value: '1.0', bindings: [] },
    ]);
    expect(report.unmatched).toEqual([{ object: 'Deployment/deploy', field: 'initContainers', container: 'init', source: { file: 'web.yaml', document: 2, line: 7 }, image: 'busybox:1.35' }]);
  });

  it('leaves objects without pod templates, and custom kinds named like workloads, alone', () => {
    // Prepare
    const custom: Manifest = { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: podSpec('nginx') } } };

    // Act
    const { objects, report } = substituteImages([rendered(custom)], { nginx: '1.27' });

    // Assess
    expect(imageAt(objects[0].object, CONTAINER_PATHS.Deployment)).toBe('nginx');
    expect(report.unmatched).toEqual([]);
  });

  it('refuses a container image that is not a valid reference, naming the container and place', () => {
    // Act
    const error = thrown(() => substituteImages([rendered(workloads('Nginx:Latest')[0], { file: 'web.yaml', document: 1, line: 3 })], {}));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toBe('web.yaml: document 1, line 3: containers "app" of Deployment/deploy: image "Nginx:Latest" is not a valid reference: repository name must be lowercase');
  });

  it('shows *** for an image that holds a sensitive value', () => {
    // Prepare
    const object = rendered(workloads('registry.example.com/hunter2/app:1')[0]);
    object.redacted.spec.template.spec.containers[0].image = 'registry.example.com/***/app:1';

    // Act
    const { objects, report } = substituteImages([object], { 'registry.example.com/hunter2/app': '2' });

    // Assess
    expect(report.entries[0].bindings.map(({ from, to }) => [from, to])).toEqual([['***', '***']]);
    expect(JSON.stringify(objects[0].redacted)).not.toContain('hunter2');
    expect(imageAt(objects[0].object, CONTAINER_PATHS.Deployment)).toBe('registry.example.com/hunter2/app:2');
  });
});

describe('unusedImageEntries', () => {
  it('names the entries that bound no container in any report, in map order', () => {
    // Prepare: the manifests use nginx; a deploy-containers spec uses redis.
    const images = { nginxx: '1.27', nginx: '1.27', redis: '7', 'ghcr.io/org/app': '2' };
    const manifests = substituteImages([rendered(workloads('nginx:1.25')[0])], images).report;
    const spec = substituteImages([rendered({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'redis:6' }] } })], images).report;

    // Act
    const unused = unusedImageEntries([manifests, spec]);

    // Assess
    expect(unused).toEqual([
      { key: 'nginxx', repository: 'docker.io/library/nginxx', value: '1.27' },
      { key: 'ghcr.io/org/app', repository: 'ghcr.io/org/app', value: '2' },
    ]);
  });
});

describe('parseImageMap', () => {
  it.each([
    [{ 'NGINX/App': '1.0' }, 'image map entry "NGINX/App": "1.0": invalid repository: repository name must be lowercase'],
    [{ 'nginx:1.27': '1.28' }, 'image map entry "nginx:1.27": "1.28": the key must be a repository without tag or digest'],
    [{ nginx: 'sha256:abc' }, 'image map entry "nginx": "sha256:abc": a sha256 digest has 64 hex digits, found 3'],
    [{ nginx: 'Nginx:1.28' }, 'image map entry "nginx": "Nginx:1.28": invalid image reference: repository name must be lowercase'],
    [{ nginx: 'mirror.example.com/nginx:bad tag' }, 'image map entry "nginx": "mirror.example.com/nginx:bad tag": invalid image reference: invalid tag "bad tag"'],
    [{ nginx: '@sha256:12' }, 'image map entry "nginx": "@sha256:12": a sha256 digest has 64 hex digits, found 2'],
    [{ nginx: '' }, 'image map entry "nginx": "": empty value: expected a tag, a digest (sha256:<64 hex digits>) or an image reference'],
    [{ nginx: '1.27', 'docker.io/library/nginx': '1.28' }, 'image map entry "docker.io/library/nginx": "1.28": "nginx" names the same repository docker.io/library/nginx'],
  ])('refuses %j', (images, expected) => {
    // Act
    const error = thrown(() => parseImageMap(images));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain(expected);
  });
});
