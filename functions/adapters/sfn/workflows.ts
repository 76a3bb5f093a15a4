/**
 * The pipeline's Workflows port over the Step Functions client (created once by the caller).
 * State machine ARNs come from configuration, by catalog name. Task tokens are passed through
 * and never logged or put into an error message.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeployError } from '#domain/errors.ts';
import { DuplicateError, InvalidStateError, ServiceFaultError, ServiceUnavailableError } from '#domain/pipeline/errors.ts';
import type { WorkflowName, Workflows } from '#domain/pipeline/ports.ts';
import { AwsFailureCause, awsFailure } from '../aws-errors.ts';

/** Token errors: the wait is over (decided, timed out, its execution stopped) or the token is not one. */
const TOKEN_CODES = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);
/** Step Functions' limits on error names and causes in SendTaskFailure. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

export class StepFunctionsWorkflows implements Workflows {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArns: Record<WorkflowName, string>,
  ) {}

  async start(workflow: WorkflowName, name: string, input: Record<string, unknown>): Promise<{ executionArn: string }> {
    const stateMachineArn = this.stateMachineArns[workflow];
    try {
      const started = await this.client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return { executionArn: started.executionArn! };
    } catch (error) {
      throw this.toError(error, `start ${workflow} execution ${name}`, `execution ${name}`);
    }
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (error) {
      throw this.toError(error, 'answer a waiting task', 'the waiting task');
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, MAX_ERROR_LENGTH), cause: cause.slice(0, MAX_CAUSE_LENGTH) }));
    } catch (failure) {
      throw this.toError(failure, 'answer a waiting task', 'the waiting task');
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, cause: cause.slice(0, MAX_CAUSE_LENGTH) }));
    } catch (error) {
      // Stopping an execution that is already over (or gone) leaves it as it is.
      if (awsFailure(error).code === 'ExecutionDoesNotExist') return;
      throw this.toError(error, `stop execution ${executionArn}`, `execution ${executionArn}`);
    }
  }

  private toError(error: unknown, what: string, subject: string): DeployError {
    const failure = awsFailure(error);
    const options = { cause: new AwsFailureCause(failure) };
    if (TOKEN_CODES.has(failure.code)) return new InvalidStateError(subject, `is no longer waiting (${failure.code}): it was decided, timed out or stopped`);
    if (failure.code === 'ExecutionAlreadyExists') return new DuplicateError(subject, 'was started already with another input');
    if (failure.kind === 'retryable') return new ServiceUnavailableError(`Step Functions could not ${what} (${failure.code}); retry later`, options);
    return new ServiceFaultError(`Step Functions refused to ${what} (${failure.code})`, options);
  }
}
