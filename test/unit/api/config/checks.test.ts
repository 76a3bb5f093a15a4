/**
 * The checks a save makes without any store: manifests parsed as far as no variable value is
 * needed, client certificate and key pairs, and an account's secret read back into the engine's
 * account (refusing what Conveyor did not write, without quoting it).
 */
import { describe, expect, it } from 'vitest';
import { FakeSecrets } from '#domain/fake-secrets.ts';
import { CorruptDataError } from '#domain/pipeline/errors.ts';
import type { Account } from '#domain/pipeline/model.ts';
import { certificatePairProblems, engineAccount } from '#functions/app/account-material.ts';
import { manifestProblems } from '#functions/app/manifest-check.ts';
import { testCertificates } from '../../../support/certificates.ts';

const TEMPLATED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: #{Name}
spec:
  replicas: #{Replicas}
  template:
    spec:
      containers:
        - name: web
          image: "registry.example/web:#{Tag | ToLower}"
`;

describe('manifestProblems', () => {
  it('accepts templates whose references only a deployment can fill, in YAML and JSON', () => {
    // Act
    const yaml = manifestProblems([{ name: 'web.yaml', content: TEMPLATED }]);
    const json = manifestProblems([{ name: 'cm.json', content: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"#{Name}"},"data":{"n": #{Count}}}' }]);
    const wholeDocument = manifestProblems([{ name: 'two.yaml', content: `${TEMPLATED}---\n#{ExtraDocument}\n` }]);

    // Assess
    expect(yaml).toEqual([]);
    expect(json).toEqual([]);
    expect(wholeDocument).toEqual([]);
  });

  it.each([
    ['YAML that does not parse', 'apiVersion: v1\nkind: [\n', 'web.yaml: document 1, line 3: invalid YAML'],
    ['a document that is not an object', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- item\n', 'web.yaml: document 2, line 5: document is not a mapping'],
    ['an object without a name', 'apiVersion: v1\nkind: ConfigMap\n', 'missing metadata.name'],
    ['an unknown filter, once', 'apiVersion: v1\nkind: #{Kind | Shout}\nmetadata: {name: a}\n', 'unknown filter "Shout"'],
    ['an unterminated reference', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "#{Name"\n', 'unterminated "#{"'],
    ['no object at all', '# just a comment\n---\n', 'hold no Kubernetes object'],
  ])('names %s with file, document and line', (_case, content, fragment) => {
    // Act
    const problems = manifestProblems([{ name: 'web.yaml', content }]);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(fragment);
  });
});

describe('certificatePairProblems', () => {
  it('accepts a certificate with its key and names every other case without quoting the key', () => {
    // Prepare
    const { client, otherRsaKeyPem, ecKeyPem, encryptedKeyPem } = testCertificates();

    // Act
    const cases = {
      pair: certificatePairProblems(client.certPem, client.keyPem),
      otherKey: certificatePairProblems(client.certPem, otherRsaKeyPem),
      ecKey: certificatePairProblems(client.certPem, ecKeyPem),
      encrypted: certificatePairProblems(client.certPem, encryptedKeyPem),
      notAKey: certificatePairProblems(client.certPem, 'hunter2'),
      notACertificate: certificatePairProblems('hunter2', client.keyPem),
    };

    // Assess
    expect(cases.pair).toEqual([]);
    expect(cases.otherKey).toEqual(['privateKeyPem does not match certificatePem: they must be a pair']);
    expect(cases.ecKey).toEqual(['privateKeyPem does not match certificatePem: they must be a pair']);
    expect(cases.encrypted[0]).toContain('encrypted with a passphrase');
    expect(cases.notAKey[0]).toContain('privateKeyPem is not PEM');
    expect(cases.notACertificate[0]).toContain('certificatePem is not PEM');
    expect(JSON.stringify(cases)).not.toContain('hunter2');
  });
});

describe('engineAccount', () => {
  const account = (secretArn: string): Account => ({ id: 'web', name: 'Web', kind: 'token', secretArn, version: 1 });

  it("builds the engine's account from the stored account and its secret", async () => {
    // Prepare
    const secrets = new FakeSecrets();
    const arn = await secrets.create('accounts/web/1', JSON.stringify({ token: 'tok-1' }));

    // Act
    const resolved = await engineAccount(account(arn), secrets);

    // Assess
    expect(resolved).toEqual({ kind: 'token', token: 'tok-1' });
  });

  it('refuses a secret that is not what Conveyor wrote, without quoting it', async () => {
    // Prepare
    const secrets = new FakeSecrets();
    const notJson = await secrets.create('accounts/web/2', 'hunter2-raw-token');
    const wrongField = await secrets.create('accounts/web/3', JSON.stringify({ password: 'hunter2-in-json' }));

    // Act
    const errors = await Promise.all([engineAccount(account(notJson), secrets).catch((e) => e), engineAccount(account(wrongField), secrets).catch((e) => e)]);

    // Assess
    expect(errors[0]).toBeInstanceOf(CorruptDataError);
    expect(errors[0].message).toContain('its secret is not JSON');
    expect(errors[1].message).toContain('its secret has no token');
    expect(errors.map((e) => e.message).join()).not.toContain('hunter2');
  });
});
