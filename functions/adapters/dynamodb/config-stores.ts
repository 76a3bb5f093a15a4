/**
 * Stores of small configuration entities (environments, lifecycles, accounts, role bindings):
 * one partition per kind, one item per entity, read by key or listed with one query, written
 * with a version condition. Targets add copies per (environment, tag): target-store.ts.
 */
import { DuplicateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import { type Account, ENVIRONMENT_SCOPED_ROLES, type Environment, type Lifecycle, type PrincipalArn, type RoleBinding, type Versioned } from '#domain/pipeline/model.ts';
import type { ConfigStore, New, RoleStore } from '#domain/pipeline/ports.ts';
import { assertAccount, assertSlug, Problems } from '#domain/pipeline/validate.ts';
import { ConditionFailed } from './errors.ts';
import { configKey, type Key } from './keys.ts';
import { fromItem, names, type TableClient, toItem } from './table-client.ts';

/** How one kind of entity is stored. */
export type ConfigKind<T extends Versioned> = {
  /** Names the entity in messages: `environment prod`. */
  label: string;
  /** The item's `type` attribute. */
  type: string;
  key: (id: string) => Key;
  idOf: (entity: T | New<T>) => string;
  /** Throws ValidationError; runs before every write. */
  validate: (entity: T | New<T>) => void;
  /** List order; id order when absent. */
  order?: (a: T, b: T) => number;
};

/** Condition of an update or delete: the entity exists at the version the caller read. */
export const AT_VERSION = 'attribute_exists(PK) AND #version = :expected';
export const IS_NEW = 'attribute_not_exists(PK)';

export class DynamoConfigStore<T extends Versioned> implements ConfigStore<T> {
  constructor(
    protected readonly table: TableClient,
    protected readonly kind: ConfigKind<T>,
  ) {}

  protected subject(id: string): string {
    return `${this.kind.label} ${id}`;
  }

  async get(id: string): Promise<T> {
    const item = await this.table.get(this.kind.key(id), `reading ${this.subject(id)}`);
    if (!item) throw new NotFoundError(this.subject(id));
    return fromItem<T>(item);
  }

  async list(): Promise<T[]> {
    const { PK, SK } = this.kind.key('');
    const items = await this.table.queryAll(
      { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': PK, ':prefix': SK }, ConsistentRead: true },
      `listing ${this.kind.label}s`,
    );
    const entities = items.map((item) => fromItem<T>(item));
    return this.kind.order ? entities.sort(this.kind.order) : entities;
  }

  async create(entity: New<T>): Promise<T> {
    this.kind.validate(entity);
    const id = this.kind.idOf(entity);
    const stored = { ...entity, version: 1 } as unknown as T;
    try {
      await this.table.put({ Item: toItem(this.kind.key(id), this.kind.type, stored), ConditionExpression: IS_NEW }, `creating ${this.subject(id)}`);
    } catch (error) {
      if (error instanceof ConditionFailed) throw new DuplicateError(this.subject(id));
      throw error;
    }
    return stored;
  }

  async update(entity: T): Promise<T> {
    this.kind.validate(entity);
    const id = this.kind.idOf(entity);
    const stored = { ...entity, version: entity.version + 1 };
    try {
      await this.table.put(
        {
          Item: toItem(this.kind.key(id), this.kind.type, stored),
          ConditionExpression: AT_VERSION,
          ExpressionAttributeNames: names('version'),
          ExpressionAttributeValues: { ':expected': entity.version },
        },
        `updating ${this.subject(id)}`,
      );
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.explain(id, entity.version);
      throw error;
    }
    return stored;
  }

  async delete(id: string, version: number): Promise<void> {
    try {
      await this.table.delete(
        { Key: this.kind.key(id), ConditionExpression: AT_VERSION, ExpressionAttributeNames: names('version'), ExpressionAttributeValues: { ':expected': version } },
        `deleting ${this.subject(id)}`,
      );
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.explain(id, version);
      throw error;
    }
  }

  /** Why a version condition failed: the entity is gone, or it is at another version. */
  protected async explain(id: string, expected: number): Promise<Error> {
    const item = await this.table.get(this.kind.key(id), `reading ${this.subject(id)}`);
    return item ? new VersionConflictError(this.subject(id), expected, item.version as number) : new NotFoundError(this.subject(id));
  }
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function environmentStore(table: TableClient): ConfigStore<Environment> {
  return new DynamoConfigStore<Environment>(table, {
    label: 'environment',
    type: 'Environment',
    key: configKey.environment,
    idOf: (e) => e.id,
    validate: (e) => assertSlug(`environment ${e.id}`, 'id', e.id),
    order: (a, b) => a.order - b.order || byId(a, b),
  });
}

export function lifecycleStore(table: TableClient): ConfigStore<Lifecycle> {
  return new DynamoConfigStore<Lifecycle>(table, {
    label: 'lifecycle',
    type: 'Lifecycle',
    key: configKey.lifecycle,
    idOf: (l) => l.id,
    validate: (l) => {
      const p = new Problems().slug('id', l.id);
      l.phases.forEach((phase, i) => phase.environments.forEach((env, j) => p.slug(`phases[${i}].environments[${j}]`, env)));
      p.throwIfAny(`lifecycle ${l.id}`);
    },
  });
}

export function accountStore(table: TableClient): ConfigStore<Account> {
  return new DynamoConfigStore<Account>(table, {
    label: 'account',
    type: 'Account',
    key: configKey.account,
    idOf: (a) => a.id,
    validate: (a) => assertAccount(a),
  });
}

/** IAM users, roles and assumed-role sessions, as API Gateway's IAM authorizer names callers. */
const PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/;

function validateBinding(binding: New<RoleBinding>): void {
  const p = new Problems().match('principalArn', binding.principalArn, PRINCIPAL_ARN_PATTERN, 'an IAM or STS principal ARN');
  binding.roles.forEach((grant, i) => {
    p.check(!grant.environments || ENVIRONMENT_SCOPED_ROLES.includes(grant.role), `roles[${i}]: only ${ENVIRONMENT_SCOPED_ROLES.join(' and ')} may be limited to environments`);
    grant.environments?.forEach((env, j) => p.slug(`roles[${i}].environments[${j}]`, env));
  });
  p.throwIfAny(`role binding of ${binding.principalArn}`);
}

class DynamoRoleStore extends DynamoConfigStore<RoleBinding> implements RoleStore {
  async find(principalArn: PrincipalArn): Promise<RoleBinding | undefined> {
    const item = await this.table.get(this.kind.key(principalArn), `reading the role binding of ${principalArn}`);
    return item ? fromItem<RoleBinding>(item) : undefined;
  }
}

export function roleStore(table: TableClient): RoleStore {
  return new DynamoRoleStore(table, {
    label: 'role binding of',
    type: 'RoleBinding',
    key: configKey.role,
    idOf: (b) => b.principalArn,
    validate: validateBinding,
    order: (a, b) => (a.principalArn < b.principalArn ? -1 : 1),
  });
}
