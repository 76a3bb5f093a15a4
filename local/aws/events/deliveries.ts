/**
 * Delivering events to the catalog's rule targets. Each rule listens on one bus (the default
 * bus for AWS sources such as ECR, the pipeline's bus otherwise: the CDK stack's choice,
 * infra/constructs/event-rules.ts) and invokes its function through the local Lambda service,
 * asynchronously: PutEvents answers before anything is delivered. A failed invocation (a
 * function error, or the Lambda service unreachable) is tried again after a growing pause, a
 * few times, as EventBridge retries a target and Lambda an asynchronous invocation; what was
 * never delivered stays visible as `failed` (on AWS: the dead-letter queue).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Catalog, EventRuleSpec } from '#functions/catalog.ts';
import type { LambdaInvoker } from '../sfn/types.ts';
import { DEFAULT_BUS, type EventEnvelope } from './envelope.ts';
import { checkPattern, type EventPattern, matches } from './pattern.ts';

/** Attempts per delivery, and the pause before the second (doubling after each). */
export const DELIVERY_ATTEMPTS = 4;
export const FIRST_RETRY_DELAY_MS = 1000;
/** Deliveries kept for inspection (newest kept). */
const MAX_KEPT = 1000;
const AWS_SOURCE_PREFIX = 'aws.';
/** Bounds the error message kept with a failed attempt (a person reads it; the function's log has the rest). */
const MAX_ERROR_CHARS = 500;

/** One event handed to one rule's function. */
export type Delivery = {
  eventId: string;
  rule: string;
  function: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** The last attempt's error: its name (Lambda's errorType) and message. */
  lastError?: string;
};

type Rule = EventRuleSpec & { bus: string };

/** The bus a rule listens on: the default bus when every source it names is an AWS service. */
export function busOfRule(spec: EventRuleSpec, pipelineBus: string): string {
  const sources = spec.pattern.source;
  const fromAws = Array.isArray(sources) && sources.length > 0 && sources.every((s) => typeof s === 'string' && s.startsWith(AWS_SOURCE_PREFIX));
  return fromAws ? DEFAULT_BUS : pipelineBus;
}

export class Deliveries {
  private readonly rules: Rule[];
  private readonly kept: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** Aborted by stop(): ends the pauses between attempts. */
  private readonly stopping = new AbortController();

  constructor(
    catalog: Catalog,
    pipelineBus: string,
    private readonly invoker: LambdaInvoker,
    private readonly functionArn: (name: string) => string,
    private readonly firstRetryDelayMs = FIRST_RETRY_DELAY_MS,
  ) {
    for (const rule of catalog.eventRules) checkPattern(rule.pattern);
    this.rules = catalog.eventRules.map((rule) => ({ ...rule, bus: busOfRule(rule, pipelineBus) }));
  }

  /** Starts delivering `event` to every rule of `bus` it matches; the names of those rules. */
  dispatch(bus: string, event: EventEnvelope): string[] {
    const matched = this.rules.filter((rule) => rule.bus === bus && matches(rule.pattern as EventPattern, event));
    for (const rule of matched) {
      const delivery: Delivery = { eventId: event.id, rule: rule.name, function: rule.function, status: 'pending', attempts: 0 };
      this.keep(delivery);
      const running = this.deliver(delivery, event).finally(() => this.pending.delete(running));
      this.pending.add(running);
    }
    return matched.map((rule) => rule.name);
  }

  /** Newest last. */
  list(): Delivery[] {
    return this.kept.map((d) => ({ ...d }));
  }

  /** Resolves once no delivery is pending (those started meanwhile included). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** No more attempts: pending deliveries end as failed once their current attempt is over. */
  stop(): void {
    this.stopping.abort();
  }

  private async deliver(delivery: Delivery, event: EventEnvelope): Promise<void> {
    const { signal } = this.stopping;
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS && !signal.aborted; attempt++) {
      delivery.attempts = attempt;
      try {
        await this.invoker(this.functionArn(delivery.function), event as never);
        delivery.status = 'delivered';
        delete delivery.lastError;
        return;
      } catch (error) {
        const { name, message } = error as Error;
        delivery.lastError = `${name}: ${message}`.slice(0, MAX_ERROR_CHARS);
      }
      if (attempt < DELIVERY_ATTEMPTS) await sleep(this.firstRetryDelayMs * 2 ** (attempt - 1), undefined, { signal }).catch(() => undefined);
    }
    delivery.status = 'failed';
  }

  private keep(delivery: Delivery): void {
    this.kept.push(delivery);
    if (this.kept.length > MAX_KEPT) this.kept.shift();
  }
}
