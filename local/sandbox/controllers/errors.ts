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
