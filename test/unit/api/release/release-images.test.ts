/**
 * Which repositories a process names (the engine's parsing, without variable values) and which
 * version each one gets: given (checked against the channel, pinned by a known push), fixed, or
 * the latest the channel accepts — every problem reported at once.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/pipeline/errors.ts';
import type { Channel, Step } from '#domain/pipeline/model.ts';
import type { ImageStore, PushedImage } from '#domain/pipeline/ports.ts';
import { chooseImages, describeRule, normalizedChannel, processRepositories } from '#functions/app/release-images.ts';

const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

/** Pushes in memory, newest first per repository, like the store. */
class MemoryImages implements ImageStore {
  private readonly pushes: PushedImage[] = [];
  async record(image: PushedImage): Promise<void> {
    this.pushes.push(image);
  }
  async list(repository: string): Promise<PushedImage[]> {
    return this.pushes.filter((p) => p.repository === repository).sort((a, b) => b.pushedAt.localeCompare(a.pushedAt));
  }
}

const manifests = (name: string, content: string): Step => ({ kind: 'apply-manifests', name, targetTags: ['web'], timeoutSeconds: 60, manifests: [{ name, content }] });

describe('processRepositories', () => {
  it('lists the container images of manifests and deploy-containers specs, normalized, skipping images that are variables', () => {
    // Prepare
    const process: Step[] = [
      manifests(
        'web.yaml',
        [
          'apiVersion: batch/v1',
          'kind: CronJob',
          'metadata: {name: report}',
          'spec:',
          '  schedule: "@daily"',
          '  jobTemplate:',
          '    spec:',
          '      template:',
          '        spec:',
          '          containers:',
          '            - {name: report, image: "nginx:#{Tag}"}',
          '            - {name: whole, image: "#{Image}"}',
          '            - {name: registry, image: "#{Registry}/web:1.0"}',
          '          initContainers:',
          `            - {name: init, image: "registry.example:5000/team/init@sha256:${'a'.repeat(64)}"}`,
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: {name: not-a-workload}',
          'data: {image: "registry.example/ignored:1"}',
        ].join('\n'),
      ),
      manifests(
        'pod.json',
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: {
            containers: [
              { name: 'p', image: 'docker.io/library/nginx:1.27' },
              { name: 'bad', image: 'Not A Reference' },
            ],
          },
        }),
      ),
      {
        kind: 'deploy-containers',
        name: 'worker',
        targetTags: ['worker'],
        timeoutSeconds: 60,
        spec: { name: 'worker', replicas: 1, labels: {}, strategy: 'Recreate', containers: [{ name: 'w', image: 'registry.example/worker:#{Tag}', ports: [], env: [] }] },
      },
      { kind: 'kubectl-script', name: 'script', targetTags: ['web'], timeoutSeconds: 60, script: 'kubectl set image deploy/web web=registry.example/script:1' },
      manifests('broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: [broken'),
    ];

    // Act
    const repositories = processRepositories(process);

    // Assess
    // Init containers come first: the engine's container field order.
    expect(repositories).toEqual(['registry.example:5000/team/init', 'docker.io/library/nginx', 'registry.example/worker']);
  });
});

describe('chooseImages', () => {
  const WEB = 'registry.example/web';
  const API = 'registry.example/api';
  const channel: Channel = normalizedChannel({
    name: 'stable',
    rules: [
      { repository: WEB, versionRange: '^1.0.0' },
      { repository: API, tagPattern: 'v\\d+' },
    ],
  });

  async function images(): Promise<MemoryImages> {
    const store = new MemoryImages();
    await store.record({ repository: WEB, tag: '1.0.0', digest: digest(1), pushedAt: '2026-01-01T00:00:00.000Z' });
    await store.record({ repository: WEB, tag: '1.2.0', digest: digest(2), pushedAt: '2026-01-02T00:00:00.000Z' });
    await store.record({ repository: WEB, tag: '2.0.0', digest: digest(3), pushedAt: '2026-01-03T00:00:00.000Z' });
    await store.record({ repository: API, tag: 'v7', digest: digest(4), pushedAt: '2026-01-01T00:00:00.000Z' });
    return store;
  }

  it('takes the given versions (any Docker spelling of the repository), pinning a known tag by its digest and a known digest by its tag', async () => {
    // Act
    const chosen = await chooseImages(await images(), { repositories: [WEB, API], channel, given: { [WEB]: digest(1), [`${API}`]: 'v7' } });

    // Assess
    expect(chosen).toEqual([
      { repository: WEB, tag: '1.0.0', digest: digest(1) },
      { repository: API, tag: 'v7', digest: digest(4) },
    ]);
  });

  it('takes the highest accepted version when none is given, and a fixed version as it is', async () => {
    // Act
    const chosen = await chooseImages(await images(), { repositories: [WEB, API], channel, fixed: [{ repository: API, tag: 'v9', digest: digest(9) }] });

    // Assess
    expect(chosen).toEqual([
      { repository: WEB, tag: '1.2.0', digest: digest(2) },
      { repository: API, tag: 'v9', digest: digest(9) },
    ]);
  });

  it('reports every problem at once: a refused tag, a stranger, nothing accepted pushed', async () => {
    // Act
    const error = await chooseImages(await images(), { repositories: [WEB, API, 'registry.example/db'], channel, given: { [WEB]: '2.0.0', 'registry.example/other': '1' } }).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      'images: "registry.example/other" is not an image of the project\'s process (its repositories: registry.example/web, registry.example/api, registry.example/db)',
      `images.${WEB}: tag "2.0.0" is not accepted by channel stable rule for ${WEB} (versionRange "^1.0.0")`,
      'images.registry.example/db: no version of registry.example/db accepted by channel stable has been pushed; give it explicitly',
    ]);
  });

  it('describes a rule, and a repository without one', () => {
    expect(describeRule(channel, API)).toBe(`channel stable rule for ${API} (tagPattern "v\\d+")`);
    expect(describeRule(channel, 'registry.example/db')).toBe('channel stable (no rule for registry.example/db: tags of 1 to 128 characters)');
  });

  it('normalizes the repositories channel rules name, as processes name them', () => {
    expect(normalizedChannel({ name: 'c', rules: [{ repository: 'nginx', tagPattern: '1' }] }).rules[0]!.repository).toBe('docker.io/library/nginx');
  });
});
