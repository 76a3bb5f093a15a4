import { describe, expect, it } from 'vitest';
import { BadPatchError } from '../../../../local/sandbox/patch/errors.ts';
import { applyMergePatch } from '../../../../local/sandbox/patch/mergepatch.ts';
import { deployment } from './fixtures.ts';

describe('applyMergePatch', () => {
  it('merges objects, deletes on null, and replaces lists whole', () => {
    const original = deployment();
    const patched = applyMergePatch(original, {
      metadata: { labels: { app: null, tier: 'web' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'only', image: 'x' }] } } },
    });
    expect(patched.metadata.labels).toEqual({ tier: 'web' });
    expect(patched.spec.replicas).toBe(3);
    expect(patched.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    expect(patched.spec.selector).toEqual({ matchLabels: { app: 'nginx' } });
    expect(original.metadata.labels).toEqual({ app: 'nginx' });
  });

  it('follows the RFC 7386 examples', () => {
    expect(applyMergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(applyMergePatch({ a: 'foo' }, { a: { bar: { baz: null } } })).toEqual({ a: { bar: {} } });
    expect(applyMergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
  });

  it('refuses a patch that is not an object with a 400', () => {
    expect(() => applyMergePatch({}, [1])).toThrow(BadPatchError);
  });
});
