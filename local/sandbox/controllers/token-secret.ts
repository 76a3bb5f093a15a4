/**
 * Legacy service-account token Secrets (the token controller): a Secret of type
 * kubernetes.io/service-account-token naming a ServiceAccount in its
 * kubernetes.io/service-account.name annotation gets a signed token, the CA and the
 * namespace in its data, and the account's uid annotation. When the account goes, so does
 * the Secret.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { PLACEHOLDER_CA_PEM } from './namespace.ts';
import { keyOf, splitKey } from './util.ts';

export const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export class TokenSecretController implements Controller {
  readonly name = 'serviceaccount-token';
  readonly watches: string[];
  private readonly secretType: ResourceType;
  private readonly saType: ResourceType;
  private readonly secretKey: string;
  private readonly saKey: string;

  constructor(private readonly ctx: Context) {
    this.secretType = ctx.type('', 'Secret')!;
    this.saType = ctx.type('', 'ServiceAccount')!;
    this.secretKey = ctx.key('', 'Secret')!;
    this.saKey = ctx.key('', 'ServiceAccount')!;
    this.watches = [this.secretKey, this.saKey];
  }

  start(): void {
    for (const s of this.ctx.cluster.store.list(this.secretKey)) if (s.type === TOKEN_SECRET_TYPE) this.ctx.queue.add(this, keyOf(s));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.secretKey) {
      if (event.type !== 'DELETED' && event.object.type === TOKEN_SECRET_TYPE) this.ctx.queue.add(this, keyOf(event.object));
      return;
    }
    const sa = event.object;
    for (const secret of this.ctx.cache.inNamespace(sa.metadata.namespace!, this.secretKey)) {
      if (secret.type === TOKEN_SECRET_TYPE && secret.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name) this.ctx.queue.add(this, keyOf(secret));
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const secret = this.ctx.cluster.tryGet(this.secretType, namespace, name);
    if (!secret || secret.type !== TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
    if (!saName) return;
    const sa = this.ctx.cluster.tryGet(this.saType, namespace, saName);
    const boundUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    if (!sa || (boundUid && boundUid !== sa.metadata.uid)) {
      // The account this token was issued for is gone.
      if (boundUid && secret.data?.token) this.ctx.delete(this.secretType, secret);
      return;
    }
    if (secret.data?.token && boundUid) return;
    const issuer = this.ctx.deps.issueLegacyToken;
    const bound: KubeObject = { ...secret, metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [SA_UID_ANNOTATION]: sa.metadata.uid! } } };
    const data: Record<string, string> = { ...(secret.data ?? {}), 'ca.crt': b64(this.ctx.deps.caCertPem ?? PLACEHOLDER_CA_PEM), namespace: b64(namespace!) };
    if (issuer) data.token = b64(issuer(bound, sa));
    this.ctx.writeObject(this.secretType, { ...bound, data });
  }
}
