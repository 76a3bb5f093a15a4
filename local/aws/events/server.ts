/**
 * The local EventBridge: an HTTP server on 127.0.0.1 speaking the JSON 1.1 protocol
 * (`X-Amz-Target: AWSEvents.PutEvents`), so the real SDK client, pointed at it through
 * AWS_ENDPOINT_URL_EVENTBRIDGE, publishes unchanged. Two buses: the account's default bus (where
 * ECR's stand-in publishes image pushes, ecr.ts) and the pipeline's own (Conveyor's
 * DeploymentStarted, ReleaseCreated, ...). Every accepted event is recorded (the newest
 * thousand) for the dashboard and tests — `events()`, or `GET /local/events` — and delivered to
 * the catalog rules it matches (deliveries.ts). Nothing is logged: an event's detail is the
 * publisher's business.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '#functions/catalog.ts';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { functionArn } from '../lambda/invocation.ts';
import type { LambdaInvoker } from '../sfn/types.ts';
import { HTTP, jsonProtocolHandler, listen, ServiceError, sendJson } from '../stepfunctions/json-protocol.ts';
import { lambdaServiceInvoker, localLambdaClient } from '../stepfunctions/lambda-invoker.ts';
import { Deliveries, type Delivery, FIRST_RETRY_DELAY_MS } from './deliveries.ts';
import { acceptEntry, DEFAULT_BUS, type EntryFailure, type EventEnvelope, LIMITS } from './envelope.ts';

export type EventsOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  catalog: Catalog;
  /** The pipeline's bus (EVENT_BUS_NAME of the functions that publish). */
  busName?: string;
  /** The local Lambda service's URL, for rule targets (or `invoker`). */
  lambdaEndpoint?: string;
  invoker?: LambdaInvoker;
  region?: string;
  accountId?: string;
  /** The pause before a delivery's second attempt (it doubles after each); tests shorten it. */
  retryDelayMs?: number;
};

/** One accepted event and the bus it was put on. */
export type RecordedEvent = { bus: string; event: EventEnvelope; rules: string[] };

export type EventsService = {
  /** http://127.0.0.1:<port>, the value for AWS_ENDPOINT_URL_EVENTBRIDGE. */
  url: string;
  busName: string;
  /** Accepted events, oldest first (the newest thousand). */
  events(): RecordedEvent[];
  /** Deliveries to rule targets, oldest first. */
  deliveries(): Delivery[];
  /** Resolves once every delivery started so far has been delivered or has failed. */
  settled(): Promise<void>;
  close(): Promise<void>;
};

/** The name the local pipeline bus goes by unless told. */
export const DEFAULT_PIPELINE_BUS = 'conveyor';
const TARGET_PREFIX = 'AWSEvents.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** PutEvents takes at most 256 KiB of entries; the body may be larger by its JSON framing. */
const MAX_ENTRIES_BYTES = 256 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RECORDED = 1000;
const INSPECTION_PATHS = { events: '/local/events', deliveries: '/local/deliveries' } as const;

export async function startEvents(options: EventsOptions): Promise<EventsService> {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT;
  const busName = options.busName ?? DEFAULT_PIPELINE_BUS;
  if (!options.invoker && !options.lambdaEndpoint) throw new Error('startEvents needs a lambdaEndpoint or an invoker for its rule targets');
  const lambdaClient = options.invoker ? undefined : localLambdaClient(options.lambdaEndpoint!, region);
  const invoker = options.invoker ?? lambdaServiceInvoker(lambdaClient!);
  const deliveries = new Deliveries(options.catalog, busName, invoker, (name) => functionArn(name, region, accountId), options.retryDelayMs ?? FIRST_RETRY_DELAY_MS);
  const recorded: RecordedEvent[] = [];
  const origin = { account: accountId, region, buses: new Set([DEFAULT_BUS, busName]) };

  const putEvents = (input: Record<string, unknown>) => {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > LIMITS.entries) {
      throw new ServiceError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${LIMITS.entries}`);
    }
    if (Buffer.byteLength(JSON.stringify(entries), 'utf8') > MAX_ENTRIES_BYTES) throw new ServiceError('ValidationException', 'Total size of the entries in the request is over the limit.');
    const answers: ({ EventId: string } | EntryFailure)[] = entries.map((entry) => {
      const accepted = acceptEntry(entry, origin);
      if (!('event' in accepted)) return accepted;
      const rules = deliveries.dispatch(accepted.bus, accepted.event);
      recorded.push({ bus: accepted.bus, event: accepted.event, rules });
      if (recorded.length > MAX_RECORDED) recorded.shift();
      return { EventId: accepted.event.id };
    });
    return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
  };

  const inspection = (request: IncomingMessage, response: ServerResponse): boolean => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return false;
    if (path === INSPECTION_PATHS.events) sendJson(response, HTTP.ok, { events: recorded }, { 'content-type': 'application/json' });
    else if (path === INSPECTION_PATHS.deliveries) sendJson(response, HTTP.ok, { deliveries: deliveries.list() }, { 'content-type': 'application/json' });
    else return false;
    return true;
  };

  const listening = await listen(
    jsonProtocolHandler({ targetPrefix: TARGET_PREFIX, contentType: CONTENT_TYPE, maxBodyBytes: MAX_BODY_BYTES, operations: new Map([['PutEvents', putEvents]]), fallback: inspection }),
    options.port,
  );
  return {
    url: listening.url,
    busName,
    events: () => recorded.map((r) => structuredClone(r)),
    deliveries: () => deliveries.list(),
    settled: () => deliveries.settled(),
    async close() {
      await listening.close();
      // Pending deliveries end as failed; an invocation in flight is not waited for.
      deliveries.stop();
      lambdaClient?.destroy();
    },
  };
}
