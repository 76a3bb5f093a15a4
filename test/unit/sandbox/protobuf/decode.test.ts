/**
 * The decoder on bodies built with the test encoder: the apimachinery special types, wire
 * details kubectl's create commands do not exercise, and every error path.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../local/sandbox/errors.ts';
import { resolveMessageType } from '../../../../local/sandbox/protobuf/descriptors.ts';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE, PROTOBUF_MAGIC, ProtobufDecodeError } from '../../../../local/sandbox/protobuf/index.ts';
import { encodeBody, Writer } from './encode.ts';

const CORE = 'k8s.io.api.core.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Encodes `object` as apiVersion/kind and decodes it back. */
function roundTrip(object: { apiVersion: string; kind: string; [k: string]: unknown }): Record<string, any> {
  const type = resolveMessageType(object.apiVersion, object.kind);
  if (!type) throw new Error(`no type for ${object.kind}`);
  return decodeKubernetesProtobuf(encodeBody(object.apiVersion, object.kind, type, object));
}

/** A body whose raw object is hand-written (for wire details the encoder never produces). */
function bodyWithRaw(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const typeMeta = new Writer().bytesField(1, apiVersion).bytesField(2, kind).finish();
  return Uint8Array.from([...PROTOBUF_MAGIC, ...new Writer().bytesField(1, typeMeta).bytesField(2, raw).finish()]);
}

function decodeError(body: Uint8Array): ProtobufDecodeError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (error) {
    if (error instanceof ProtobufDecodeError) return error;
    throw error;
  }
  throw new Error('expected a ProtobufDecodeError');
}

describe('type resolution', () => {
  it('maps groups to proto packages by their first label', () => {
    expect(resolveMessageType('v1', 'Pod')).toBe(`${CORE}.Pod`);
    expect(resolveMessageType('apps/v1', 'Deployment')).toBe('k8s.io.api.apps.v1.Deployment');
    expect(resolveMessageType('rbac.authorization.k8s.io/v1', 'Role')).toBe('k8s.io.api.rbac.v1.Role');
    expect(resolveMessageType('authorization.k8s.io/v1', 'SubjectAccessReview')).toBe('k8s.io.api.authorization.v1.SubjectAccessReview');
    expect(resolveMessageType('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe('k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler');
    expect(resolveMessageType('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema')).toBe('k8s.io.api.flowcontrol.v1.FlowSchema');
  });

  it('falls back to meta/v1 for the option kinds every group version serves', () => {
    expect(resolveMessageType('apps/v1', 'DeleteOptions')).toBe(`${META}.DeleteOptions`);
  });

  it('rejects unknown kinds, unserved versions and nested message names', () => {
    expect(resolveMessageType('v1', 'Widget')).toBeUndefined();
    expect(resolveMessageType('apps/v1beta1', 'Deployment')).toBeUndefined();
    expect(resolveMessageType('node.k8s.io/v1', 'Overhead.PodFixedEntry')).toBeUndefined();
  });
});

describe('apimachinery special types', () => {
  it('metav1.Time → RFC 3339 seconds; MicroTime → microseconds', () => {
    const event = roundTrip({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e', creationTimestamp: '2026-01-01T00:00:00Z' },
      eventTime: '2026-01-02T03:04:05.123456Z',
      deprecatedFirstTimestamp: '2025-12-31T23:59:59Z',
    });
    expect(event.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(event.eventTime).toBe('2026-01-02T03:04:05.123456Z');
    expect(event.deprecatedFirstTimestamp).toBe('2025-12-31T23:59:59Z');
  });

  it('a zero Time is absent (Go renders it null)', () => {
    const body = bodyWithRaw('v1', 'ConfigMap', new Writer().bytesField(1, new Writer().bytesField(1, 'c').bytesField(8, new Uint8Array()).finish()).finish());
    expect(decodeKubernetesProtobuf(body).metadata).toEqual({ name: 'c' });
  });

  it('IntOrString, Quantity, RawExtension and FieldsV1', () => {
    const managedFields = [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
    const pod = roundTrip({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', managedFields },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'i',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
          },
        ],
      },
    });
    expect(pod.metadata.managedFields).toEqual(managedFields);
    expect(pod.spec.containers[0].resources.limits).toEqual({ cpu: '500m', memory: '128Mi' });
    // Probe's handler is an inline embedded struct: httpGet sits right on the probe.
    expect(pod.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/', port: 'http' }, periodSeconds: 5 });
    const controllerRevision = roundTrip({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { replicas: 3 } }, revision: 2 });
    expect(controllerRevision.data).toEqual({ spec: { replicas: 3 } });
    expect(controllerRevision.revision).toBe(2);
  });

  it('a RawExtension holding a nested protobuf object is decoded too', () => {
    const inner = encodeBody('v1', 'ConfigMap', `${CORE}.ConfigMap`, { metadata: { name: 'inner' }, data: { k: 'v' } });
    const revision = new Writer().bytesField(1, new Writer().bytesField(1, 'r').finish()).bytesField(2, new Writer().bytesField(1, inner).finish()).uint(3, 1).finish();
    const decoded = decodeKubernetesProtobuf(bodyWithRaw('apps/v1', 'ControllerRevision', revision));
    expect(decoded.data).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' }, data: { k: 'v' } });
  });

  it('ExtraValue wrappers become plain string lists', () => {
    const review = roundTrip({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: { user: 'alice', groups: ['dev'], extra: { scopes: ['a', 'b'] }, nonResourceAttributes: { path: '/healthz', verb: 'get' } },
    });
    expect(review.spec).toEqual({ user: 'alice', groups: ['dev'], extra: { scopes: ['a', 'b'] }, nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  });

  it('inline localObjectReference and volumeSource are flattened', () => {
    const pod = roundTrip({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }], env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }],
        volumes: [{ name: 'v', configMap: { name: 'cm', defaultMode: 420 } }],
      },
    });
    expect(pod.spec.containers[0].envFrom).toEqual([{ secretRef: { name: 's' } }]);
    expect(pod.spec.containers[0].env).toEqual([{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }]);
    expect(pod.spec.volumes).toEqual([{ name: 'v', configMap: { name: 'cm', defaultMode: 420 } }]);
  });
});

describe('wire details', () => {
  it('keeps zero and false for pointer fields (DeleteOptions gracePeriodSeconds: 0)', () => {
    const eviction = roundTrip({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'p', namespace: 'ns' },
      deleteOptions: { gracePeriodSeconds: 0, orphanDependents: false, dryRun: ['All'] },
    });
    expect(eviction.deleteOptions).toEqual({ gracePeriodSeconds: 0, orphanDependents: false, dryRun: ['All'] });
    const options = roundTrip({ apiVersion: 'apps/v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
    expect(options).toEqual({ apiVersion: 'apps/v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
  });

  it('decodes negative and 64-bit varints', () => {
    const meta = new Writer()
      .bytesField(1, 'n')
      .uint(7, 2n ** 40n)
      .finish();
    const spec = new Writer().uint(5, -1).finish(); // PodSpec.activeDeadlineSeconds (int64)
    const body = bodyWithRaw('v1', 'Pod', new Writer().bytesField(1, meta).bytesField(2, spec).finish());
    const pod = decodeKubernetesProtobuf(body);
    expect(pod.metadata.generation).toBe(2 ** 40);
    expect(pod.spec.activeDeadlineSeconds).toBe(-1);
  });

  it('accepts packed repeated scalars', () => {
    const packed = new Writer().varint(80).varint(443).varint(100000).finish();
    const body = bodyWithRaw('v1', 'PodPortForwardOptions', new Writer().bytesField(1, packed).finish());
    expect(decodeKubernetesProtobuf(body).ports).toEqual([80, 443, 100000]);
  });

  it('skips unknown field numbers of every wire type', () => {
    const raw = new Writer().bytesField(1, new Writer().bytesField(1, 'ns').finish()).uint(900, 5).bytesField(901, 'ignored').double(902, 1.5).fixed32(903, 7).finish();
    expect(decodeKubernetesProtobuf(bodyWithRaw('v1', 'Namespace', raw))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  });
});

describe('errors', () => {
  const namespace = () => encodeBody('v1', 'Namespace', `${CORE}.Namespace`, { metadata: { name: 'ns' } });

  it('is a 400 BadRequest ApiError', () => {
    const error = decodeError(new TextEncoder().encode('{"kind":"Namespace"}'));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.name).toBe('ProtobufDecodeError');
    expect(error.code).toBe(400);
    expect(error.reason).toBe('BadRequest');
    expect(error.message).toMatch(/magic/);
  });

  it('rejects a truncated body', () => {
    const body = namespace();
    expect(decodeError(body.subarray(0, body.length - 2)).message).toMatch(/truncated/);
    expect(decodeError(Uint8Array.from([...PROTOBUF_MAGIC, 0x0a, 0x80])).message).toMatch(/truncated/);
  });

  it('rejects an unknown kind or a missing type', () => {
    expect(decodeError(bodyWithRaw('v1', 'Widget', new Uint8Array())).message).toMatch(/kind "Widget" in apiVersion "v1"/);
    expect(decodeError(Uint8Array.from(PROTOBUF_MAGIC)).message).toMatch(/no apiVersion\/kind/);
  });

  it('rejects a content encoding and a wire type that does not fit the field', () => {
    const encoded = encodeBody('v1', 'Namespace', `${CORE}.Namespace`, {}, (w) => w.bytesField(3, 'gzip'));
    expect(decodeError(encoded).message).toMatch(/contentEncoding "gzip"/);
    const wrongWire = new Writer().uint(1, 3).finish(); // metadata as a varint
    expect(decodeError(bodyWithRaw('v1', 'Namespace', wrongWire)).message).toMatch(/Namespace.metadata: wire type 0/);
  });

  it('keeps the cause of a RawExtension that is not JSON', () => {
    const revision = new Writer().bytesField(2, new Writer().bytesField(1, 'not json').finish()).finish();
    const error = decodeError(bodyWithRaw('apps/v1', 'ControllerRevision', revision));
    expect(error.message).toMatch(/neither protobuf nor JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    // ControllerRevisions whose RawExtension data holds another protobuf ControllerRevision...
    let body = bodyWithRaw('v1', 'Namespace', new Uint8Array());
    for (let i = 0; i < 60; i++) body = bodyWithRaw('apps/v1', 'ControllerRevision', new Writer().bytesField(2, new Writer().bytesField(1, body).finish()).finish());
    expect(decodeError(body).message).toMatch(/nesting deeper than/);
  });

  it('exports the content type', () => {
    expect(PROTOBUF_CONTENT_TYPE).toBe('application/vnd.kubernetes.protobuf');
  });
});

describe('map keys', () => {
  it('keeps a __proto__ label as a plain key', () => {
    const body = encodeBody('v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'c' }, data: JSON.parse('{"__proto__":"x","a":"b"}') });
    const decoded = decodeKubernetesProtobuf(body);
    expect(Object.keys(decoded.data)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(decoded.data)).toBe(Object.prototype);
  });
});
