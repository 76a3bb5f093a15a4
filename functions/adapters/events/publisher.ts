/**
 * The pipeline's events on EventBridge (PutEvents on the pipeline's bus, source `conveyor`).
 * PutEvents can accept the call and still fail the entry: that is checked too.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ServiceFaultError, ServiceUnavailableError } from '#domain/pipeline/errors.ts';
import type { EventPublisher, PipelineEventType } from '#domain/pipeline/ports.ts';
import { AwsFailureCause, awsFailure } from '../aws-errors.ts';

/** The `source` of every event Conveyor publishes; rules match on it. */
export const EVENT_SOURCE = 'conveyor';
/** Entry error codes EventBridge reports for entries worth sending again. */
const RETRYABLE_ENTRY_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(type: PipelineEventType, detail: Record<string, unknown>): Promise<void> {
    let answer;
    try {
      answer = await this.client.send(new PutEventsCommand({ Entries: [{ EventBusName: this.busName, Source: EVENT_SOURCE, DetailType: type, Detail: JSON.stringify(detail) }] }));
    } catch (error) {
      const failure = awsFailure(error);
      const options = { cause: new AwsFailureCause(failure) };
      if (failure.kind === 'retryable') throw new ServiceUnavailableError(`EventBridge could not take the ${type} event (${failure.code}); retry later`, options);
      throw new ServiceFaultError(`EventBridge refused the ${type} event (${failure.code})`, options);
    }
    const entry = answer.Entries?.[0];
    if (answer.FailedEntryCount && entry?.ErrorCode) {
      const message = `EventBridge did not accept the ${type} event (${entry.ErrorCode})`;
      throw RETRYABLE_ENTRY_CODES.has(entry.ErrorCode) ? new ServiceUnavailableError(`${message}; retry later`) : new ServiceFaultError(message);
    }
  }
}
