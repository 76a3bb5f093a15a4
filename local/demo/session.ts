/**
 * What every part of the demo works with: an API client per demo user (each signs with its own
 * access keys, so the API sees four people with four roles), kubectl on the stack's kubeconfig,
 * and the output the progress goes to. Nothing here prints a key or a token.
 */
import { ApiClient } from '#cli/api/client.ts';
import type { Writer } from '#cli/output.ts';
import { DEMO_PROFILES, type DemoCredential } from '../aws/api-gateway/credentials.ts';
import { Kubectl } from './kubectl.ts';

/** Where the demo runs and who it acts as. */
export type DemoContext = {
  /** The local API Gateway (CONVEYOR_API_URL). */
  apiUrl: string;
  /** The local EventBridge, where the demo publishes image pushes as ECR would. */
  eventsUrl: string;
  region: string;
  accountId: string;
  /** The demo users' keys (admin, release-manager, approver, auditor). */
  users: readonly DemoCredential[];
  kubeconfig: string;
  kubectlPath: string;
  out: Writer;
};

export type Profile = (typeof DEMO_PROFILES)[number];

export type DemoSession = {
  context: DemoContext;
  as: Record<Profile, ApiClient>;
  kubectl: Kubectl;
  say(line?: string): void;
  /** A numbered section heading. */
  section(title: string): void;
};

/** The demo failed a check it makes (a deployment that should succeed did not): the message says which. */
export class DemoFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoFailedError';
  }
}

export function openSession(context: DemoContext): DemoSession {
  const user = (profile: Profile) => {
    const found = context.users.find((u) => u.profile === profile);
    if (!found) throw new Error(`no credentials for the demo user "${profile}"`);
    return found;
  };
  const client = (profile: Profile) => {
    const { accessKeyId, secretAccessKey } = user(profile);
    return new ApiClient({ endpoint: new URL(context.apiUrl), region: context.region, credentials: { accessKeyId, secretAccessKey } });
  };
  let sections = 0;
  const say = (line = '') => context.out.write(`${line}\n`);
  return {
    context,
    as: Object.fromEntries(DEMO_PROFILES.map((p) => [p, client(p)])) as Record<Profile, ApiClient>,
    kubectl: new Kubectl(context.kubectlPath, context.kubeconfig),
    say,
    section(title) {
      say();
      say(`[${++sections}] ${title}`);
    },
  };
}
