/**
 * Every catalog function (functions/catalog.ts), each with exactly the access its entry asks
 * for: the grants set the environment variable the composition root reads and the IAM
 * statement behind it together, so a function can neither reach what it was not given nor be
 * given something it cannot find.
 */
import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionAccess, FunctionSpec } from '#functions/catalog.ts';
import { constructId } from '../paths.ts';
import { CatalogFunction } from './catalog-function.ts';
import type { EksAccess } from './eks-access.ts';
import type { PipelineEventBus } from './event-bus.ts';
import type { PipelineSecrets } from './secrets.ts';
import type { StateMachineRefs } from './state-machines.ts';
import type { PipelineTable } from './table.ts';

/** What the catalog's `access` can name, each able to grant it. */
export type AccessProviders = {
  table: PipelineTable;
  secrets: PipelineSecrets;
  stateMachines: StateMachineRefs;
  events: PipelineEventBus;
  eks: EksAccess;
};

export type PipelineFunctionsProps = {
  specs: readonly FunctionSpec[];
  access: AccessProviders;
};

export class PipelineFunctions extends Construct {
  private readonly byName = new Map<string, CatalogFunction>();

  constructor(scope: Construct, id: string, { specs, access }: PipelineFunctionsProps) {
    super(scope, id);
    // One layer version for every function that runs kubectl, created only if one does.
    let kubectlLayer: KubectlV33Layer | undefined;
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`the catalog declares function "${spec.name}" twice`);
      if (spec.kubectlLayer) kubectlLayer ??= new KubectlV33Layer(this, 'KubectlLayer');
      const fn = new CatalogFunction(this, constructId(spec.name), { spec, ...(kubectlLayer && spec.kubectlLayer ? { kubectlLayer } : {}) });
      grantAccess(fn.function, spec.access, access);
      this.byName.set(spec.name, fn);
    }
  }

  /** All functions, in catalog order. */
  all(): CatalogFunction[] {
    return [...this.byName.values()];
  }

  /** The Lambda of catalog function `name`; `usedBy` says who asked, for the error of a name the catalog lacks. */
  named(name: string, usedBy: string): lambda.Function {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`${usedBy} names function "${name}", which the catalog does not declare`);
    return fn.function;
  }
}

function grantAccess(fn: lambda.Function, access: FunctionAccess, providers: AccessProviders): void {
  if (access.table === 'read') providers.table.grantRead(fn);
  if (access.table === 'write') providers.table.grantWrite(fn);
  if (access.secrets === 'read') providers.secrets.grantRead(fn);
  if (access.secrets === 'write') providers.secrets.grantWrite(fn);
  if (access.stateMachines?.length) providers.stateMachines.grant(fn, access.stateMachines);
  if (access.events) providers.events.grantPublish(fn);
  if (access.eks) providers.eks.grantDeploy(fn);
}
