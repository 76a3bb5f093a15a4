/**
 * The sandbox's own PKI: a CA, the API server's serving certificate, client certificates for
 * kubeconfig users, and the key that signs ServiceAccount tokens.
 *
 * Keys come from Node's crypto (fast native RSA); certificates are assembled and signed with
 * node-forge because Node cannot issue X.509 certificates. Every certificate is shaped so Go's
 * crypto/x509 (kubectl) and OpenSSL (Node clients) accept it: positive serial numbers, SANs on
 * the serving certificate (Go ignores the CN), key usages and extended key usages set.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from '../../files.ts';
import { PkiError } from './errors.ts';

export const CA_COMMON_NAME = 'sandbox-ca';
export const SERVER_COMMON_NAME = 'kube-apiserver';
export const DEFAULT_SERVER_DNS_NAMES: readonly string[] = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
export const DEFAULT_SERVER_IPS: readonly string[] = ['127.0.0.1', '::1'];

const RSA_BITS = 2048;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
/** Reissue the serving certificate when less than this remains, so a reused directory never serves an expired one. */
const RENEW_BEFORE_DAYS = 30;
/** Backdate notBefore so clients whose clock lags slightly still accept a fresh certificate. */
const BACKDATE_MS = 60 * 60 * 1000;
const SERIAL_BYTES = 16;
const PRIVATE_FILE_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;

const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  saKey: 'sa.key',
} as const;

/** A certificate and its private key, both PEM. Keys are PKCS#1 (`RSA PRIVATE KEY`), as kubeadm writes them. */
export type CertificateAndKey = { certPem: string; keyPem: string };

export type ServiceAccountKey = { privateKeyPem: string; publicKeyPem: string };

export type Pki = {
  ca: CertificateAndKey;
  server: CertificateAndKey;
  /** Signs ServiceAccount JWTs (kube-apiserver's --service-account-signing-key-file). */
  serviceAccountKey: ServiceAccountKey;
};

export type IssueOptions = { now?: Date; validityDays?: number };

export type ServerCertificateOptions = IssueOptions & {
  /** Extra DNS names or IP addresses to put in the SAN list, on top of the defaults. */
  extraNames?: string[];
};

type RsaPem = { privateKeyPem: string; publicKeyPem: string };

function generateRsa(): RsaPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Random serial with the top bit cleared: DER integers are signed and Go rejects negative serials. */
function serialNumber(): string {
  const bytes = randomBytes(SERIAL_BYTES);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

function signWith(cert: forge.pki.Certificate, signerKeyPem: string): string {
  cert.sign(forge.pki.privateKeyFromPem(signerKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function newCertificate(publicKeyPem: string, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  validity(cert, now, days);
  return cert;
}

/** A self-signed CA allowed to sign leaf certificates only (pathLenConstraint 0). */
export function createCertificateAuthority(options: IssueOptions & { commonName?: string } = {}): CertificateAndKey {
  const keys = generateRsa();
  const cert = newCertificate(keys.publicKeyPem, options.now ?? new Date(), options.validityDays ?? CA_VALIDITY_DAYS);
  const subject = [{ name: 'commonName', value: options.commonName ?? CA_COMMON_NAME }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certPem: signWith(cert, keys.privateKeyPem), keyPem: keys.privateKeyPem };
}

function issueLeaf(ca: CertificateAndKey, subject: forge.pki.CertificateField[], extensions: object[], options: IssueOptions): CertificateAndKey {
  const keys = generateRsa();
  let caCert: forge.pki.Certificate;
  try {
    caCert = forge.pki.certificateFromPem(ca.certPem);
  } catch (cause) {
    throw new PkiError('CA certificate is not a parsable PEM certificate', { cause });
  }
  const cert = newCertificate(keys.publicKeyPem, options.now ?? new Date(), options.validityDays ?? LEAF_VALIDITY_DAYS);
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return { certPem: signWith(cert, ca.keyPem), keyPem: keys.privateKeyPem };
}

/** Splits SAN entries into DNS names and IP addresses, defaults first, without duplicates. */
export function serverSubjectAltNames(extraNames: string[] = []): { dnsNames: string[]; ips: string[] } {
  const all = [...new Set([...DEFAULT_SERVER_DNS_NAMES, ...DEFAULT_SERVER_IPS, ...extraNames])];
  return { dnsNames: all.filter((n) => isIP(n) === 0), ips: all.filter((n) => isIP(n) !== 0) };
}

/** The API server's serving certificate: serverAuth, SANs for every name a client may dial. */
export function createServerCertificate(ca: CertificateAndKey, options: ServerCertificateOptions = {}): CertificateAndKey {
  const { dnsNames, ips } = serverSubjectAltNames(options.extraNames);
  const altNames = [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))];
  return issueLeaf(
    ca,
    [{ name: 'commonName', value: SERVER_COMMON_NAME }],
    [
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
    options,
  );
}

/**
 * A client certificate as kube-apiserver's x509 authenticator reads it: CN is the user name,
 * each O is one group (`system:masters` for an admin).
 */
export function createClientCertificate(ca: CertificateAndKey, user: { username: string; groups?: string[] }, options: IssueOptions = {}): CertificateAndKey {
  const subject: forge.pki.CertificateField[] = [...(user.groups ?? []).map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: user.username }];
  return issueLeaf(ca, subject, [{ name: 'extKeyUsage', clientAuth: true }], options);
}

/** A fresh RSA key for signing ServiceAccount tokens. */
export function createServiceAccountKey(): ServiceAccountKey {
  return generateRsa();
}

/** Creates everything in memory; nothing survives the process. */
export function createPki(options: ServerCertificateOptions = {}): Pki {
  const ca = createCertificateAuthority(options);
  return { ca, server: createServerCertificate(ca, options), serviceAccountKey: createServiceAccountKey() };
}

function readPair(dir: string, certFile: string, keyFile: string): CertificateAndKey | undefined {
  const certPath = join(dir, certFile);
  const keyPath = join(dir, keyFile);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
}

/** Whether a stored serving certificate can still be used: issued by this CA, not near expiry, every wanted SAN present. */
function serverCertificateUsable(server: CertificateAndKey, ca: CertificateAndKey, extraNames: string[], now: Date): boolean {
  try {
    const cert = new X509Certificate(server.certPem);
    const caCert = new X509Certificate(ca.certPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(server.keyPem))) return false;
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
    const sans = (cert.subjectAltName ?? '').split(', ');
    const { dnsNames, ips } = serverSubjectAltNames(extraNames);
    const wanted = [...dnsNames.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP Address:${normaliseIp(ip)}`)];
    return wanted.every((w) => sans.includes(w));
  } catch {
    return false;
  }
}

/** Node prints IPv6 SANs fully expanded and upper-case (`0:0:0:0:0:0:0:1`). */
function normaliseIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : ip.split(':');
  return groups.map((g) => parseInt(g, 16).toString(16).toUpperCase()).join(':');
}

function checkCa(ca: CertificateAndKey, dir: string): void {
  try {
    const cert = new X509Certificate(ca.certPem);
    if (!cert.ca) throw new PkiError(`${join(dir, FILES.caCert)} is not a CA certificate`);
    if (!cert.checkPrivateKey(createPrivateKey(ca.keyPem))) {
      throw new PkiError(`${join(dir, FILES.caKey)} does not match ${join(dir, FILES.caCert)}`);
    }
  } catch (cause) {
    if (cause instanceof PkiError) throw cause;
    throw new PkiError(`cannot parse the CA stored in ${dir}`, { cause });
  }
}

/**
 * Without a directory: a fresh in-memory PKI. With one: reuses ca.crt/ca.key, server.crt/server.key
 * and sa.key stored there (creating whatever is missing), so kubeconfigs and ServiceAccount tokens
 * handed out before a restart keep working. The serving certificate is reissued from the same CA
 * when it is missing, near expiry, or lacks a requested SAN.
 */
export function loadOrCreatePki(dir?: string, options: ServerCertificateOptions = {}): Pki {
  if (dir === undefined) return createPki(options);
  const now = options.now ?? new Date();
  const extraNames = options.extraNames ?? [];
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new PkiError(`cannot create PKI directory ${dir}`, { cause });
  }
  let ca = readPair(dir, FILES.caCert, FILES.caKey);
  if (ca) {
    checkCa(ca, dir);
  } else {
    ca = createCertificateAuthority(options);
    writeFileAtomic(join(dir, FILES.caKey), ca.keyPem, PRIVATE_FILE_MODE);
    writeFileAtomic(join(dir, FILES.caCert), ca.certPem, PUBLIC_FILE_MODE);
  }
  let server = readPair(dir, FILES.serverCert, FILES.serverKey);
  if (!server || !serverCertificateUsable(server, ca, extraNames, now)) {
    server = createServerCertificate(ca, options);
    writeFileAtomic(join(dir, FILES.serverKey), server.keyPem, PRIVATE_FILE_MODE);
    writeFileAtomic(join(dir, FILES.serverCert), server.certPem, PUBLIC_FILE_MODE);
  }
  const saKeyPath = join(dir, FILES.saKey);
  let serviceAccountKey: ServiceAccountKey;
  if (existsSync(saKeyPath)) {
    const privateKeyPem = readFileSync(saKeyPath, 'utf8');
    try {
      const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
      serviceAccountKey = { privateKeyPem, publicKeyPem };
    } catch (cause) {
      throw new PkiError(`cannot parse ${saKeyPath}`, { cause });
    }
  } else {
    serviceAccountKey = createServiceAccountKey();
    writeFileAtomic(saKeyPath, serviceAccountKey.privateKeyPem, PRIVATE_FILE_MODE);
  }
  return { ca, server, serviceAccountKey };
}
