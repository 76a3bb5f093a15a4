/**
 * Real request bodies kubectl v1.33 sent (see fixtures/README.md), decoded field by field.
 * These pin the decoder to what the client actually puts on the wire, gogo quirks included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveMessageType } from '../../../../local/sandbox/protobuf/descriptors.ts';
import { decodeKubernetesProtobuf } from '../../../../local/sandbox/protobuf/index.ts';
import { encodeBody } from './encode.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => decodeKubernetesProtobuf(readFileSync(new URL(`${name}.pb`, FIXTURES)));

describe('decodeKubernetesProtobuf on real kubectl bodies', () => {
  it('kubectl create namespace', () => {
    expect(fixture('namespace')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', generation: 0 },
      spec: {},
      status: {},
    });
  });

  it('drops the zero creationTimestamp and empty strings gogo always sends', () => {
    const { metadata } = fixture('serviceaccount');
    expect(metadata).toEqual({ name: 'deployer', namespace: 'team-a', generation: 0 });
    expect(metadata).not.toHaveProperty('creationTimestamp');
    expect(metadata).not.toHaveProperty('uid');
  });

  it('kubectl create token: TokenRequest with expirationSeconds and audiences', () => {
    const token = fixture('token-request');
    expect(token.apiVersion).toBe('authentication.k8s.io/v1');
    expect(token.kind).toBe('TokenRequest');
    expect(token.spec).toEqual({ audiences: ['x'], expirationSeconds: 600 });
  });

  it('kubectl auth can-i: SelfSubjectAccessReview resourceAttributes', () => {
    const review = fixture('self-subject-access-review');
    expect(review.apiVersion).toBe('authorization.k8s.io/v1');
    expect(review.kind).toBe('SelfSubjectAccessReview');
    expect(review.spec).toEqual({ resourceAttributes: { namespace: 'team-a', verb: 'create', resource: 'deployments' } });
  });

  it('kubectl auth whoami: SelfSubjectReview', () => {
    expect(fixture('self-subject-review')).toMatchObject({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  });

  it('kubectl create deployment: labels map, selector, nested pod template', () => {
    const deployment = fixture('deployment');
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.metadata).toEqual({ name: 'web', namespace: 'team-a', generation: 0, labels: { app: 'web' } });
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(deployment.spec.strategy).toEqual({});
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(deployment.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx:1.27', resources: {}, stdin: false, stdinOnce: false, tty: false }]);
  });

  it('keeps an explicit replicas: 0 (a pointer field; absent would mean 1)', () => {
    const deployment = fixture('deployment-zero-replicas');
    expect(deployment.spec.replicas).toBe(0);
    expect(deployment.spec.template.spec.containers[0].command).toEqual(['sleep', '3600']);
  });

  it('kubectl create secret: bytes map values become base64', () => {
    const secret = fixture('secret');
    expect(secret.data).toEqual({ a: Buffer.from('b').toString('base64') });
    expect(secret.metadata.namespace).toBe('team-a');
  });

  it('kubectl create configmap: keeps empty map values', () => {
    expect(fixture('configmap').data).toEqual({ k: 'v', empty: '' });
  });

  it('kubectl create service: ports with an IntOrString targetPort', () => {
    const service = fixture('service');
    expect(service.spec.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 0 }]);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.selector).toEqual({ app: 'svc' });
  });

  it('kubectl create quota: Quantity map values are strings', () => {
    expect(fixture('resource-quota').spec.hard).toEqual({ cpu: '1', memory: '1Gi', pods: '10' });
  });

  it('kubectl create pdb: IntOrString as a percentage string', () => {
    const pdb = fixture('pod-disruption-budget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
  });

  it('kubectl create ingress: the inline ingressRuleValue is flattened into the rule', () => {
    const ingress = fixture('ingress');
    expect(ingress.spec.rules).toEqual([
      {
        host: 'foo.com',
        http: { paths: [{ path: '/bar', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } }] },
      },
    ]);
  });

  it('every fixture survives an encode/decode round trip through the descriptors', () => {
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'))) {
      const decoded = decodeKubernetesProtobuf(readFileSync(new URL(file, FIXTURES)));
      const type = resolveMessageType(decoded.apiVersion, decoded.kind)!;
      const reencoded = encodeBody(decoded.apiVersion, decoded.kind, type, decoded);
      expect(decodeKubernetesProtobuf(reencoded), file).toEqual(decoded);
    }
  });
});
