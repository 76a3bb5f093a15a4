/**
 * Targets: the target item, plus a copy under every (environment, tag) it serves, so that "the
 * targets of Production tagged web" is one query on one key. The copies are written in the same
 * transaction as the target, so they never disagree with it.
 */
import { DuplicateError, ValidationError } from '#domain/pipeline/errors.ts';
import type { Target } from '#domain/pipeline/model.ts';
import type { New, TargetStore } from '#domain/pipeline/ports.ts';
import { assertTarget } from '#domain/pipeline/validate.ts';
import { AT_VERSION, DynamoConfigStore, IS_NEW } from './config-stores.ts';
import { ConditionFailed } from './errors.ts';
import { configKey, type Key, targetMembershipKey, targetMembershipPrefix } from './keys.ts';
import { fromItem, names, type TableClient, type TransactItem, toItem } from './table-client.ts';

/**
 * Environments × tags of one target. An update deletes the old copies and writes the new ones
 * in one transaction of at most 100 items, so old and new together must stay under 99.
 */
export const MAX_TARGET_MEMBERSHIPS = 48;

const MEMBERSHIP_TYPE = 'TargetMembership';

function memberships(target: Pick<Target, 'id' | 'environments' | 'tags'>): Key[] {
  return target.environments.flatMap((env) => target.tags.map((tag) => targetMembershipKey(env, tag, target.id)));
}

function assertMemberships(target: Target | New<Target>): void {
  assertTarget(target);
  const count = target.environments.length * target.tags.length;
  if (count > MAX_TARGET_MEMBERSHIPS) {
    throw new ValidationError(`target ${target.id}`, [`environments × tags is ${count}; the limit is ${MAX_TARGET_MEMBERSHIPS} (one transaction updates a target and its lookup copies)`]);
  }
}

const keyString = (key: Key) => `${key.PK}\n${key.SK}`;

class DynamoTargetStore extends DynamoConfigStore<Target> implements TargetStore {
  async listByEnvironmentAndTag(environmentId: string, tag: string): Promise<Target[]> {
    const { PK, prefix } = targetMembershipPrefix(environmentId, tag);
    const items = await this.table.queryAll(
      { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': PK, ':prefix': prefix }, ConsistentRead: true },
      `listing the targets of environment ${environmentId} tagged ${tag}`,
    );
    return items.map((item) => fromItem<Target>(item));
  }

  /** The target and its copies, in one transaction: the target first, so that a failed position 0 is the target's condition. */
  #writes(stored: Target, condition: Omit<NonNullable<TransactItem['Put']>, 'Item'>, previous?: Target): TransactItem[] {
    const next = memberships(stored);
    const nextKeys = new Set(next.map(keyString));
    const stale = previous ? memberships(previous).filter((key) => !nextKeys.has(keyString(key))) : [];
    return [
      { Put: { Item: toItem(configKey.target(stored.id), 'Target', stored), ...condition } },
      ...next.map((key) => ({ Put: { Item: toItem(key, MEMBERSHIP_TYPE, stored) } })),
      ...stale.map((key) => ({ Delete: { Key: key } })),
    ];
  }

  override async create(target: New<Target>): Promise<Target> {
    assertMemberships(target);
    const stored: Target = { ...target, version: 1 };
    try {
      await this.table.transact(this.#writes(stored, { ConditionExpression: IS_NEW }), `creating target ${target.id}`);
    } catch (error) {
      if (error instanceof ConditionFailed) throw new DuplicateError(`target ${target.id}`);
      throw error;
    }
    return stored;
  }

  override async update(target: Target): Promise<Target> {
    assertMemberships(target);
    // The copies to remove are those of the stored target; the version condition makes sure it is still the one read.
    const previous = await this.get(target.id);
    if (previous.version !== target.version) throw await this.explain(target.id, target.version);
    const stored: Target = { ...target, version: target.version + 1 };
    const condition = { ConditionExpression: AT_VERSION, ExpressionAttributeNames: names('version'), ExpressionAttributeValues: { ':expected': target.version } };
    try {
      await this.table.transact(this.#writes(stored, condition, previous), `updating target ${target.id}`);
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.explain(target.id, target.version);
      throw error;
    }
    return stored;
  }

  override async delete(id: string, version: number): Promise<void> {
    const previous = await this.get(id);
    if (previous.version !== version) throw await this.explain(id, version);
    const items: TransactItem[] = [
      { Delete: { Key: configKey.target(id), ConditionExpression: AT_VERSION, ExpressionAttributeNames: names('version'), ExpressionAttributeValues: { ':expected': version } } },
      ...memberships(previous).map((key) => ({ Delete: { Key: key } })),
    ];
    try {
      await this.table.transact(items, `deleting target ${id}`);
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.explain(id, version);
      throw error;
    }
  }
}

export function targetStore(table: TableClient): TargetStore {
  return new DynamoTargetStore(table, {
    label: 'target',
    type: 'Target',
    key: configKey.target,
    idOf: (t) => t.id,
    validate: assertMemberships,
  });
}
