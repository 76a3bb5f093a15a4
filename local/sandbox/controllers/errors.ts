/** Errors raised by the simulated controllers themselves (not API errors). */
export class ControllerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ControllerError';
  }
}

/** settle() gave up: work kept being queued or scheduled within the horizon. */
export class SettleTimeoutError extends ControllerError {
  constructor(readonly pending: string[]) {
    super(`controllers did not settle; still pending: ${pending.slice(0, 10).join(', ')}${pending.length > 10 ? ', ...' : ''}`);
    this.name = 'SettleTimeoutError';
  }
}

/** A CronJob schedule that does not parse; the message names the field and the value. */
export class CronSyntaxError extends ControllerError {
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

/** A PodDisruptionBudget selects a pod whose controller has no scale it understands. */
export class ExpectedPodCountError extends ControllerError {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectedPodCountError';
  }
}
