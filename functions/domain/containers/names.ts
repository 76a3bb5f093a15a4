/**
 * Names and labels of generated objects. Config objects and blue/green Deployments carry
 * the deployment id in their names (`<name>-<deploymentId>`), so each deployment gets its
 * own copy and the pods of an older deployment keep reading their own config mid-rollout.
 */
import { InvalidManifestError } from '../errors.ts';
import { DEPLOYMENT_ID_LABEL, type DeployContainersSpec, STEP_LABEL } from './spec.ts';

/** RFC 1123 label: what Service names, container names and label values can rely on. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;
/** RFC 1123 subdomain: ConfigMap, Secret, Deployment names, hosts. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_SUBDOMAIN_MAX = 253;
/** Characters a deployment id may contain before normalization. */
export const DEPLOYMENT_ID_INPUT = /^[A-Za-z0-9._-]+$/;

/**
 * Deployment ids such as `Deployments-1234` or `deploy_2026.03.01` become DNS-1123 labels:
 * letters are lower-cased, `_` and `.` become `-`, runs of `-` collapse and leading or
 * trailing `-` go. Allowed input: ASCII letters, digits, `-`, `_`, `.`; the result must be
 * 1-63 characters, because it is also a label value. Anything else is rejected rather than
 * silently changed, since two ids must never normalize to one.
 */
export function normalizeDeploymentId(deploymentId: string): string {
  const fail = (why: string) => new InvalidManifestError([{ message: `deploymentId "${deploymentId}": ${why}` }]);
  if (!DEPLOYMENT_ID_INPUT.test(deploymentId)) throw fail('may contain only letters, digits, "-", "_" and "."');
  const normalized = deploymentId.toLowerCase().replace(/[._]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (normalized.length === 0) throw fail('needs at least one letter or digit');
  if (normalized.length > DNS_LABEL_MAX) throw fail(`is longer than ${DNS_LABEL_MAX} characters once normalized`);
  return normalized;
}

/** `<name>-<deploymentId>`: the name of a per-deployment object. `id` is already normalized. */
export function versionedName(spec: Pick<DeployContainersSpec, 'name'>, id: string): string {
  return `${spec.name}-${id}`;
}

/** Selects every object of this step, whatever the deployment; the engine lists by it. */
export function stepSelector(spec: Pick<DeployContainersSpec, 'name'>): string {
  return `${STEP_LABEL}=${spec.name}`;
}

/** The user's labels plus Conveyor's own: the step, and (when given) the deployment id. */
export function labelsFor(spec: Pick<DeployContainersSpec, 'name' | 'labels'>, id?: string): Record<string, string> {
  return { ...spec.labels, [STEP_LABEL]: spec.name, ...(id === undefined ? {} : { [DEPLOYMENT_ID_LABEL]: id }) };
}

/**
 * The pod selector. Only Conveyor's labels: a selector is immutable, so user labels (which
 * may change between releases) stay out of it. Blue/green adds the deployment id, which is
 * how the Service picks one colour.
 */
export function selectorFor(spec: Pick<DeployContainersSpec, 'name'>, id?: string): Record<string, string> {
  return { [STEP_LABEL]: spec.name, ...(id === undefined ? {} : { [DEPLOYMENT_ID_LABEL]: id }) };
}
