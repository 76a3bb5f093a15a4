/**
 * The catalog's EventBridge rules, each invoking its function. An event that cannot be handled
 * must not vanish (a lost ECR push is a release nobody created), so every rule target retries
 * with a bounded age and then dead-letters; the function's own asynchronous failures (its
 * errors after Lambda's retries) go to the same queue, where they can be inspected and replayed.
 *
 * AWS services (source `aws.*`, such as ECR's "ECR Image Action") publish only to the account's
 * default bus, so such rules live there; rules on any other source listen on Conveyor's bus.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventRuleSpec } from '#functions/catalog.ts';
import { constructId } from '../paths.ts';
import { acknowledge } from './nag.ts';

/** EventBridge's delivery retries and how old an event may get before it is dead-lettered. */
export const RULE_TARGET_RETRY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;
/** Lambda's retries of a failed asynchronous invocation (its maximum) before the event is dead-lettered. */
export const ASYNC_RETRY_ATTEMPTS = 2;
/** SQS's longest retention: two weeks to notice and replay. */
const DEAD_LETTER_RETENTION = Duration.days(14);

const AWS_SOURCE_PREFIX = 'aws.';

/** The sources a pattern matches (`source: [...]`), to tell which bus its events arrive on. */
function sourcesOf(spec: EventRuleSpec): string[] {
  const source = spec.pattern['source'];
  if (!Array.isArray(source) || source.length === 0 || !source.every((s) => typeof s === 'string')) {
    throw new Error(`event rule "${spec.name}": the pattern must list its sources (source: [...]) so that the rule goes on the bus they publish to`);
  }
  return source;
}

export type PipelineEventRulesProps = {
  rules: readonly EventRuleSpec[];
  /** Conveyor's own bus, for rules on sources other than AWS services. */
  pipelineBus: events.IEventBus;
  functionNamed: (name: string, usedBy: string) => lambda.Function;
};

export class PipelineEventRules extends Construct {
  readonly rules = new Map<string, events.Rule>();
  /** Created only when there is a rule. */
  readonly deadLetters?: sqs.Queue;

  constructor(scope: Construct, id: string, { rules, pipelineBus, functionNamed }: PipelineEventRulesProps) {
    super(scope, id);
    if (rules.length === 0) return;
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: DEAD_LETTER_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', "This queue is itself the dead-letter queue of the event rule targets and of their functions' asynchronous invocations.");

    const configured = new Set<string>();
    for (const spec of rules) {
      const fn = functionNamed(spec.function, `event rule "${spec.name}"`);
      const sources = sourcesOf(spec);
      const fromAws = sources.every((source) => source.startsWith(AWS_SOURCE_PREFIX));
      if (!fromAws && sources.some((source) => source.startsWith(AWS_SOURCE_PREFIX))) {
        throw new Error(`event rule "${spec.name}": AWS sources and others arrive on different buses; make it two rules`);
      }
      const rule = new events.Rule(this, constructId(spec.name), {
        description: spec.description,
        // EventBridge's own JSON keys (`detail-type`) pass through CDK's pattern rendering unchanged.
        eventPattern: spec.pattern as events.EventPattern,
        ...(fromAws ? {} : { eventBus: pipelineBus }),
        targets: [new targets.LambdaFunction(fn, { deadLetterQueue: this.deadLetters, ...RULE_TARGET_RETRY })],
      });
      this.rules.set(spec.name, rule);
      if (!configured.has(spec.function)) {
        fn.configureAsyncInvoke({ retryAttempts: ASYNC_RETRY_ATTEMPTS, onFailure: new SqsDestination(this.deadLetters) });
        configured.add(spec.function);
      }
    }
  }
}
