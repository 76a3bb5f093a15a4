/**
 * Lambda accepts a function by name, full ARN or partial ARN, each with an optional qualifier;
 * the invoker is given what the state machine names. An invoker that keeps functions by name
 * (tests, the local Lambda service) resolves it with this.
 */
const FUNCTION_ARN = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/;
const PARTIAL_ARN = /^\d{12}:function:([\w-]+)(?::[\w$-]+)?$/;
const NAME_WITH_QUALIFIER = /^([\w-]+)(?::[\w$-]+)?$/;

/** The bare function name of a name, ARN or partial ARN; the input itself when it is none of these. */
export function lambdaFunctionName(nameOrArn: string): string {
  for (const pattern of [FUNCTION_ARN, PARTIAL_ARN, NAME_WITH_QUALIFIER]) {
    const match = pattern.exec(nameOrArn);
    if (match) return match[1]!;
  }
  return nameOrArn;
}
