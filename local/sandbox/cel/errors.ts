/**
 * Errors of the CEL side of the sandbox (x-kubernetes-validations). Compilation problems are
 * reported to the CRD's author as 422 field errors, so the error carries the cel-go style
 * detail text and nothing from inside the evaluator.
 */

/** A rule or messageExpression that does not parse or type-check. */
export class CelCompileError extends Error {
  /** cel-go's issues text: `ERROR: <input>:1:6: ...` with the source line and a caret under the column. */
  readonly detail: string;

  constructor(detail: string, options?: { cause?: unknown }) {
    super(`CEL expression does not compile: ${detail}`, options);
    this.name = 'CelCompileError';
    this.detail = detail;
  }
}
