/**
 * The composition root of the task functions: the application's deps for what the function
 * needs (runtime/deps.ts), a per-container cache of secret values, the cluster connector and
 * the script runner when the function talks to clusters, and the tasks' configuration. What a
 * function does not ask for is not built, and using it anyway fails with a message that says so.
 */

import { cachedAssumeRole, KubernetesClusterFactory } from '#adapters/kubernetes/cluster-factory.ts';
import type { AwsDeps } from '#adapters/kubernetes/kubeconfig.ts';
import { ShellScriptRunner } from '#adapters/kubernetes/script-runner.ts';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { eksAwsDeps } from '#functions/runtime/clusters.ts';
import { type Need, productionDeps } from '#functions/runtime/deps.ts';
import { optionalEnv, requireEnv } from '#functions/runtime/env.ts';
import { taskConfig } from './config.ts';

/** What a task function may ask for beyond runtime/deps.ts's needs. */
export type TaskNeed = Need | 'clusters' | 'scripts';

/** Where the kubectl layer puts helm on AWS; added to a script's PATH. */
const HELM_DIRECTORY = '/opt/helm';

function notWired<T extends object>(need: TaskNeed): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`this task function was not given "${need}" (asked for .${String(property)}); add it to its needs and its catalog access`);
    },
  });
}

export function productionTaskDeps(needs: readonly TaskNeed[]): TaskDeps {
  const app = productionDeps(needs.filter((n): n is Need => n !== 'clusters' && n !== 'scripts'));
  return {
    ...app,
    secretValues: needs.includes('secrets') ? new CachedSecrets(app.secrets) : notWired('secrets'),
    clusters: needs.includes('clusters') ? new KubernetesClusterFactory({ aws: withRoleCache(eksAwsDeps()) }) : notWired('clusters'),
    scripts: needs.includes('scripts') ? new ShellScriptRunner({ kubectlPath: requireEnv('KUBECTL_PATH'), extraPaths: [optionalEnv('HELM_DIRECTORY', HELM_DIRECTORY)] }) : notWired('scripts'),
    config: taskConfig(),
  };
}

/** Assumed-role credentials reused across the invocations of a container (a check every 30 s would otherwise assume the role each time). */
function withRoleCache(aws: AwsDeps): AwsDeps {
  return aws.assumeRole ? { ...aws, assumeRole: cachedAssumeRole(aws.assumeRole) } : aws;
}
