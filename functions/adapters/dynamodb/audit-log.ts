/**
 * The audit chain in the table: a head item (last sequence and hash) and one item per event,
 * both in the AUDIT partition, events keyed by zero-padded sequence so that key order is chain
 * order. Appending is one transaction: the head moves from n to n + 1 on condition it is still
 * at n, and event n + 1 is written on condition it does not exist. Concurrent appends therefore
 * serialize on the head; a loser reads the new head and links after it, so the chain never forks.
 */
import { randomUUID } from 'node:crypto';
import { type ChainVerification, sealEvent, verifyChain } from '#domain/pipeline/audit.ts';
import { TooLargeError, ValidationError } from '#domain/pipeline/errors.ts';
import type { AuditEntry, AuditEvent, AuditHead, Timestamp } from '#domain/pipeline/model.ts';
import type { AuditLog, Page, PageRequest } from '#domain/pipeline/ports.ts';
import { IS_NEW } from './config-stores.ts';
import { ConditionFailed } from './errors.ts';
import { AUDIT_BY_TIME, AUDIT_PARTITION, auditEventKey, auditEventPrefix, auditHeadKey, auditIndexKeys, auditSubjectPartition } from './keys.ts';
import { INDEX } from './table.ts';
import { fromItem, type Item, RETRY, TableClient, toItem } from './table-client.ts';

/** Subjects are index keys; actions and request ids are labels: bounded so an event stays small. */
export const MAX_AUDIT_LABEL_CHARS = 512;
/** Details are a summary (names, ARNs, numbers), not payloads: 64 KiB as JSON. */
export const MAX_AUDIT_DETAILS_BYTES = 64 * 1024;
/** Reads of the chain while appends go on; after these, the last read is checked as it is. */
const VERIFY_READ_ATTEMPTS = 5;
/** Upper bound for "until this time, inclusive": sorts after any `#sequence` suffix. */
const TIME_KEY_END = '#\uffff';

export const AUDIT_EVENT_TYPE = 'AuditEvent';
const AUDIT_HEAD_TYPE = 'AuditHead';

function validate(entry: AuditEntry): void {
  const labels = { actorArn: entry.actorArn, action: entry.action, subject: entry.subject, requestId: entry.requestId };
  const problems = Object.entries(labels).flatMap(([field, value]) =>
    typeof value === 'string' && value.length > 0 && value.length <= MAX_AUDIT_LABEL_CHARS ? [] : [`${field} must be 1 to ${MAX_AUDIT_LABEL_CHARS} characters`],
  );
  if (problems.length) throw new ValidationError(`audit event ${entry.action}`, problems);
  const size = Buffer.byteLength(JSON.stringify(entry.details ?? {}));
  if (size > MAX_AUDIT_DETAILS_BYTES) throw new TooLargeError(`details of audit event ${entry.action} on ${entry.subject}`, size, MAX_AUDIT_DETAILS_BYTES, 'audit details');
}

const toEvent = (item: Item) => fromItem<AuditEvent>(item);

export class DynamoAuditLog implements AuditLog {
  constructor(private readonly table: TableClient) {}

  async append(entry: AuditEntry): Promise<AuditEvent> {
    validate(entry);
    return this.table.contended('the audit chain head', async () => {
      const head = await this.head();
      const event = sealEvent(head, entry, randomUUID(), this.table.now());
      const next: AuditHead & { version: number } = { sequence: event.sequence, hash: event.hash, time: event.time, version: event.sequence };
      try {
        await this.table.transact(
          [
            {
              Put: {
                Item: toItem(auditHeadKey, AUDIT_HEAD_TYPE, next),
                ...(head
                  ? { ConditionExpression: '#sequence = :previous', ExpressionAttributeNames: { '#sequence': 'sequence' }, ExpressionAttributeValues: { ':previous': head.sequence } }
                  : { ConditionExpression: IS_NEW }),
              },
            },
            { Put: { Item: toItem(auditEventKey(event.sequence), AUDIT_EVENT_TYPE, event, auditIndexKeys(event.time, event.sequence, event.subject)), ConditionExpression: IS_NEW } },
          ],
          `appending audit event ${event.sequence}`,
        );
      } catch (error) {
        // Another append moved the head first: link after the new head.
        if (error instanceof ConditionFailed) return RETRY;
        throw error;
      }
      return event;
    });
  }

  async head(): Promise<AuditHead | undefined> {
    const item = await this.table.get(auditHeadKey, 'reading the audit chain head');
    if (!item) return undefined;
    return { sequence: item.sequence as number, hash: item.hash as string, time: item.time as string };
  }

  async listByTime(range: { from?: Timestamp; to?: Timestamp; newestFirst?: boolean }, page: PageRequest = {}): Promise<Page<AuditEvent>> {
    const values: Record<string, string> = { ':pk': AUDIT_BY_TIME };
    let sortCondition = '';
    if (range.from !== undefined && range.to !== undefined) {
      sortCondition = ' AND GSI1SK BETWEEN :from AND :to';
      Object.assign(values, { ':from': range.from, ':to': `${range.to}${TIME_KEY_END}` });
    } else if (range.from !== undefined) {
      sortCondition = ' AND GSI1SK >= :from';
      values[':from'] = range.from;
    } else if (range.to !== undefined) {
      sortCondition = ' AND GSI1SK <= :to';
      values[':to'] = `${range.to}${TIME_KEY_END}`;
    }
    const out = await this.table.queryPage(
      { ...TableClient.on(INDEX.gsi1), KeyConditionExpression: `GSI1PK = :pk${sortCondition}`, ExpressionAttributeValues: values, ScanIndexForward: !range.newestFirst },
      page,
      { index: INDEX.gsi1, partition: AUDIT_BY_TIME },
      'listing audit events by time',
    );
    return { items: out.items.map(toEvent), cursor: out.cursor };
  }

  async listBySubject(subject: string, page: PageRequest = {}): Promise<Page<AuditEvent>> {
    const partition = auditSubjectPartition(subject);
    const out = await this.table.queryPage(
      { ...TableClient.on(INDEX.gsi2), KeyConditionExpression: 'GSI2PK = :pk', ExpressionAttributeValues: { ':pk': partition } },
      page,
      { index: INDEX.gsi2, partition },
      `listing audit events of ${subject}`,
    );
    return { items: out.items.map(toEvent), cursor: out.cursor };
  }

  /**
   * Reads every event in key (sequence) order, strongly consistent, and checks the chain
   * against the head. The head is read before and after the events: if an append moved it in
   * between, the read is repeated, so a busy log is not reported as tampered with.
   */
  async verify(): Promise<ChainVerification> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.head();
      const items = await this.table.queryAll(
        { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': AUDIT_PARTITION, ':prefix': auditEventPrefix }, ConsistentRead: true },
        'reading the audit chain',
      );
      const after = await this.head();
      if (after?.sequence === head?.sequence || attempt >= VERIFY_READ_ATTEMPTS) return verifyChain(items.map(toEvent), { head: after });
    }
  }
}
