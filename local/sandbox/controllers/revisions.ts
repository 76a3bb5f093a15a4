/**
 * ControllerRevisions of StatefulSets and DaemonSets: one per distinct pod template, named
 * <owner>-<hash>, with an increasing revision number. Going back to an earlier template
 * (`kubectl rollout undo`) reuses its revision object and gives it the next number, as the
 * real history helpers do; history beyond revisionHistoryLimit is pruned.
 */
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context } from './context.ts';
import { computeHash } from './hash.ts';
import { canonicalJson, int, ownerReferenceTo } from './util.ts';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
const HASH_LABEL = 'controller.kubernetes.io/hash';
const DEFAULT_HISTORY_LIMIT = 10;

export type Revisions = {
  /** The revision of the owner's current template. */
  update: { name: string; hash: string; template: unknown };
  /** The revision named by status.currentRevision (or the update revision when unknown). */
  current: { name: string; hash: string; template: unknown };
};

export function revisionData(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...(template as object), $patch: 'replace' } } };
}

export function syncRevisions(ctx: Context, owner: KubeObject, pods: KubeObject[], revisionNameOfLabel: (labelValue: string) => string): Revisions {
  const template = owner.spec?.template ?? {};
  const hash = computeHash(template, owner.status?.collisionCount);
  const updateName = `${owner.metadata.name}-${hash}`;
  const update = { name: updateName, hash, template };
  const crType = ctx.type('apps', 'ControllerRevision');
  if (!crType) {
    const current = owner.status?.currentRevision && owner.status.currentRevision !== updateName ? { name: owner.status.currentRevision, hash: '', template } : update;
    return { update, current };
  }
  const crKey = ctx.key('apps', 'ControllerRevision')!;
  const history = ctx.cache.controlled(owner.metadata.uid!, crKey).sort((a, b) => int(a.revision, 0) - int(b.revision, 0));
  const maxRevision = history.reduce((m, r) => Math.max(m, int(r.revision, 0)), 0);
  const data = canonicalJson(revisionData(template));
  const equal = history.find((r) => canonicalJson(r.data) === data);
  if (equal) {
    if (int(equal.revision, 0) < maxRevision) ctx.writeObject(crType, { ...equal, revision: maxRevision + 1 });
    update.name = equal.metadata.name!;
  } else {
    ctx.create(crType, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: updateName,
        namespace: owner.metadata.namespace,
        labels: { ...(owner.spec?.selector?.matchLabels ?? {}), [HASH_LABEL]: hash },
        ownerReferences: [ownerReferenceTo(owner)],
      },
      data: revisionData(template),
      revision: maxRevision + 1,
    });
  }
  const currentName: string | undefined = owner.status?.currentRevision;
  const currentRev = currentName && currentName !== update.name ? history.find((r) => r.metadata.name === currentName) : undefined;
  const current = currentRev ? { name: currentRev.metadata.name!, hash: currentRev.metadata.labels?.[HASH_LABEL] ?? '', template: (currentRev.data as any)?.spec?.template ?? template } : update;
  prune(ctx, crType, owner, history, new Set([update.name, current.name, ...pods.map((p) => revisionNameOfLabel(p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ''))]));
  return { update, current };
}

function prune(ctx: Context, crType: ResourceType, owner: KubeObject, history: KubeObject[], live: Set<string>): void {
  const limit = int(owner.spec?.revisionHistoryLimit, DEFAULT_HISTORY_LIMIT);
  const removable = history.filter((r) => !live.has(r.metadata.name!));
  for (const r of removable.slice(0, Math.max(0, removable.length - limit))) ctx.delete(crType, r);
}

/** The template of a revision without the `$patch` marker. */
export function templateOf(template: unknown): Record<string, any> {
  const { $patch: _ignored, ...rest } = (template ?? {}) as Record<string, any>;
  return rest;
}
