/**
 * Hand-written in-memory stores for unit tests of the application layer: the configuration
 * stores (environments, lifecycles, accounts, targets, role bindings), projects without
 * chunking, and an audit log that seals events with the real chain functions. They follow the
 * ports' contracts where a use case can tell: copies in and out, version 1 on create, version
 * + 1 on update, NotFoundError, DuplicateError and VersionConflictError as the real stores
 * throw them, and the same store-side checks (validate.ts). Stores a test did not ask for throw
 * when used, so a use case touching more than it should fails loudly.
 */
import { type ChainVerification, sealEvent, verifyChain } from './audit.ts';
import { DuplicateError, InvalidStateError, NotFoundError, VersionConflictError } from './errors.ts';
import type { Account, AuditEntry, AuditEvent, AuditHead, Environment, Lifecycle, PrincipalArn, Project, ProjectSummary, RoleBinding, Target, Versioned } from './model.ts';
import type { AuditLog, ConfigStore, New, Page, PageRequest, PipelineStores, ProjectStore, RoleStore, TargetStore } from './ports.ts';
import { assertAccount, assertProject, assertTarget } from './validate.ts';

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryConfigStore<T extends Versioned> implements ConfigStore<T> {
  protected readonly items = new Map<string, T>();

  constructor(
    protected readonly label: string,
    protected readonly idOf: (entity: T | New<T>) => string,
    private readonly check: (entity: T | New<T>) => void = () => undefined,
    private readonly order?: (a: T, b: T) => number,
  ) {}

  async get(id: string): Promise<T> {
    const item = this.items.get(id);
    if (!item) throw new NotFoundError(`${this.label} ${id}`);
    return copy(item);
  }

  async list(): Promise<T[]> {
    const all = [...this.items.values()].map(copy);
    return this.order ? all.sort(this.order) : all.sort((a, b) => (this.idOf(a) < this.idOf(b) ? -1 : 1));
  }

  async create(entity: New<T>): Promise<T> {
    this.check(entity);
    const id = this.idOf(entity);
    if (this.items.has(id)) throw new DuplicateError(`${this.label} ${id}`);
    const stored = { ...copy(entity), version: 1 } as unknown as T;
    this.items.set(id, stored);
    return copy(stored);
  }

  async update(entity: T): Promise<T> {
    this.check(entity);
    const id = this.idOf(entity);
    this.atVersion(id, entity.version);
    const stored = { ...copy(entity), version: entity.version + 1 };
    this.items.set(id, stored);
    return copy(stored);
  }

  async delete(id: string, version: number): Promise<void> {
    this.atVersion(id, version);
    this.items.delete(id);
  }

  protected atVersion(id: string, version: number): T {
    const current = this.items.get(id);
    if (!current) throw new NotFoundError(`${this.label} ${id}`);
    if (current.version !== version) throw new VersionConflictError(`${this.label} ${id}`, version, current.version);
    return current;
  }
}

export class InMemoryTargetStore extends InMemoryConfigStore<Target> implements TargetStore {
  constructor() {
    super('target', (t) => t.id, assertTarget);
  }

  async listByEnvironmentAndTag(environmentId: string, tag: string): Promise<Target[]> {
    return (await this.list()).filter((target) => target.environments.includes(environmentId) && target.tags.includes(tag));
  }
}

export class InMemoryRoleStore extends InMemoryConfigStore<RoleBinding> implements RoleStore {
  constructor() {
    super('role binding of', (b) => b.principalArn);
  }

  async find(principalArn: PrincipalArn): Promise<RoleBinding | undefined> {
    const binding = this.items.get(principalArn);
    return binding ? copy(binding) : undefined;
  }
}

export class InMemoryProjectStore implements ProjectStore {
  private readonly store = new InMemoryConfigStore<Project>('project', (p) => p.id, assertProject);

  get(id: string): Promise<Project> {
    return this.store.get(id);
  }

  async list(): Promise<ProjectSummary[]> {
    return (await this.store.list()).map(({ process: _, variables: __, ...summary }) => summary);
  }

  create(project: New<Omit<Project, 'releaseCounter'>>): Promise<Project> {
    return this.store.create({ ...project, releaseCounter: 0 });
  }

  async update(project: Project): Promise<Project> {
    const current = await this.store.get(project.id);
    return this.store.update({ ...project, releaseCounter: current.releaseCounter });
  }

  /** For tests of what releases change: the counter only the release store moves. */
  async setReleaseCounter(id: string, releaseCounter: number): Promise<void> {
    const current = await this.store.get(id);
    await this.store.update({ ...current, releaseCounter });
  }

  async delete(id: string, version: number): Promise<void> {
    const current = await this.store.get(id);
    if (current.version === version && current.releaseCounter > 0)
      throw new InvalidStateError(`project ${id}`, `has ${current.releaseCounter} releases, which are kept; the project cannot be deleted`);
    return this.store.delete(id, version);
  }
}

/** An audit log in memory, sealed with the real chain functions; `events` is the chain in order. */
export class InMemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  private sequence = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(entry: AuditEntry): Promise<AuditEvent> {
    const event = sealEvent(this.events.at(-1), copy(entry), `event-${++this.sequence}`, this.now());
    this.events.push(event);
    return copy(event);
  }

  async head(): Promise<AuditHead | undefined> {
    const last = this.events.at(-1);
    return last ? { sequence: last.sequence, hash: last.hash, time: last.time } : undefined;
  }

  async listByTime(range: { from?: string; to?: string; newestFirst?: boolean }, _page?: PageRequest): Promise<Page<AuditEvent>> {
    const items = this.events.filter((e) => (!range.from || e.time >= range.from) && (!range.to || e.time <= range.to)).map(copy);
    return { items: range.newestFirst ? items.reverse() : items };
  }

  async listBySubject(subject: string, _page?: PageRequest): Promise<Page<AuditEvent>> {
    return { items: this.events.filter((e) => e.subject === subject).map(copy) };
  }

  async verify(): Promise<ChainVerification> {
    return verifyChain(this.events, { head: await this.head() });
  }

  /** Events of one action, for assertions. */
  ofAction(action: string): AuditEvent[] {
    return this.events.filter((event) => event.action === action);
  }
}

/** Stands in for a store the test did not provide. */
function absent<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new Error(`the in-memory stores have no ${name} store (asked for .${String(property)})`);
    },
  });
}

export type InMemoryStores = PipelineStores & {
  environments: InMemoryConfigStore<Environment>;
  lifecycles: InMemoryConfigStore<Lifecycle>;
  accounts: InMemoryConfigStore<Account>;
  targets: InMemoryTargetStore;
  roles: InMemoryRoleStore;
  projects: InMemoryProjectStore;
  audit: InMemoryAuditLog;
};

/** The configuration stores and the audit log in memory; release-flow stores throw when used. */
export function inMemoryStores(now?: () => Date): InMemoryStores {
  return {
    environments: new InMemoryConfigStore<Environment>(
      'environment',
      (e) => e.id,
      () => undefined,
      (a, b) => a.order - b.order || (a.id < b.id ? -1 : 1),
    ),
    lifecycles: new InMemoryConfigStore<Lifecycle>('lifecycle', (l) => l.id),
    accounts: new InMemoryConfigStore<Account>('account', (a) => a.id, assertAccount),
    targets: new InMemoryTargetStore(),
    roles: new InMemoryRoleStore(),
    projects: new InMemoryProjectStore(),
    audit: new InMemoryAuditLog(now),
    releases: absent('releases'),
    deployments: absent('deployments'),
    approvals: absent('approvals'),
    locks: absent('locks'),
    images: absent('images'),
    lifecycleWaits: absent('lifecycleWaits'),
  };
}
