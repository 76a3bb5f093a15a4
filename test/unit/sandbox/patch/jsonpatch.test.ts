import { describe, expect, it } from 'vitest';
import { BadPatchError, PatchError } from '../../../../local/sandbox/patch/errors.ts';
import { applyJsonPatch, escapeJsonPointerToken, parseJsonPointer } from '../../../../local/sandbox/patch/jsonpatch.ts';
import { deployment } from './fixtures.ts';

describe('applyJsonPatch', () => {
  it('replaces, adds and removes fields of a Deployment without touching the input', () => {
    const original = deployment();
    const patched = applyJsonPatch(original, [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/tier', value: 'web' },
      { op: 'remove', path: '/spec/template/spec/containers/1' },
    ]);
    expect(patched.spec.replicas).toBe(5);
    expect(patched.metadata.labels).toEqual({ app: 'nginx', tier: 'web' });
    expect(patched.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['nginx']);
    expect(original.spec.replicas).toBe(2);
    expect(original.spec.template.spec.containers).toHaveLength(2);
  });

  it('appends with "-" and inserts at an index', () => {
    const patched = applyJsonPatch(deployment(), [
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'C', value: '3' } },
      { op: 'add', path: '/spec/template/spec/containers/0/env/0', value: { name: 'Z', value: '0' } },
    ]);
    expect(patched.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['Z', 'A', 'B', 'C']);
  });

  it('unescapes ~1 and ~0 in pointers (annotation keys contain slashes)', () => {
    expect(parseJsonPointer('/metadata/annotations/a~1b~0c')).toEqual(['metadata', 'annotations', 'a/b~c']);
    expect(escapeJsonPointerToken('app.kubernetes.io/name')).toBe('app.kubernetes.io~1name');
    const patched = applyJsonPatch(deployment(), [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }]);
    expect(patched.metadata.labels?.['app.kubernetes.io/name']).toBe('x');
  });

  it('moves and copies values', () => {
    const patched = applyJsonPatch(deployment(), [
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/spec/replicas', path: '/spec/minReadySeconds' },
    ]);
    expect(patched.metadata.labels?.copied).toBe('nginx');
    expect(patched.spec.replicas).toBeUndefined();
    expect(patched.spec.minReadySeconds).toBe(2);
  });

  it('passes a matching test and fails a mismatching one with the kube-apiserver message', () => {
    expect(applyJsonPatch(deployment(), [{ op: 'test', path: '/spec/replicas', value: 2 }]).spec.replicas).toBe(2);
    expect(() => applyJsonPatch(deployment(), [{ op: 'test', path: '/spec/replicas', value: 3 }])).toThrow('testing value /spec/replicas failed: test failed');
  });

  it('reports a replace of a missing key as a 422 PatchError', () => {
    try {
      applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/paused', value: true }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PatchError);
      expect((error as PatchError).status).toBe(422);
      expect((error as PatchError).name).toBe('PatchError');
      expect((error as Error).message).toBe('replace operation does not apply: doc is missing key: /spec/paused: missing value');
    }
  });

  it('rejects removing a nonexistent key and adding under a missing parent', () => {
    expect(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/spec/paused' }])).toThrow(/Unable to remove nonexistent key: paused/);
    expect(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/missing/deep', value: 1 }])).toThrow(/add operation does not apply: doc is missing path/);
    expect(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/template/spec/containers/9', value: {} }])).toThrow(/invalid index/);
  });

  it('rejects a body that is not a list of operations as a 400, and unknown ops', () => {
    const notAList = (): unknown => applyJsonPatch(deployment(), { op: 'add' });
    expect(notAList).toThrow(BadPatchError);
    try {
      notAList();
    } catch (error) {
      expect((error as BadPatchError).status).toBe(400);
    }
    expect(() => applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/spec' }])).toThrow('Unexpected kind: frobnicate');
  });
});
