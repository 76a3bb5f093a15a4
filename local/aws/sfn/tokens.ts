/**
 * Task tokens of callback tasks (`.waitForTaskToken`) and the answers SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat give, with AWS's error codes:
 * - InvalidToken: not a token this runner could have issued (malformed, too long);
 * - TaskDoesNotExist: well formed, but never issued here;
 * - TaskTimedOut: issued, but its task is closed (answered, timed out, execution stopped or ended)
 *   — AWS's "Provided task does not exist anymore".
 * A token carries its execution ARN and state name, so a later persistent store can find them.
 */
import { randomUUID } from 'node:crypto';
import { deferred } from './deferred.ts';
import { StepFunctionsApiError } from './errors.ts';
import type { JsonValue } from './types.ts';

/** AWS's limit on a task token's length. */
const MAX_TOKEN_LENGTH = 2048;
const TOKEN_VERSION = 1;

/** How a callback task was answered. */
export type TaskAnswer = { kind: 'success'; output: JsonValue } | { kind: 'failure'; error?: string; cause?: string };

/** An open callback task: the handler awaits `answer` and hears about heartbeats. */
export interface OpenTask {
  readonly token: string;
  readonly executionArn: string;
  readonly stateName: string;
  readonly answer: Promise<TaskAnswer>;
  /** Set by the handler: called on each SendTaskHeartbeat. */
  onHeartbeat?: () => void;
}

interface TokenClaims {
  v: number;
  executionArn: string;
  stateName: string;
  id: string;
}

interface Entry {
  task: OpenTask;
  settle: (answer: TaskAnswer) => void;
}

export class TaskTokens {
  private readonly open = new Map<string, Entry>();
  private readonly closed = new Set<string>();

  /** Opens a task and returns its fresh token. */
  issue(executionArn: string, stateName: string): OpenTask {
    const claims: TokenClaims = { v: TOKEN_VERSION, executionArn, stateName, id: randomUUID() };
    const token = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const { promise, resolve } = deferred<TaskAnswer>();
    const task: OpenTask = { token, executionArn, stateName, answer: promise };
    this.open.set(token, { task, settle: resolve });
    return task;
  }

  /** Answers an open task; throws InvalidToken / TaskDoesNotExist / TaskTimedOut otherwise. */
  answer(token: string, answer: TaskAnswer): void {
    const entry = this.find(token);
    this.close(token);
    entry.settle(answer);
  }

  heartbeat(token: string): void {
    this.find(token).task.onHeartbeat?.();
  }

  /** Closes a task (timed out, execution ended); later answers get TaskTimedOut. Idempotent. */
  close(token: string): void {
    if (this.open.delete(token)) this.closed.add(token);
  }

  /** Closes every open task of an execution. */
  closeExecution(executionArn: string): void {
    for (const [token, entry] of this.open) {
      if (entry.task.executionArn === executionArn) this.close(token);
    }
  }

  private find(token: string): Entry {
    const entry = this.open.get(token);
    if (entry) return entry;
    if (this.closed.has(token)) throw new StepFunctionsApiError('TaskTimedOut', 'Provided task does not exist anymore');
    if (!isWellFormed(token)) throw new StepFunctionsApiError('InvalidToken', 'Invalid token');
    throw new StepFunctionsApiError('TaskDoesNotExist', 'Task does not exist');
  }
}

function isWellFormed(token: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return false;
  try {
    const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenClaims>;
    return claims.v === TOKEN_VERSION && typeof claims.executionArn === 'string' && typeof claims.stateName === 'string' && typeof claims.id === 'string';
  } catch {
    return false;
  }
}
