/**
 * Errors of the state machines' tasks. Like every DeployError they carry a category, and their
 * names are what the ASL Retry and Catch lists match (functions/domain/error-registry.ts lists
 * them). Messages name steps, targets and environments, never a value that may be secret.
 */
import { DeployError } from '#domain/errors.ts';

/**
 * A step names target tags that no target of the deployment's environment carries. Skipping it
 * would report a deployment as succeeded that deployed nothing there, so it fails with what to
 * fix: tag a target, or limit the step to other environments.
 */
export class NoTargetsError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly step: string,
    readonly tags: readonly string[],
    readonly environmentId: string,
  ) {
    super(
      `step "${step}" runs on targets tagged ${tags.map((t) => `"${t}"`).join(' or ') || '(no tags)'}, and environment ${environmentId} has none: ` +
        `tag a target of ${environmentId}, or limit the step to the environments that have one`,
    );
    this.name = 'NoTargetsError';
  }
}

/** A kubectl-script step's script exited non-zero or ran out of time; the message ends with its last lines, masked. */
export class ScriptFailedError extends DeployError {
  readonly category = 'rollout' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ScriptFailedError';
  }
}

/**
 * What a task reports for an exception nobody classified (a bug, a library's TypeError): its
 * message may carry anything, so it says only which task and which request failed; the
 * function's log has the original's name and (redacted) message. Internal: never retried.
 */
export class UnclassifiedTaskError extends DeployError {
  readonly category = 'internal' as const;
  constructor(task: string, originalName: string, requestId: string) {
    super(`internal error in task ${task} (${originalName}); see the function's log for request ${requestId}`);
    this.name = 'UnclassifiedTaskError';
  }
}
