import { describe, expect, it } from 'vitest';
import { type ApplyOptions, serverSideApply, serverSideApplyOrThrow, updateManagedFields } from '../../../../local/sandbox/patch/apply.ts';
import { ApplyConflictError } from '../../../../local/sandbox/patch/conflicts.ts';
import { BadPatchError, PatchError } from '../../../../local/sandbox/patch/errors.ts';
import { LAST_APPLIED_ANNOTATION } from '../../../../local/sandbox/patch/lastapplied.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../../../local/sandbox/types.ts';
import { deployment, deploymentSchema, schemas } from './fixtures.ts';

const NOW = new Date('2025-03-04T05:06:07.890Z');
const LATER = new Date('2025-03-04T06:00:00.000Z');
const base: ApplyOptions = { fieldManager: 'ci', apiVersion: 'apps/v1', schema: deploymentSchema, resolver: schemas, now: NOW };

function applied(live: KubeObject | undefined, config: KubeObject, options: Partial<ApplyOptions> = {}): KubeObject {
  return serverSideApplyOrThrow(live, config, { ...base, ...options });
}
function entry(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager);
}
/** What `kubectl apply` (client-side) leaves behind on create. */
function clientSideApplied(config: KubeObject): KubeObject {
  const withAnnotation = structuredClone(config);
  withAnnotation.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(config) };
  return updateManagedFields(undefined, withAnnotation, { ...base, fieldManager: 'kubectl-client-side-apply' });
}

describe('serverSideApply: create and update', () => {
  it('creates the object and records an Apply entry in FieldsV1 form', () => {
    const created = applied(undefined, deployment());
    expect(created.spec.replicas).toBe(2);
    expect(created.metadata.managedFields).toHaveLength(1);
    const e = entry(created, 'ci')!;
    expect(e).toMatchObject({ manager: 'ci', operation: 'Apply', apiVersion: 'apps/v1', time: '2025-03-04T05:06:07Z', fieldsType: 'FieldsV1' });
    const f = e.fieldsV1;
    expect(f['f:metadata']).toEqual({ 'f:labels': { 'f:app': {} } }); // name/namespace are server-owned
    expect(f['f:spec']['f:replicas']).toEqual({});
    expect(f['f:spec']['f:selector']).toEqual({}); // LabelSelector is an atomic map
    const nginx = f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
    expect(nginx['.']).toEqual({});
    expect(nginx['f:ports']['k:{"containerPort":80,"protocol":"TCP"}']).toEqual({ '.': {}, 'f:containerPort': {}, 'f:protocol': {} });
    expect(nginx['f:env']['k:{"name":"A"}']).toEqual({ '.': {}, 'f:name': {}, 'f:value': {} });
    expect(f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"sidecar"}']['f:args']).toEqual({}); // atomic list
  });

  it('keys ports by containerPort and the TCP protocol default when protocol is omitted', () => {
    const config = deployment();
    delete config.spec.template.spec.containers[0].ports[0].protocol;
    const created = applied(undefined, config);
    const containers = entry(created, 'ci')!.fieldsV1['f:spec']['f:template']['f:spec']['f:containers'];
    expect(Object.keys(containers['k:{"name":"nginx"}']['f:ports'])).toEqual(['k:{"containerPort":80,"protocol":"TCP"}']);
  });

  it('reports no change when the same configuration is applied again', () => {
    const created = applied(undefined, deployment());
    const again = serverSideApply(created, deployment(), { ...base, now: LATER });
    expect(again.ok && again.changed).toBe(false);
    expect(again.ok && entry(again.object, 'ci')!.time).toBe('2025-03-04T05:06:07Z');
  });

  it('updates values and merges list items by key', () => {
    const created = applied(undefined, deployment());
    const config = deployment({ image: 'nginx:1.26' });
    config.spec.template.spec.containers[0].env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
    ];
    const updated = applied(created, config, { now: LATER });
    expect(updated.spec.template.spec.containers[0].image).toBe('nginx:1.26');
    expect(updated.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['A', 'B', 'C']);
    expect(entry(updated, 'ci')!.time).toBe('2025-03-04T06:00:00Z');
  });

  it('removes fields the applier owned and no longer applies', () => {
    const config = deployment();
    config.metadata.labels!.tier = 'web';
    const created = applied(undefined, config);
    const updated = applied(created, deployment()); // no tier label; sidecar still present
    expect(updated.metadata.labels).toEqual({ app: 'nginx' });
    const withoutSidecar = deployment();
    withoutSidecar.spec.template.spec.containers.pop();
    withoutSidecar.spec.strategy = undefined;
    delete withoutSidecar.spec.strategy;
    const pruned = applied(updated, withoutSidecar);
    expect(pruned.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['nginx']);
    expect(pruned.spec.strategy).toBeUndefined();
    expect(entry(pruned, 'ci')!.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"sidecar"}']).toBeUndefined();
  });

  it('keeps an unapplied field that another manager also owns', () => {
    const config = deployment();
    config.metadata.labels!.tier = 'web';
    const created = applied(undefined, config);
    // `kubectl label deploy nginx tier=web --overwrite` re-stating the value still takes ownership as an Update.
    const labelled = structuredClone(created);
    labelled.metadata.labels!.owner = 'team-a';
    const relabelled = updateManagedFields(created, labelled, { ...base, fieldManager: 'kubectl-label' });
    const other = applied(relabelled, config, { fieldManager: 'other' }); // shares tier with ci
    const updated = applied(other, deployment()); // ci drops tier
    expect(updated.metadata.labels).toEqual({ app: 'nginx', owner: 'team-a', tier: 'web' });
  });
});

describe('serverSideApply: conflicts', () => {
  it("conflicts with the client-side-apply manager on a changed value, with kube-apiserver's message", () => {
    const live = clientSideApplied(deployment());
    const result = serverSideApply(live, deployment({ replicas: 3 }), base);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(409);
    expect(result.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(result.causes).toEqual([{ type: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);
  });

  it('lists several conflicts one per line', () => {
    const live = clientSideApplied(deployment());
    const error = (() => {
      try {
        serverSideApplyOrThrow(live, deployment({ replicas: 3, image: 'nginx:1.26' }), base);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApplyConflictError);
    expect((error as ApplyConflictError).status).toBe(409);
    expect((error as Error).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('shares ownership without conflict when the applied value equals the live one', () => {
    const live = clientSideApplied(deployment());
    const result = applied(live, deployment());
    expect(entry(result, 'ci')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry(result, 'kubectl-client-side-apply')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
  });

  it('with force, takes the value and the ownership from the other manager', () => {
    const live = clientSideApplied(deployment());
    const result = applied(live, deployment({ replicas: 3 }), { force: true });
    expect(result.spec.replicas).toBe(3);
    expect(entry(result, 'ci')!.fieldsV1['f:spec']['f:replicas']).toEqual({});
    const csa = entry(result, 'kubectl-client-side-apply')!.fieldsV1;
    expect(csa['f:spec']['f:replicas']).toBeUndefined();
    expect(csa['f:spec']['f:selector']).toEqual({});
  });

  it('lets "kubectl" take over from client-side apply while live still matches the annotation', () => {
    const live = clientSideApplied(deployment());
    const result = applied(live, deployment({ replicas: 3 }), { fieldManager: 'kubectl' });
    expect(result.spec.replicas).toBe(3);
    expect(entry(result, 'kubectl-client-side-apply')!.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(JSON.parse(result.metadata.annotations![LAST_APPLIED_ANNOTATION]!).spec.replicas).toBe(3);
  });

  it('still conflicts for "kubectl" when the live value drifted from the last client-side apply', () => {
    const live = clientSideApplied(deployment());
    const scaled = structuredClone(live);
    scaled.spec.replicas = 5;
    const afterEdit = updateManagedFields(live, scaled, { ...base, fieldManager: 'kubectl-client-side-apply' });
    const result = serverSideApply(afterEdit, deployment({ replicas: 3 }), { ...base, fieldManager: 'kubectl' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });
});

describe('updateManagedFields (non-apply writes)', () => {
  it('gives changed fields to the writer and takes them from the applier', () => {
    const created = applied(undefined, deployment());
    const edited = structuredClone(created);
    edited.spec.replicas = 4;
    const result = updateManagedFields(created, edited, { ...base, fieldManager: 'kubectl-edit', now: LATER });
    const edit = entry(result, 'kubectl-edit')!;
    expect(edit).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', time: '2025-03-04T06:00:00Z' });
    expect(edit.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(result, 'ci')!.fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(result.metadata.managedFields!.map((e) => e.operation)).toEqual(['Apply', 'Update']);
    // a later apply of the old value now conflicts with the editor
    const conflict = serverSideApply(result, deployment(), base);
    expect(!conflict.ok && conflict.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas');
  });

  it('records status writes with subresource: status and only status fields', () => {
    const created = applied(undefined, deployment());
    const withStatus = structuredClone(created);
    withStatus.status = { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] };
    const result = updateManagedFields(created, withStatus, { ...base, fieldManager: 'kube-controller-manager', subresource: 'status' });
    const status = entry(result, 'kube-controller-manager')!;
    expect(status.subresource).toBe('status');
    expect(Object.keys(status.fieldsV1)).toEqual(['f:status']);
    expect(status.fieldsV1['f:status']['f:conditions']['k:{"type":"Available"}']).toEqual({ '.': {}, 'f:status': {}, 'f:type': {} });
  });

  it('ignores server-owned metadata and status on main-resource writes', () => {
    const obj = deployment();
    Object.assign(obj.metadata, { uid: 'u', resourceVersion: '7', generation: 1, creationTimestamp: '2025-01-01T00:00:00Z' });
    obj.status = { replicas: 1 };
    const result = updateManagedFields(undefined, obj, { ...base, fieldManager: 'kubectl-create' });
    const fields = entry(result, 'kubectl-create')!.fieldsV1;
    expect(Object.keys(fields['f:metadata'])).toEqual(['f:labels']);
    expect(fields['f:status']).toBeUndefined();
  });

  it('keeps managedFields when the request sends an empty list, and resets them on [{}]', () => {
    // Prepare
    const created = applied(undefined, deployment());
    const unaware = structuredClone(created);
    unaware.metadata.managedFields = [];
    unaware.spec.replicas = 9;
    const reset = structuredClone(unaware);
    reset.metadata.managedFields = [{} as ManagedFieldsEntry];

    // Act
    const kept = updateManagedFields(created, unaware, { ...base, fieldManager: 'kubectl-edit' });
    const cleared = updateManagedFields(created, reset, { ...base, fieldManager: 'kubectl-edit' });

    // Assess: an empty list is what a client unaware of the field sends; [{}] is the documented reset.
    expect(kept.metadata.managedFields!.map((e) => e.manager)).toEqual(['ci', 'kubectl-edit']);
    expect(cleared.metadata.managedFields!.map((e) => e.manager)).toEqual(['kubectl-edit']);
  });
});

describe('serverSideApply: custom resources and bad input', () => {
  const widget = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
  const cr: ApplyOptions = { fieldManager: 'ci', apiVersion: 'example.com/v1', schema: undefined, now: NOW };

  it('treats a CR without schema as deduced: granular maps, atomic lists', () => {
    const created = serverSideApplyOrThrow(undefined, widget({ size: 1, tags: ['a'], nested: { x: 1 } }), cr);
    expect(entry(created, 'ci')!.fieldsV1['f:spec']).toEqual({ '.': {}, 'f:nested': { '.': {}, 'f:x': {} }, 'f:size': {}, 'f:tags': {} });
    const updated = serverSideApplyOrThrow(created, widget({ size: 2, tags: ['b'] }), cr);
    expect(updated.spec).toEqual({ size: 2, tags: ['b'] });
  });

  it('uses x-kubernetes-list-type markers of a CRD schema', () => {
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map' as const,
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
            },
            hosts: { type: 'array', 'x-kubernetes-list-type': 'set' as const, items: { type: 'string' } },
          },
        },
      },
    };
    const created = serverSideApplyOrThrow(undefined, widget({ ports: [{ name: 'http', port: 80 }], hosts: ['a.example'] }), { ...cr, schema });
    expect(entry(created, 'ci')!.fieldsV1['f:spec']).toEqual({
      'f:hosts': { 'v:"a.example"': {} },
      'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
    });
    const other = serverSideApplyOrThrow(created, widget({ ports: [{ name: 'https', port: 443 }] }), { ...cr, schema, fieldManager: 'other' });
    expect(other.spec.ports).toEqual([
      { name: 'http', port: 80 },
      { name: 'https', port: 443 },
    ]);
    expect(other.spec.hosts).toEqual(['a.example']);
  });

  it('rejects wrong versions, managedFields, keyless items and a missing field manager', () => {
    expect(() => serverSideApply(undefined, { ...deployment(), apiVersion: 'apps/v1beta1' }, base)).toThrow(
      'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1',
    );
    const withManaged = deployment();
    withManaged.metadata.managedFields = [];
    expect(() => serverSideApply(undefined, withManaged, base)).toThrow(BadPatchError);
    const keyless = deployment();
    delete keyless.spec.template.spec.containers[1].name;
    expect(() => serverSideApply(undefined, keyless, base)).toThrow(/omits key field "name"/);
    expect(() => serverSideApply(undefined, deployment(), { ...base, fieldManager: '' })).toThrow(PatchError);
  });
});
