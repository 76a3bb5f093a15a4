/**
 * CRD validation rules (x-kubernetes-validations, CEL) against an in-process sandbox through
 * kubectl and @kubernetes/client-node: rules at several schema nodes, a transition rule, the
 * 422 kubectl prints, server-side apply, and a CRD whose rule does not compile.
 */

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError } from '../../support/client-node.ts';
import { namespaceYaml } from '../../support/manifests.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const NAMESPACE = 'cel';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: scalers.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: scalers, singular: scaler, kind: Scaler}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.minReplicas <= self.replicas
              message: minReplicas must not exceed replicas
            properties:
              replicas: {type: integer}
              minReplicas: {type: integer}
              zones:
                type: array
                items: {type: string}
                x-kubernetes-validations:
                - rule: self.size() <= 3
              name:
                type: string
                x-kubernetes-validations:
                - rule: "self.matches('^[a-z][a-z0-9-]*$')"
                  messageExpression: "'name ' + self + ' must be lower-case'"
              region:
                type: string
                x-kubernetes-validations:
                - rule: self == oldSelf
                  message: field is immutable
`;

type ScalerSpec = { replicas: number; minReplicas: number; zones?: string[]; name?: string; region?: string };

function scaler(name: string, spec: ScalerSpec): string {
  return JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Scaler', metadata: { name, namespace: NAMESPACE }, spec });
}

let t: TestSandbox;

const scalerType = () => t.sandbox.registry.get('example.com', 'v1', 'scalers')!;
const stored = (name: string) => t.sandbox.cluster.tryGet(scalerType(), NAMESPACE, name);

beforeAll(async () => {
  t = await startTestSandbox();
  await t.kubectl(['apply', '-f', '-'], { input: namespaceYaml(NAMESPACE) });
  await t.kubectl(['apply', '-f', '-'], { input: CRD });
  await t.kubectl(['wait', '--for=condition=Established', 'crd/scalers.example.com', '--timeout=15s']);
});

afterAll(async () => {
  await t?.close();
});

describe('x-kubernetes-validations with kubectl', () => {
  it('accepts a custom resource that satisfies every rule', async () => {
    // Act
    const r = await t.kubectl(['apply', '-f', '-'], { input: scaler('ok', { replicas: 3, minReplicas: 1, zones: ['a', 'b'], name: 'web-1', region: 'eu' }) });

    // Assess
    expect(r.stdout.trim()).toBe('scaler.example.com/ok created');
    expect(stored('ok')?.spec).toMatchObject({ replicas: 3, minReplicas: 1, region: 'eu' });
  });

  it('refuses one that breaks rules with the message kube-apiserver gives, and stores nothing', async () => {
    // Act
    const r = await t.kubectl(['apply', '-f', '-'], {
      input: scaler('bad', { replicas: 2, minReplicas: 5, zones: ['a', 'b', 'c', 'd'], name: 'Web' }),
      allowFailure: true,
    });

    // Assess
    expect(r.code).toBe(1);
    // kubectl lists the causes of a 422, one per line.
    expect(r.stderr).toContain(
      [
        'The Scaler "bad" is invalid: ',
        '* spec: Invalid value: minReplicas must not exceed replicas',
        '* spec.name: Invalid value: "Web": name Web must be lower-case',
        '* spec.zones: Invalid value: failed rule: self.size() <= 3',
      ].join('\n'),
    );
    expect(stored('bad')).toBeUndefined();
  });

  it('refuses an update that breaks a transition rule, after accepting the create', async () => {
    // Prepare
    const created = await t.kubectl(['apply', '-f', '-'], { input: scaler('moving', { replicas: 2, minReplicas: 1, region: 'eu' }) });
    expect(created.stdout.trim()).toBe('scaler.example.com/moving created');

    // Act
    const moved = await t.kubectl(['apply', '-f', '-'], { input: scaler('moving', { replicas: 2, minReplicas: 1, region: 'us' }), allowFailure: true });
    const scaled = await t.kubectl(['apply', '-f', '-'], { input: scaler('moving', { replicas: 4, minReplicas: 1, region: 'eu' }) });

    // Assess
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('The Scaler "moving" is invalid: spec.region: Invalid value: "us": field is immutable');
    expect(scaled.stdout.trim()).toBe('scaler.example.com/moving configured');
    expect(stored('moving')?.spec).toMatchObject({ replicas: 4, region: 'eu' });
  });

  it('refuses a server-side apply that breaks a rule', async () => {
    // Act
    const r = await t.kubectl(['apply', '--server-side', '-f', '-'], { input: scaler('ssa', { replicas: 1, minReplicas: 2 }), allowFailure: true });

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Scaler "ssa" is invalid: spec: Invalid value: minReplicas must not exceed replicas');
    expect(stored('ssa')).toBeUndefined();
  });

  it('refuses a CRD whose rule does not compile, naming the rule and the place of the error', async () => {
    // Prepare
    const broken = CRD.replaceAll('scalers', 'brokens').replaceAll('scaler', 'broken').replace('Scaler', 'Broken').replace('self.minReplicas <= self.replicas', 'self.minReplicas <=');

    // Act
    const r = await t.kubectl(['apply', '-f', '-'], { input: broken, allowFailure: true });
    const crds = await t.kubectl(['get', 'crd', '-o', 'name']);

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'The CustomResourceDefinition "brokens.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: ' +
        'Invalid value: {"Rule":"self.minReplicas \\u003c=","Message":"minReplicas must not exceed replicas","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: ' +
        'compilation failed: ERROR: <input>:1:20: Syntax error:',
    );
    expect(crds.stdout).not.toContain('brokens.example.com');
  });
});

describe('x-kubernetes-validations with @kubernetes/client-node', () => {
  it('answers 422 Invalid with a cause per broken rule, each naming its field', async () => {
    // Prepare
    const kc = new KubeConfig();
    kc.loadFromString(t.sandbox.kubeconfig);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const body = JSON.parse(scaler('client', { replicas: 1, minReplicas: 2, name: 'Client' }));

    // Act
    const failure = await apiError(custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: NAMESPACE, plural: 'scalers', body }));

    // Assess
    expect(failure.code).toBe(422);
    expect(failure.body).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { name: 'client', group: 'example.com', kind: 'Scaler' } });
    expect(failure.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: minReplicas must not exceed replicas' },
      { reason: 'FieldValueInvalid', field: 'spec.name', message: 'Invalid value: "Client": name Client must be lower-case' },
    ]);
    expect(stored('client')).toBeUndefined();
  });
});
