import { describe, expect, it } from 'vitest';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, OpenApiDocuments } from '../../../../local/sandbox/openapi/documents.ts';
import { ResourceRegistry } from '../../../../local/sandbox/openapi/registry.ts';
import { cronTabCrd } from './fixtures.ts';

/** kubectl's check (cli-runtime query_param_verifier_v3.go): every PATCH op of the GVK has the query param. */
function supportsFieldValidation(doc: any, gvk: { group: string; version: string; kind: string }): boolean {
  const ops = Object.values(doc.paths)
    .map((p: any) => p.patch)
    .filter((op: any) => {
      const g = op?.['x-kubernetes-group-version-kind'];
      return g && g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind;
    });
  return ops.length > 0 && ops.every((op: any) => op.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
}

/** Minimal protobuf reader: returns the fields of one message as [field, wire, payload]. */
function readMessage(buf: Uint8Array): Array<[number, number, Uint8Array | number]> {
  const out: Array<[number, number, Uint8Array | number]> = [];
  let i = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wire = key % 8;
    if (wire === 0) out.push([Math.floor(key / 8), 0, varint()]);
    else if (wire === 2) {
      const len = varint();
      out.push([Math.floor(key / 8), 2, buf.subarray(i, i + len)]);
      i += len;
    } else if (wire === 1) {
      out.push([Math.floor(key / 8), 1, buf.subarray(i, i + 8)]);
      i += 8;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  if (i !== buf.length) throw new Error('truncated message');
  return out;
}
const text = (b: unknown) => Buffer.from(b as Uint8Array).toString('utf8');

describe('OpenAPI documents', () => {
  const registry = new ResourceRegistry();
  const docs = new OpenApiDocuments(registry);

  it('v3 root lists served group-versions with hash URLs', () => {
    const root = docs.v3Root();
    expect(root.paths['api/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(root.paths['apis/apps/v1']).toBeDefined();
    expect(root.paths['apis/autoscaling/v2']).toBeDefined();
    expect(root.paths['apis/resource.k8s.io/v1beta1']).toBeUndefined();
    const hash = root.paths['apis/apps/v1']!.serverRelativeURL.split('hash=')[1];
    expect(docs.v3('/openapi/v3/apis/apps/v1?hash=whatever')?.hash).toBe(hash);
  });

  it('apps/v1 v3 doc has the fieldValidation PATCH param for Deployment and a closed set of schemas', () => {
    const apps = docs.v3('apis/apps/v1')!;
    expect(apps.document.openapi).toBe('3.0.0');
    expect(supportsFieldValidation(apps.document, { group: 'apps', version: 'v1', kind: 'Deployment' })).toBe(true);
    const patch = apps.document.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(Object.keys(patch.requestBody.content)).toContain('application/apply-patch+yaml');
    expect(patch.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/io.k8s.api.apps.v1.Deployment');
    expect(Object.keys(apps.document.paths).every((p) => p.startsWith('/apis/apps/v1/'))).toBe(true);
    const refs = [...apps.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !apps.document.components.schemas[r])).toEqual([]);
    expect(apps.document.components.schemas['io.k8s.api.core.v1.Container']).toBeDefined();
    expect(apps.body).not.toContain('#/definitions/');
  });

  it('every built-in patchable resource supports fieldValidation in its v3 doc', () => {
    for (const rt of registry.all()) {
      if (!rt.verbs.includes('patch')) continue;
      const doc = docs.v3(rt.group ? `apis/${rt.group}/${rt.version}` : 'api/v1')!.document;
      expect(supportsFieldValidation(doc, rt), `${rt.group}/${rt.version} ${rt.kind}`).toBe(true);
    }
  });

  it('a CRD adds its v3 doc and v2 paths; hashes change with the CRD and built-ins stay cached', () => {
    const r = new ResourceRegistry();
    const d = new OpenApiDocuments(r);
    const appsBefore = d.v3('apis/apps/v1')!;
    expect(d.v3('apis/stable.example.com/v1')).toBeUndefined();
    r.addCustomResource(cronTabCrd());
    const crd = d.v3('apis/stable.example.com/v1')!;
    expect(d.v3Root().paths['apis/stable.example.com/v1']?.serverRelativeURL).toContain(crd.hash);
    const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
    expect(supportsFieldValidation(crd.document, gvk)).toBe(true);
    expect(crd.document.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale'].patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    expect(crd.document.components.schemas['com.example.stable.v1.CronTab'].properties.metadata.$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(crd.document.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect(d.v2().paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs']).toBeDefined();
    expect(d.v2().definitions['com.example.stable.v1.CronTabList']).toBeDefined();
    expect(d.v3('apis/apps/v1')).toBe(appsBefore);
    const crd2 = cronTabCrd();
    crd2.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.spec!.properties!.extraField = { type: 'string' };
    r.addCustomResource(crd2);
    expect(d.v3('apis/stable.example.com/v1')!.hash).not.toBe(crd.hash);
    r.removeCustomResource('crontabs.stable.example.com');
    expect(d.v3Root().paths['apis/stable.example.com/v1']).toBeUndefined();
    expect(d.v2().paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs']).toBeUndefined();
  });

  it('v2 is negotiated: JSON by default, gnostic protobuf on request', () => {
    const json = docs.v2ForAccept('application/json');
    expect(JSON.parse(json.body as string).swagger).toBe('2.0');
    const proto = docs.v2ForAccept(OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
    expect(proto.contentType).toBe(OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
    const fields = readMessage(proto.body as Uint8Array);
    expect(text(fields.find(([f]) => f === 1)![2])).toBe('2.0');
    const paths = readMessage(fields.find(([f]) => f === 8)![2] as Uint8Array);
    const names = paths.map(([, , b]) => text(readMessage(b as Uint8Array).find(([f]) => f === 1)![2]));
    expect(names).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    const defs = readMessage(fields.find(([f]) => f === 9)![2] as Uint8Array);
    const deployment = defs.map(([, , b]) => readMessage(b as Uint8Array)).find((m) => text(m[0]![2]) === 'io.k8s.api.apps.v1.Deployment')!;
    const schema = readMessage(deployment[1]![2] as Uint8Array);
    const ext = schema.filter(([f]) => f === 31).map(([, , b]) => readMessage(b as Uint8Array));
    const gvkExt = ext.find((m) => text(m[0]![2]) === 'x-kubernetes-group-version-kind')!;
    const yaml = text(readMessage(gvkExt[1]![2] as Uint8Array).find(([f]) => f === 2)![2]);
    expect(JSON.parse(yaml)).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });
});
