import { describe, expect, it } from 'vitest';
import { BadPatchError, PatchError, StrategicMergePatchUnsupportedError } from '../../../../local/sandbox/patch/errors.ts';
import { applyStrategicMergePatch, assertStrategicMergePatchSupported } from '../../../../local/sandbox/patch/strategic.ts';
import { deployment, deploymentSchema, schemas } from './fixtures.ts';

type Named = { name: string };
const smp = (original: unknown, patch: unknown): any => applyStrategicMergePatch(original, patch, deploymentSchema, schemas);
const podSpecPatch = (spec: Record<string, unknown>): unknown => ({ spec: { template: { spec } } });
const names = (list: Named[]): string[] => list.map((item) => item.name);

describe('applyStrategicMergePatch on a Deployment', () => {
  it('merges containers by name, keeping containers the patch does not mention', () => {
    const original = deployment();
    const patched = smp(original, podSpecPatch({ containers: [{ name: 'nginx', image: 'nginx:1.26' }] }));
    const [nginx, sidecar] = patched.spec.template.spec.containers;
    expect(names(patched.spec.template.spec.containers)).toEqual(['nginx', 'sidecar']);
    expect(nginx.image).toBe('nginx:1.26');
    expect(nginx.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(sidecar.args).toEqual(['sleep', '3600']);
    expect(original.spec.template.spec.containers[0].image).toBe('nginx:1.25');
  });

  it('merges ports by containerPort and env by name', () => {
    const patched = smp(
      deployment(),
      podSpecPatch({
        containers: [
          {
            name: 'nginx',
            ports: [{ containerPort: 443, protocol: 'TCP' }],
            env: [
              { name: 'B', value: '20' },
              { name: 'C', value: '3' },
            ],
          },
        ],
      }),
    );
    const nginx = patched.spec.template.spec.containers[0];
    expect(nginx.ports.map((p: { containerPort: number }) => p.containerPort).sort()).toEqual([443, 80]);
    expect(nginx.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '20' },
      { name: 'C', value: '3' },
    ]);
  });

  it('replaces lists without a merge strategy (container args)', () => {
    const patched = smp(deployment(), podSpecPatch({ containers: [{ name: 'sidecar', args: ['sleep', '1'] }] }));
    expect(patched.spec.template.spec.containers[1].args).toEqual(['sleep', '1']);
  });

  it('deletes a list item with $patch: delete', () => {
    const patched = smp(deployment(), podSpecPatch({ containers: [{ name: 'sidecar', $patch: 'delete' }] }));
    expect(names(patched.spec.template.spec.containers)).toEqual(['nginx']);
  });

  it('orders merged items by $setElementOrder, as kubectl apply sends it', () => {
    const patched = smp(
      deployment(),
      podSpecPatch({
        containers: [{ name: 'nginx', env: [{ name: 'B', value: '22' }], '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }],
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }],
      }),
    );
    expect(names(patched.spec.template.spec.containers)).toEqual(['sidecar', 'nginx']);
    expect(patched.spec.template.spec.containers[1].env).toEqual([
      { name: 'B', value: '22' },
      { name: 'A', value: '1' },
    ]);
    expect(JSON.stringify(patched)).not.toContain('$setElementOrder');
  });

  it('drops unlisted keys with $retainKeys (strategy RollingUpdate → Recreate)', () => {
    const patched = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect(patched.spec.strategy).toEqual({ type: 'Recreate' });
    const kubectlStyle = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } });
    expect(kubectlStyle.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('refuses a patch whose content is outside its $retainKeys list', () => {
    expect(() => smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } })).toThrow(PatchError);
  });

  it('applies $retainKeys inside merged list items (pod volumes use merge,retainKeys)', () => {
    const original = deployment();
    original.spec.template.spec.volumes = [{ name: 'data', emptyDir: {} }];
    const patched = smp(original, podSpecPatch({ volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] }));
    expect(patched.spec.template.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cm' } }]);
  });

  it('deletes a field on null and drops nulls from values new to the object', () => {
    const patched = smp(deployment(), { metadata: { labels: { app: null } }, spec: { replicas: null, paused: true, template: { metadata: { annotations: { a: '1', b: null } } } } });
    expect(patched.metadata.labels).toEqual({});
    expect('replicas' in patched.spec).toBe(false);
    expect(patched.spec.paused).toBe(true);
    expect(patched.spec.template.metadata.annotations).toEqual({ a: '1' });
  });

  it('replaces a map with $patch: replace and a list with a {$patch: replace} item', () => {
    const replacedMap = smp(deployment(), { spec: { selector: { $patch: 'replace', matchExpressions: [{ key: 'app', operator: 'Exists' }] } } });
    expect(replacedMap.spec.selector).toEqual({ matchExpressions: [{ key: 'app', operator: 'Exists' }] });
    const replacedList = smp(deployment(), podSpecPatch({ containers: [{ name: 'new', image: 'x' }, { $patch: 'replace' }] }));
    expect(replacedList.spec.template.spec.containers).toEqual([{ name: 'new', image: 'x' }]);
    const deletedMap = smp(deployment(), { spec: { strategy: { $patch: 'delete' } } });
    expect(deletedMap.spec.strategy).toEqual({});
  });

  it('unions primitive merge lists and deletes from them with $deleteFromPrimitiveList', () => {
    const original = deployment();
    original.metadata.finalizers = ['a', 'b'];
    expect(smp(original, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
    expect(smp(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers).toEqual(['b']);
  });

  it('rejects a merge-list item without its merge key and unknown directives as 400', () => {
    expect(() => smp(deployment(), podSpecPatch({ containers: [{ image: 'x' }] }))).toThrow(BadPatchError);
    expect(() => smp(deployment(), podSpecPatch({ containers: [{ image: 'x' }] }))).toThrow(/does not contain declared merge key: name/);
    expect(() => smp(deployment(), { spec: { $patch: 'explode' } })).toThrow(/unknown patch type: explode/);
  });
});

describe('strategic merge patch without a schema', () => {
  it('is refused with 415 for custom resources, as kube-apiserver does', () => {
    expect(() => assertStrategicMergePatchSupported(undefined)).toThrow(StrategicMergePatchUnsupportedError);
    try {
      assertStrategicMergePatchSupported(undefined);
    } catch (error) {
      expect((error as PatchError).status).toBe(415);
      expect((error as Error).message).toMatch(/^the body of the request was in an unknown format/);
    }
    expect(() => assertStrategicMergePatchSupported(deploymentSchema)).not.toThrow();
  });

  it('degrades to maps-merge, lists-replace when asked to run anyway', () => {
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, items: [{ name: 'a' }, { name: 'b' }] } };
    const patched = applyStrategicMergePatch(cr, { spec: { color: 'red', items: [{ name: 'c' }] } }, undefined);
    expect(patched.spec).toEqual({ size: 1, color: 'red', items: [{ name: 'c' }] });
  });
});

describe('$setElementOrder on primitive lists', () => {
  it('orders a merged finalizers list by the directive and leaves replace-lists to the patch', () => {
    const original = deployment();
    original.metadata.finalizers = ['a', 'b'];
    const patched = smp(original, { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], finalizers: ['c'] } });
    expect(patched.metadata.finalizers).toEqual(['c', 'b', 'a']);
    const untouched = smp(deployment(), podSpecPatch({ containers: [{ name: 'sidecar', '$setElementOrder/args': ['sleep', '3600'] }] }));
    expect(untouched.spec.template.spec.containers[1].args).toEqual(['sleep', '3600']);
  });
});
