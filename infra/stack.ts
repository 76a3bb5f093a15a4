/**
 * The Conveyor stack assembles the constructs, one per concern, from the catalog: it decides
 * nothing about any of them. Environment-agnostic (no account or region), so `cdk synth` runs
 * offline with no credentials; the account and region come from the deploy.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CATALOG, type Catalog } from '#functions/catalog.ts';
import { EksAccess, type EksAccessProps } from './constructs/eks-access.ts';
import { PipelineEventBus } from './constructs/event-bus.ts';
import { PipelineEventRules } from './constructs/event-rules.ts';
import { PipelineFunctions } from './constructs/functions.ts';
import { PipelineApi } from './constructs/http-api.ts';
import { PipelineSecrets } from './constructs/secrets.ts';
import { PipelineStateMachines, StateMachineRefs } from './constructs/state-machines.ts';
import { PipelineTable } from './constructs/table.ts';

/** The stack's name in the app: also the prefix of its state machines' names and of its template file. */
export const STACK_NAME = 'Conveyor';

export type ConveyorStackProps = StackProps & {
  /** What to build; the catalog everyone shares unless a test passes its own. */
  catalog?: Catalog;
  /** Prefix of the secrets the functions may use (default `conveyor/`). */
  secretPrefix?: string;
  /** Which deployer roles the EKS functions may assume. */
  eks?: EksAccessProps;
};

export class ConveyorStack extends Stack {
  readonly table: PipelineTable;
  readonly functions: PipelineFunctions;
  readonly stateMachines: PipelineStateMachines;
  readonly api: PipelineApi;
  readonly eventRules: PipelineEventRules;

  constructor(scope: Construct, id: string, props: ConveyorStackProps = {}) {
    super(scope, id, props);
    const catalog = props.catalog ?? CATALOG;

    this.table = new PipelineTable(this, 'Table');
    const secrets = new PipelineSecrets(this, 'Secrets', props.secretPrefix === undefined ? {} : { prefix: props.secretPrefix });
    const events = new PipelineEventBus(this, 'Events');
    const stateMachineRefs = new StateMachineRefs(this, catalog.stateMachines);
    this.functions = new PipelineFunctions(this, 'Functions', {
      specs: catalog.functions,
      access: { table: this.table, secrets, stateMachines: stateMachineRefs, events, eks: new EksAccess(props.eks) },
    });
    const functionNamed = (name: string, usedBy: string) => this.functions.named(name, usedBy);
    this.stateMachines = new PipelineStateMachines(this, 'StateMachines', {
      specs: catalog.stateMachines,
      refs: stateMachineRefs,
      functionNamed,
    });
    this.api = new PipelineApi(this, 'Http', { routes: catalog.routes, functionNamed });
    this.eventRules = new PipelineEventRules(this, 'EventRules', { rules: catalog.eventRules, pipelineBus: events.bus, functionNamed });

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName });
    for (const [name, stateMachine] of this.stateMachines.byName)
      new CfnOutput(this, `${stateMachine.node.id}StateMachineArn`, { description: `The ${name} state machine`, value: stateMachine.stateMachineArn });
  }
}
