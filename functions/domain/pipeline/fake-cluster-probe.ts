/**
 * A hand-written ClusterProbe for unit tests: answers with a scripted report (reachable, with
 * every question allowed unless listed in `denied`), and records each target it was asked about
 * without its account, so a test can print `calls` safely.
 */
import type { Target } from '../model.ts';
import { type ClusterProbe, type ProbeReport, type ProbeRequest, qualifiedResource } from './cluster-probe.ts';

export type FakeProbeCall = { target: string; url?: string; namespace?: string; accountKind: Target['account']['kind']; request: ProbeRequest };

export class FakeClusterProbe implements ClusterProbe {
  readonly calls: FakeProbeCall[] = [];
  /** `verb resource` pairs (`delete deployments.apps`) the fake answers as not allowed. */
  readonly denied = new Set<string>();
  /** When set, the probe answers this instead (an unreachable cluster, refused credentials). */
  failure?: Omit<ProbeReport, 'permissions'>;
  /** The targets probed, with their resolved accounts: for tests that check what the use case built. */
  readonly targets: Target[] = [];

  constructor(
    private readonly version = 'v1.33.0',
    private readonly user = 'system:serviceaccount:test:deployer',
  ) {}

  async probe(target: Target, request: ProbeRequest): Promise<ProbeReport> {
    this.targets.push(target);
    this.calls.push({
      target: target.name,
      ...(target.url ? { url: target.url } : {}),
      ...(target.namespace ? { namespace: target.namespace } : {}),
      accountKind: target.account.kind,
      request,
    });
    if (this.failure) return { ...this.failure, permissions: [] };
    const permissions = request.questions.map((question) => {
      const resource = qualifiedResource(question);
      return { verb: question.verb, resource, allowed: !this.denied.has(`${question.verb} ${resource}`) };
    });
    return { reachable: true, authenticated: true, serverVersion: this.version, authenticatedAs: this.user, permissions };
  }
}
