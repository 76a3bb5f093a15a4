/**
 * What a namespace name may be. A namespace is the permission boundary of a target, so a
 * value that is empty, blank or malformed is refused wherever it comes from (flag,
 * kubeconfig context, stored target, API input) — it never means "no boundary".
 */

/** Kubernetes' limit for a namespace name (a DNS-1123 label). */
export const MAX_NAMESPACE_LENGTH = 63;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `value` is not a namespace name, or undefined when it is one. */
export function namespaceProblem(value: string): string | undefined {
  if (value.trim() === '') return 'a namespace name may not be empty or blank';
  if (value.length > MAX_NAMESPACE_LENGTH) return `a namespace name must be at most ${MAX_NAMESPACE_LENGTH} characters (found ${value.length})`;
  if (!DNS1123_LABEL.test(value)) return "a namespace name is a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** `"../x"`, shown safely: quoted as JSON so that blanks and control characters are visible. */
export function showNamespace(value: string): string {
  return JSON.stringify(value);
}
