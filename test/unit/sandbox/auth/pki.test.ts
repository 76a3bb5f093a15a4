import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PkiError } from '../../../../local/sandbox/auth/errors.ts';
import { CA_COMMON_NAME, createCertificateAuthority, createClientCertificate, createPki, createServerCertificate, loadOrCreatePki } from '../../../../local/sandbox/auth/pki.ts';

const pki = createPki();
const ca = new X509Certificate(pki.ca.certPem);
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-pki-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('certificate authority', () => {
  it('is a self-signed CA named sandbox-ca valid for about ten years', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe(`CN=${CA_COMMON_NAME}`);
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.verify(ca.publicKey)).toBe(true);
    const years = (new Date(ca.validTo).getTime() - Date.now()) / (365 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(ca.checkPrivateKey(createPrivateKey(pki.ca.keyPem))).toBe(true);
  });

  it('uses positive serial numbers (Go rejects negative ones)', () => {
    for (let i = 0; i < 5; i++) {
      const cert = new X509Certificate(createServerCertificate(pki.ca).certPem);
      expect(parseInt(cert.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
    }
  });
});

describe('server certificate', () => {
  const server = new X509Certificate(pki.server.certPem);

  it('chains to the CA and carries every API server SAN', () => {
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    const sans = server.subjectAltName!.split(', ');
    for (const name of ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default.svc', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
      expect(sans).toContain(name);
    }
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.checkPrivateKey(createPrivateKey(pki.server.keyPem))).toBe(true);
  });

  it('adds extra names as DNS or IP SANs', () => {
    const cert = new X509Certificate(createServerCertificate(pki.ca, { extraNames: ['sandbox.internal', '10.0.0.7'] }).certPem);
    expect(cert.checkHost('sandbox.internal')).toBe('sandbox.internal');
    expect(cert.checkIP('10.0.0.7')).toBe('10.0.0.7');
  });

  it('is not issued by a different CA', () => {
    const other = new X509Certificate(createCertificateAuthority().certPem);
    expect(server.verify(other.publicKey)).toBe(false);
  });
});

describe('client certificate', () => {
  it('puts the user in CN and each group in O, for client auth', () => {
    const pair = createClientCertificate(pki.ca, { username: 'alice', groups: ['system:masters', 'devs'] });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject.split('\n')).toEqual(['O=system:masters', 'O=devs', 'CN=alice']);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(pair.keyPem).toContain('BEGIN RSA PRIVATE KEY');
  });
});

describe('loadOrCreatePki', () => {
  it('without a directory creates a fresh in-memory PKI', () => {
    const a = loadOrCreatePki();
    const b = loadOrCreatePki();
    expect(a.ca.certPem).not.toBe(b.ca.certPem);
  });

  it('persists the CA, serving pair and ServiceAccount key and reuses them', () => {
    const dir = tempDir();
    const first = loadOrCreatePki(dir);
    const second = loadOrCreatePki(dir);
    expect(second).toEqual(first);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(first.ca.certPem);
    for (const key of ['ca.key', 'server.key', 'sa.key']) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
  });

  it('reissues a missing or expiring serving certificate from the same CA', () => {
    const dir = tempDir();
    const first = loadOrCreatePki(dir);
    rmSync(join(dir, 'server.crt'));
    const second = loadOrCreatePki(dir);
    expect(second.ca).toEqual(first.ca);
    expect(second.server.certPem).not.toBe(first.server.certPem);
    const later = new Date(Date.now() + 340 * 24 * 3600 * 1000);
    const third = loadOrCreatePki(dir, { now: later });
    expect(third.server.certPem).not.toBe(second.server.certPem);
    expect(new X509Certificate(third.server.certPem).verify(ca.publicKey)).toBe(false);
    expect(new X509Certificate(third.server.certPem).verify(new X509Certificate(first.ca.certPem).publicKey)).toBe(true);
  });

  it('reissues the serving certificate when a new SAN is requested', () => {
    const dir = tempDir();
    const first = loadOrCreatePki(dir);
    const second = loadOrCreatePki(dir, { extraNames: ['api.sandbox'] });
    expect(second.server.certPem).not.toBe(first.server.certPem);
    expect(new X509Certificate(second.server.certPem).checkHost('api.sandbox')).toBe('api.sandbox');
  });

  it('refuses a corrupt CA with PkiError', () => {
    const dir = tempDir();
    loadOrCreatePki(dir);
    writeFileSync(join(dir, 'ca.crt'), 'garbage');
    expect(() => loadOrCreatePki(dir)).toThrow(PkiError);
  });
});
