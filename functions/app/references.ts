/**
 * What the configuration use cases share: how subjects are named in audit events, and the
 * check that every id a request names (a lifecycle's environments, a target's account) exists.
 * A missing reference is the caller's to fix, so it is a 400 (UnknownReferenceError) that says
 * which field named what, and lists the ids that do exist.
 */
import { InvalidStateError, UnknownReferenceError } from '#domain/pipeline/errors.ts';

/** Known ids listed in a message (all of them go to `details.known` up to the same bound). */
export const MAX_KNOWN_SHOWN = 50;

/** The configuration kinds, as audit subjects and messages name them. */
export type ConfigKind = 'environment' | 'lifecycle' | 'project' | 'account' | 'target' | 'role-binding';

/** `environment/production`: the audit subject of a configuration entity. */
export function subjectOf(kind: ConfigKind, id: string): string {
  return `${kind}/${id}`;
}

function shown(ids: readonly string[]): string {
  if (ids.length === 0) return 'none';
  const head = ids.slice(0, MAX_KNOWN_SHOWN).join(', ');
  return ids.length > MAX_KNOWN_SHOWN ? `${head} and ${ids.length - MAX_KNOWN_SHOWN} more` : head;
}

const plural = (kind: string, count: number) => (count === 1 ? kind : `${kind}s`);

/** Collects unknown references of one request, then throws them together. */
export class References {
  private readonly problems: string[] = [];
  private readonly known: Record<string, string[]> = {};

  /** @param subject what the request is about, for the message: `lifecycle default` */
  constructor(private readonly subject: string) {}

  /**
   * Notes every id of `ids` that is not in `existing`. `field` says where the request named
   * them (`phases[1].environments`); `kind` what they are (`environment`).
   */
  check(field: string, kind: string, ids: readonly string[], existing: readonly string[]): this {
    const known = new Set(existing);
    const missing = [...new Set(ids)].filter((id) => !known.has(id));
    if (missing.length === 0) return this;
    this.problems.push(`${field} names unknown ${plural(kind, missing.length)} ${missing.map((id) => JSON.stringify(id)).join(', ')} (known: ${shown(existing)})`);
    this.known[plural(kind, 2)] = existing.slice(0, MAX_KNOWN_SHOWN);
    return this;
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new UnknownReferenceError(this.subject, this.problems, this.known);
  }
}

/**
 * The refusal to delete something others still name: a conflict (409) listing who, so the
 * caller knows what to change first. `users` maps a kind (`targets`) to the ids that use it.
 */
export function inUse(subject: string, users: Record<string, readonly string[]>): InvalidStateError | undefined {
  const parts = Object.entries(users)
    .filter(([, ids]) => ids.length > 0)
    .map(([kind, ids]) => `${kind} ${shown(ids)}`);
  if (parts.length === 0) return undefined;
  return new InvalidStateError(subject, `is used by ${parts.join(' and ')}; change those first`);
}
