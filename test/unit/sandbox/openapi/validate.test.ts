import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../../local/sandbox/openapi/defaults.ts';
import { InvalidFieldValidationError } from '../../../../local/sandbox/openapi/errors.ts';
import { ResourceRegistry } from '../../../../local/sandbox/openapi/registry.ts';
import { SemanticValidator } from '../../../../local/sandbox/openapi/semantic.ts';
import { applyUnknownFieldStatus, invalidStatus, required, warningHeader } from '../../../../local/sandbox/openapi/status.ts';
import { base64ErrorOffset, parseFieldValidation, SchemaValidator } from '../../../../local/sandbox/openapi/validate.ts';
import type { KubeObject } from '../../../../local/sandbox/types.ts';
import { cronTabCrd } from './fixtures.ts';

const registry = new ResourceRegistry();
const decoder = new SchemaValidator(registry);
const semantic = new SemanticValidator(registry);

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m', memory: 128 } } }] },
      },
    },
  };
}

describe('fieldValidation', () => {
  it('defaults to Warn and rejects unknown directives', () => {
    expect(parseFieldValidation(undefined)).toBe('Warn');
    expect(parseFieldValidation('Strict')).toBe('Strict');
    expect(() => parseFieldValidation('strict')).toThrow(InvalidFieldValidationError);
  });
});

describe('SchemaValidator.decode', () => {
  it('accepts a valid Deployment without warnings', () => {
    const r = decoder.decode(deployment(), 'Strict');
    expect(r.status).toBeUndefined();
    expect(r.warnings).toEqual([]);
  });

  it('Strict rejects unknown fields with the kube-apiserver 400 message', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagez = 'x';
    d.spec.foo = 1;
    const r = decoder.decode(d, 'Strict');
    expect(r.status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(r.status!.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagez", unknown field "spec.foo"',
    );
  });

  it('Warn returns warnings and prunes; Ignore prunes silently', () => {
    const d = deployment();
    d.spec.foo = 1;
    d.metadata.bar = 'x';
    const r = decoder.decode(d, 'Warn');
    expect(r.status).toBeUndefined();
    expect(r.warnings).toEqual(['unknown field "metadata.bar"', 'unknown field "spec.foo"']);
    expect(warningHeader(r.warnings[1]!)).toBe('299 - "unknown field \\"spec.foo\\""');
    expect(d.spec.foo).toBeUndefined();
    const d2 = deployment();
    d2.spec.foo = 1;
    const r2 = decoder.decode(d2, 'Ignore');
    expect(r2.warnings).toEqual([]);
    expect(r2.unknownFields).toEqual(['spec.foo']);
    expect(d2.spec.foo).toBeUndefined();
  });

  it('wrong types give the Go decoder error for built-ins', () => {
    const d = deployment();
    d.spec.replicas = 'three';
    expect(decoder.decode(d, 'Strict').status!.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    const d2 = deployment();
    d2.metadata.labels = { app: 5 as any };
    expect(decoder.decode(d2, 'Strict').status!.message).toContain('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    const d3 = deployment();
    d3.spec.template.spec.containers = 'nginx';
    expect(decoder.decode(d3, 'Strict').status!.message).toContain('Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');
  });

  it('handles quantities, int-or-string and base64 secret data', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limits.cpu = 'lots';
    expect(decoder.decode(d, 'Strict').status!.message).toContain('quantities must match the regular expression');
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        ports: [
          { port: 80, targetPort: 'http' },
          { port: 81, targetPort: 8081 },
        ],
      },
    };
    expect(decoder.decode(svc, 'Strict').status).toBeUndefined();
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { ok: 'aGVsbG8=', bad: 'he!!o' } };
    expect(decoder.decode(secret, 'Strict').status!.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2');
    expect(base64ErrorOffset('aGVsbG8=')).toBeUndefined();
  });

  it('validates custom resources against the CRD schema with 422 causes', () => {
    const r = new ResourceRegistry();
    r.addCustomResource(cronTabCrd());
    const v = new SchemaValidator(r);
    const cr = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec });
    expect(v.decode(cr({ cronSpec: '* * * * *', replicas: 1, extra: { anything: [1] } }), 'Strict').status).toBeUndefined();
    const bad = v.decode(cr({ cronSpec: '* * * * *', replicas: 'x' }), 'Strict').status!;
    expect(bad.code).toBe(422);
    expect(bad.message).toBe('CronTab.stable.example.com "c" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    const missing = v.decode(cr({ mode: 'c' }), 'Strict').status!;
    expect(missing.details!.causes).toEqual([
      { reason: 'FieldValueNotSupported', message: 'Unsupported value: "c": supported values: "a", "b"', field: 'spec.mode' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.cronSpec' },
    ]);
    expect(v.decode(cr({ cronSpec: '* * * * *', nope: 1 }), 'Strict').status!.message).toBe('CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.nope"');
  });
});

describe('SemanticValidator', () => {
  it('accepts a valid defaulted Deployment', () => {
    expect(semantic.validate(applyDefaults(deployment()))).toBeUndefined();
  });

  it('reports a missing selector the way kube-apiserver does', () => {
    const d = applyDefaults(deployment());
    delete d.spec.selector;
    const status = semantic.validate(d)!;
    expect(status.code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toBe(
      'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
    );
    expect(status.details).toMatchObject({ name: 'web', group: 'apps', kind: 'Deployment' });
    expect(status.details!.causes![0]).toEqual({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
  });

  it('rejects selector mismatch, negative replicas, bad names and missing container names', () => {
    const d = applyDefaults(deployment());
    d.spec.selector = { matchLabels: { app: 'other' } };
    d.spec.replicas = -1;
    d.metadata.name = 'Web_1';
    delete d.spec.template.spec.containers[0].name;
    const fields = semantic.errors(d).map((e) => `${e.field}: ${e.detail}`);
    expect(fields).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(fields).toContain('spec.template.spec.containers[0].name: Required value');
    expect(fields.some((f) => f.startsWith('metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain'))).toBe(true);
    expect(fields.some((f) => f.startsWith('spec.template.metadata.labels: Invalid value'))).toBe(true);
  });

  it('requires a name and pod images, and uses label rules for namespaces', () => {
    const pod = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'c' }] } });
    expect(semantic.validate(pod)!.message).toBe('Pod "" is invalid: [metadata.name: Required value: name or generateName is required, spec.containers[0].image: Required value]');
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } };
    expect(semantic.errors(ns)[0]!.detail).toContain('RFC 1123 label');
  });

  it('builds Status bodies and the SSA unknown-field error', () => {
    expect(invalidStatus('Deployment', 'apps', 'web', [required('spec.selector')]).message).toBe('Deployment.apps "web" is invalid: spec.selector: Required value');
    expect(applyUnknownFieldStatus('default', 'web', 'apps/v1', 'Deployment', '.spec.foo')).toMatchObject({
      code: 500,
      message: 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema',
    });
  });
});
