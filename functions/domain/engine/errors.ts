/**
 * Errors of the engine's step edges. The steps (apply, check-rollout, finalize) take JSON a
 * state machine passes from one Lambda to the next; input that does not have the shape a step
 * expects is the caller's to fix and is never retried, so it is an `input` error that names
 * the field, as a person reading a failed execution needs it.
 */
import { DeployError } from '../errors.ts';

/** Issues listed in the message; a badly broken input would otherwise make it endless. */
const MAX_ISSUES_SHOWN = 20;

/** One field of a step's input that is missing or of the wrong kind. */
export type InputIssue = {
  /** Where, as `state.objects[2].ref.kind`. */
  field: string;
  /** What is wrong, without the value (it may be sensitive). */
  message: string;
};

/** A step's input (its request, its state, its options) does not have the expected shape. */
export class InvalidStepInputError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly step: string,
    readonly issues: InputIssue[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `  ${i.field}: ${i.message}`);
    if (issues.length > MAX_ISSUES_SHOWN) shown.push(`  ... and ${issues.length - MAX_ISSUES_SHOWN} more`);
    super(`${step}: invalid input:\n${shown.join('\n')}`);
    this.name = 'InvalidStepInputError';
  }
}
