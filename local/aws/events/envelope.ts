/**
 * The event as EventBridge delivers it to a rule's target: the envelope (version, id,
 * detail-type, source, account, time, region, resources) around the publisher's detail; and
 * PutEvents entries checked and turned into it, with EventBridge's per-entry error codes.
 */
import { randomUUID } from 'node:crypto';

/** What a target receives. */
export type EventEnvelope = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** RFC 3339, to the second, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
};

/** The account's default bus, where AWS services (ECR) publish. */
export const DEFAULT_BUS = 'default';

/** PutEvents' limits: entries per call; Source, DetailType and resource lengths. */
export const LIMITS = { entries: 10, source: 256, detailType: 128, resources: 10, resource: 2048, busName: 1600 } as const;
const MS_PER_SECOND = 1000;
const BUS_ARN = /^arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/(.+)$/;

/** `2026-03-01T12:00:00Z`: EventBridge's times have no milliseconds. */
export function eventTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** An entry EventBridge refused, as PutEvents reports it in place of an EventId. */
export type EntryFailure = { ErrorCode: string; ErrorMessage: string };

/** A checked entry: the bus it goes to and the event it becomes. */
export type AcceptedEntry = { bus: string; event: EventEnvelope };

const invalid = (parameter: string, reason: string): EntryFailure => ({ ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}` });

/** The bus a name or ARN names. */
export function busNameOf(nameOrArn: string): string {
  return BUS_ARN.exec(nameOrArn)?.[1] ?? nameOrArn;
}

function requiredText(entry: Record<string, unknown>, field: string, max: number): string | EntryFailure {
  const value = entry[field];
  if (value === undefined || value === null || value === '') return invalid(field, `${field} is a required argument.`);
  if (typeof value !== 'string' || value.length > max) return invalid(field, `${field} must be a string of at most ${max} characters.`);
  return value;
}

/** Time as the SDK sends it (epoch seconds) or as text; now when absent. */
function timeOf(value: unknown): Date | undefined {
  if (value === undefined || value === null) return new Date();
  const date = typeof value === 'number' ? new Date(value * MS_PER_SECOND) : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Checks one PutEvents entry and makes its event, or says why it was refused. */
export function acceptEntry(raw: unknown, origin: { account: string; region: string; buses: ReadonlySet<string> }): AcceptedEntry | EntryFailure {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return invalid('Entry', 'each entry must be an object.');
  const entry = raw as Record<string, unknown>;
  const source = requiredText(entry, 'Source', LIMITS.source);
  if (typeof source !== 'string') return source;
  const detailType = requiredText(entry, 'DetailType', LIMITS.detailType);
  if (typeof detailType !== 'string') return detailType;
  let detail: unknown;
  try {
    detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : undefined;
  } catch {
    detail = undefined;
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || resources.length > LIMITS.resources || !resources.every((r) => typeof r === 'string' && r.length <= LIMITS.resource)) {
    return invalid('Resources', `Resources must be a list of at most ${LIMITS.resources} ARNs.`);
  }
  const time = timeOf(entry.Time);
  if (!time) return invalid('Time', 'Time must be a timestamp.');
  const busName = entry.EventBusName ?? DEFAULT_BUS;
  if (typeof busName !== 'string' || busName.length > LIMITS.busName) return invalid('EventBusName', 'EventBusName must be a bus name or ARN.');
  const bus = busNameOf(busName);
  if (!origin.buses.has(bus)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
  return {
    bus,
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: origin.account,
      time: eventTime(time),
      region: origin.region,
      resources: resources as string[],
      detail: detail as Record<string, unknown>,
    },
  };
}
