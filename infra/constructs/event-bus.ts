/**
 * The pipeline's own event bus: Conveyor publishes ReleaseCreated, DeploymentStarted/Succeeded/
 * Failed and ApprovalRequested on it (source `conveyor`), so other teams subscribe to a bus that
 * carries only the pipeline's events, apart from the account's default bus.
 */
import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';

export class PipelineEventBus extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { description: 'Conveyor pipeline events (source conveyor)' });
  }

  /** EVENT_BUS_NAME, and events:PutEvents on this bus only. */
  grantPublish(fn: lambda.Function): void {
    const [variable] = CONFIG_VARIABLES.events;
    fn.addEnvironment(variable, this.bus.eventBusName);
    this.bus.grantPutEventsTo(fn);
  }
}
