/**
 * One deployment at a time per project × environment: a lock item with a lease, and a queue of
 * waiting deployments in the same partition (read together in one query). The protocol
 * (docs/data-model.md, "Locks"):
 * - acquire: free (no holder, or its lease expired) and nobody live queued ahead → take it;
 *   otherwise take a ticket (the lock's counter, moved on condition) and wait in ticket order;
 *   asking again renews the place in the queue.
 * - renew: extend the lease, on condition the caller still holds it.
 * - release: hand the lock to the first live queued deployment, or free it.
 * A holder or a waiter that stops asking (its Lambda died, its execution was stopped) is
 * skipped once its lease or queue entry expires: nobody holds the lock forever.
 * Every holder change moves the lock's version, and takes the lock on condition the version
 * is still the one read, so two deployments never both take it.
 */
import { LockLostError } from '#domain/pipeline/errors.ts';
import type { DeploymentLock, LockQueueEntry } from '#domain/pipeline/model.ts';
import type { LockKey, LockRequest, LockStatus, LockStore } from '#domain/pipeline/ports.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import { IS_NEW } from './config-stores.ts';
import { DEPLOYMENT_ID_PATTERN } from './deployment-store.ts';
import { ConditionFailed } from './errors.ts';
import { lockKey, lockPartition, queueKey, queuePrefix } from './keys.ts';
import { fromItem, type Item, names, RETRY, type TableClient, type TransactItem, toItem } from './table-client.ts';

/** Leases from 1 second to 1 day: shorter cannot be renewed in time, longer blocks too long after a crash. */
const MIN_LEASE_SECONDS = 1;
const MAX_LEASE_SECONDS = 86_400;
/** Expired queue entries removed along with a lock change, at most: the transaction stays small. */
const MAX_CLEANUP = 20;
const MS_PER_SECOND = 1_000;

const LOCK_TYPE = 'DeploymentLock';
const QUEUE_TYPE = 'LockQueueEntry';

type LockItem = Omit<DeploymentLock, 'queue'> & { nextTicket: number };
type State = { lock?: LockItem; queue: LockQueueEntry[] };

const subject = (key: LockKey) => `project ${key.projectId} in environment ${key.environmentId}`;
const at = (now: Date, seconds: number) => new Date(now.getTime() + seconds * MS_PER_SECOND).toISOString();

function validate(request: LockKey & { deploymentId: string; leaseSeconds?: number }): void {
  const p = new Problems().slug('projectId', request.projectId).slug('environmentId', request.environmentId);
  p.match('deploymentId', request.deploymentId, DEPLOYMENT_ID_PATTERN, 'a deployment id');
  if (request.leaseSeconds !== undefined) {
    p.check(
      Number.isInteger(request.leaseSeconds) && request.leaseSeconds >= MIN_LEASE_SECONDS && request.leaseSeconds <= MAX_LEASE_SECONDS,
      `leaseSeconds must be an integer from ${MIN_LEASE_SECONDS} to ${MAX_LEASE_SECONDS}`,
    );
  }
  p.throwIfAny(`the lock of ${subject(request)}`);
}

export class DynamoLockStore implements LockStore {
  constructor(private readonly table: TableClient) {}

  async get(key: LockKey): Promise<DeploymentLock> {
    const { lock, queue } = await this.#read(key);
    return { projectId: key.projectId, environmentId: key.environmentId, version: lock?.version ?? 0, holder: lock?.holder, queue };
  }

  async acquire(request: LockRequest): Promise<LockStatus> {
    validate(request);
    return this.table.contended(`the lock of ${subject(request)}`, async () => {
      const now = this.table.now();
      const { lock, queue } = await this.#read(request);
      if (lock?.holder?.deploymentId === request.deploymentId) return { held: true, leaseExpiresAt: lock.holder.leaseExpiresAt, version: lock.version };
      const live = queue.filter((entry) => entry.expiresAt > now.toISOString());
      const mine = live.find((entry) => entry.deploymentId === request.deploymentId);
      const stale = queue.filter((entry) => entry.deploymentId === request.deploymentId && entry !== mine);
      const ahead = live.filter((entry) => entry !== mine && (!mine || entry.ticket < mine.ticket));
      const free = !lock?.holder || lock.holder.leaseExpiresAt <= now.toISOString();
      try {
        if (free && ahead.length === 0) return await this.#take(request, lock, now, [...(mine ? [mine] : []), ...stale, ...this.#expired(queue, now)]);
        const position = ahead.length + 1;
        if (mine) {
          await this.#renewPlace(request, mine, now);
        } else {
          await this.#enqueue(request, lock, now, stale);
        }
        return { held: false, position, holder: lock?.holder?.deploymentId };
      } catch (error) {
        if (error instanceof ConditionFailed) return RETRY;
        throw error;
      }
    });
  }

  async renew(request: LockRequest): Promise<LockStatus & { held: true }> {
    validate(request);
    const leaseExpiresAt = at(this.table.now(), request.leaseSeconds);
    try {
      const item = await this.table.update(
        {
          Key: lockKey(request.projectId, request.environmentId),
          UpdateExpression: 'SET holder.leaseExpiresAt = :expires, #version = #version + :one',
          ConditionExpression: 'holder.deploymentId = :me',
          ExpressionAttributeNames: names('version'),
          ExpressionAttributeValues: { ':expires': leaseExpiresAt, ':one': 1, ':me': request.deploymentId },
        },
        `renewing the lock of ${subject(request)}`,
      );
      return { held: true, leaseExpiresAt, version: item.version as number };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      const { lock } = await this.#read(request);
      throw new LockLostError(subject(request), request.deploymentId, lock?.holder?.deploymentId);
    }
  }

  async release(key: LockKey & { deploymentId: string }): Promise<{ handedTo?: string }> {
    validate(key);
    return this.table.contended(`the lock of ${subject(key)}`, async () => {
      const now = this.table.now();
      const { lock, queue } = await this.#read(key);
      if (!lock || lock.holder?.deploymentId !== key.deploymentId) return {};
      const next = queue.find((entry) => entry.expiresAt > now.toISOString());
      const holder = next ? { deploymentId: next.deploymentId, acquiredAt: now.toISOString(), leaseExpiresAt: at(now, next.leaseSeconds) } : undefined;
      const skipped = this.#expired(queue, now).filter((entry) => !next || entry.ticket < next.ticket);
      try {
        await this.table.transact([this.#holderWrite(key, lock, holder), ...[...(next ? [next] : []), ...skipped].map((entry) => this.#dequeue(key, entry))], `releasing the lock of ${subject(key)}`);
      } catch (error) {
        if (error instanceof ConditionFailed) return RETRY;
        throw error;
      }
      return { handedTo: next?.deploymentId };
    });
  }

  async leave(key: LockKey & { deploymentId: string }): Promise<void> {
    validate(key);
    const { queue } = await this.#read(key);
    for (const entry of queue.filter((e) => e.deploymentId === key.deploymentId)) {
      await this.table.delete({ Key: queueKey(key.projectId, key.environmentId, entry.ticket) }, `leaving the queue of ${subject(key)}`);
    }
  }

  /** The lock item and its queue in ticket order, in one strongly consistent query. */
  async #read(key: LockKey): Promise<State> {
    const items = await this.table.queryAll(
      { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': lockPartition(key.projectId, key.environmentId) }, ConsistentRead: true },
      `reading the lock of ${subject(key)}`,
    );
    const lockItem = items.find((item) => item.type === LOCK_TYPE);
    const queue = items
      .filter((item: Item) => item.type === QUEUE_TYPE && (item.SK as string).startsWith(queuePrefix))
      .map((item) => fromItem<LockQueueEntry>(item))
      .sort((a, b) => a.ticket - b.ticket);
    return { lock: lockItem ? fromItem<LockItem>(lockItem) : undefined, queue };
  }

  #expired(queue: LockQueueEntry[], now: Date): LockQueueEntry[] {
    return queue.filter((entry) => entry.expiresAt <= now.toISOString()).slice(0, MAX_CLEANUP);
  }

  /**
   * Sets (or clears) the holder and moves the version, on condition nobody changed the holder
   * since the read. An update, not a put: the ticket counter moves independently (enqueue).
   */
  #holderWrite(key: LockKey, lock: LockItem | undefined, holder: LockItem['holder']): TransactItem {
    const set = 'SET #version = :next, #type = :type, projectId = :project, environmentId = :environment, nextTicket = if_not_exists(nextTicket, :zero)';
    return {
      Update: {
        Key: lockKey(key.projectId, key.environmentId),
        UpdateExpression: holder ? `${set}, holder = :holder` : `${set} REMOVE holder`,
        ConditionExpression: lock ? '#version = :expected' : IS_NEW,
        ExpressionAttributeNames: names('version', 'type'),
        ExpressionAttributeValues: {
          ':next': (lock?.version ?? 0) + 1,
          ':type': LOCK_TYPE,
          ':project': key.projectId,
          ':environment': key.environmentId,
          ':zero': 0,
          ...(holder ? { ':holder': holder } : {}),
          ...(lock ? { ':expected': lock.version } : {}),
        },
      },
    };
  }

  #dequeue(key: LockKey, entry: LockQueueEntry): TransactItem {
    return { Delete: { Key: queueKey(key.projectId, key.environmentId, entry.ticket), ConditionExpression: 'attribute_exists(PK)' } };
  }

  async #take(request: LockRequest, lock: LockItem | undefined, now: Date, leaving: LockQueueEntry[]): Promise<LockStatus> {
    const holder = { deploymentId: request.deploymentId, acquiredAt: now.toISOString(), leaseExpiresAt: at(now, request.leaseSeconds) };
    // One operation per item in a transaction: an entry may be both the caller's and expired.
    const unique = [...new Map(leaving.map((entry) => [entry.ticket, entry])).values()];
    await this.table.transact([this.#holderWrite(request, lock, holder), ...unique.map((entry) => this.#dequeue(request, entry))], `taking the lock of ${subject(request)}`);
    return { held: true, leaseExpiresAt: holder.leaseExpiresAt, version: (lock?.version ?? 0) + 1 };
  }

  /** A new ticket: the lock's counter moves on condition it is still the one read, so tickets are unique. */
  async #enqueue(request: LockRequest, lock: LockItem | undefined, now: Date, stale: LockQueueEntry[]): Promise<void> {
    const ticket = (lock?.nextTicket ?? 0) + 1;
    const entry: LockQueueEntry = { deploymentId: request.deploymentId, ticket, queuedAt: now.toISOString(), expiresAt: at(now, request.leaseSeconds), leaseSeconds: request.leaseSeconds };
    const counter: TransactItem = lock
      ? {
          Update: {
            Key: lockKey(request.projectId, request.environmentId),
            UpdateExpression: 'SET nextTicket = :ticket',
            ConditionExpression: 'nextTicket = :previous',
            ExpressionAttributeValues: { ':ticket': ticket, ':previous': lock.nextTicket },
          },
        }
      : {
          Put: {
            Item: toItem(lockKey(request.projectId, request.environmentId), LOCK_TYPE, { projectId: request.projectId, environmentId: request.environmentId, nextTicket: ticket, version: 0 }),
            ConditionExpression: IS_NEW,
          },
        };
    await this.table.transact(
      [
        counter,
        { Put: { Item: toItem(queueKey(request.projectId, request.environmentId, ticket), QUEUE_TYPE, entry), ConditionExpression: IS_NEW } },
        ...stale.map((old) => this.#dequeue(request, old)),
      ],
      `queueing for the lock of ${subject(request)}`,
    );
  }

  async #renewPlace(request: LockRequest, mine: LockQueueEntry, now: Date): Promise<void> {
    await this.table.update(
      {
        Key: queueKey(request.projectId, request.environmentId, mine.ticket),
        UpdateExpression: 'SET expiresAt = :expires',
        ConditionExpression: 'attribute_exists(PK) AND deploymentId = :me',
        ExpressionAttributeValues: { ':expires': at(now, request.leaseSeconds), ':me': request.deploymentId },
      },
      `keeping a place in the queue of ${subject(request)}`,
    );
  }
}
