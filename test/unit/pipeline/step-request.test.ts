/**
 * The engine's request for a step, from a release snapshot: a deploy-containers spec becomes the
 * document form the engine finds among the manifests (and reads back as the same spec), the
 * release's images become its image map (pinned by digest when known), and the render context
 * names environment and target by id, as variable scopes do.
 */
import { describe, expect, it } from 'vitest';
import { parseDeployContainersDocument } from '#domain/containers/document.ts';
import { validateDeployContainers } from '#domain/containers/validate.ts';
import type { Target } from '#domain/model.ts';
import type { ApplyManifestsStep, DeployContainersStep, Deployment, Release } from '#domain/pipeline/model.ts';
import { imageMap, stepFiles, stepRequest } from '#functions/app/tasks/step-request.ts';
import { rawSpec } from '../domain/containers/fixtures.ts';

describe('stepFiles', () => {
  it('turns a deploy-containers spec into its document form, which reads back as the same spec', () => {
    // Prepare
    const spec = validateDeployContainers(rawSpec({ secret: { items: { 'db-password': '#{DbPassword}' }, sensitive: true } }));
    const step: DeployContainersStep = { kind: 'deploy-containers', name: 'web', targetTags: ['web'], timeoutSeconds: 300, spec };

    // Act
    const [file] = stepFiles(step);

    // Assess
    expect(file!.name).toBe('web.deploy-containers.json');
    expect(parseDeployContainersDocument(JSON.parse(file!.content))).toEqual(spec);
  });
});

describe('imageMap', () => {
  it('pins an image by digest when the release knows it', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(
      imageMap([
        { repository: 'registry.example/web', tag: '1.2.0', digest },
        { repository: 'nginx', tag: '1.27' },
      ]),
    ).toEqual({ 'registry.example/web': `1.2.0@${digest}`, nginx: '1.27' });
  });
});

describe('stepRequest', () => {
  it('renders with ids for environment and target, the release version as release number, and waits for the rollout', () => {
    // Prepare
    const deployment = { id: 'd-1', projectId: 'shop', environmentId: 'prod', releaseVersion: '2.1.0' } as Deployment;
    const step: ApplyManifestsStep = { kind: 'apply-manifests', name: 'web', targetTags: ['web'], timeoutSeconds: 90, manifests: [{ name: 'web.yaml', content: 'kind: ConfigMap' }] };
    const release = { snapshot: { images: [] } } as unknown as Release;
    const target: Target = { name: 'prod-eu', namespace: 'shop', tags: ['web'], account: { kind: 'token', token: 't' } };

    // Act
    const request = stepRequest({ deployment, step, release }, target, []);

    // Assess
    expect(request).toMatchObject({
      context: { environment: 'prod', project: 'shop', releaseNumber: '2.1.0', deploymentId: 'd-1', step: 'web', target: { name: 'prod-eu', namespace: 'shop', tags: ['web'] } },
      target: { name: 'prod-eu', namespace: 'shop' },
      wait: true,
      dryRun: false,
      force: false,
      timeoutMs: 90_000,
    });
    expect(JSON.stringify(request)).not.toContain('"token"');
  });
});
