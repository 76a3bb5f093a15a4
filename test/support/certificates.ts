/**
 * Certificates and keys for tests of target checks: a CA, a client certificate it signed with
 * its key, and keys that are wrong for it in each way a kubeconfig can get wrong (another RSA
 * key, an EC key, the right key encrypted). Made once per process: RSA keys take a while.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { type CertificateAndKey, createCertificateAuthority, createClientCertificate } from '#sandbox/auth/pki.ts';

export type TestCertificates = {
  ca: CertificateAndKey;
  /** Signed by `ca`, with its own key. */
  client: CertificateAndKey;
  /** An RSA key that is not the client's. */
  otherRsaKeyPem: string;
  /** An EC key: another type than the client certificate's. */
  ecKeyPem: string;
  /** The client's key, encrypted with ENCRYPTED_KEY_PASSPHRASE. */
  encryptedKeyPem: string;
  /** The client certificate in DER: binary, not PEM. */
  clientCertDer: Buffer;
};

export const ENCRYPTED_KEY_PASSPHRASE = 'test-passphrase-7d2e';
const RSA_BITS = 2048;

let made: TestCertificates | undefined;

export function testCertificates(): TestCertificates {
  if (made) return made;
  const ca = createCertificateAuthority({ commonName: 'test-ca' });
  const client = createClientCertificate(ca, { username: 'test-user', groups: ['test-group'] });
  const otherRsaKeyPem = generateKeyPairSync('rsa', { modulusLength: RSA_BITS }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const ecKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const encryptedKeyPem = createPrivateKey(client.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: ENCRYPTED_KEY_PASSPHRASE }).toString();
  const clientCertDer = new X509Certificate(client.certPem).raw;
  made = { ca, client, otherRsaKeyPem, ecKeyPem, encryptedKeyPem, clientCertDer };
  return made;
}

/** The base64 body of a PEM block, without armour: what a secret looks like inside a message. */
export function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}
