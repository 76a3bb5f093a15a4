/**
 * The manifest-like form of the spec, for people who keep steps next to their YAML:
 *
 *   apiVersion: conveyor.dev/v1
 *   kind: DeployContainers
 *   metadata: { name: web, namespace: shop }
 *   spec: { replicas: 3, strategy: RollingUpdate, containers: [...] }
 *
 * `metadata.name` and `metadata.namespace` become the spec's name and namespace; giving
 * them again inside `spec` is an error, so there is one place to look.
 */
import type { Manifest, SourceLocation } from '../model.ts';
import { at, isRecord, onlyFields, Problems } from './check.ts';
import { type DeployContainersSpec, DOCUMENT_API_VERSION, DOCUMENT_KIND } from './spec.ts';
import { validateDeployContainers } from './validate.ts';

/** Whether a parsed document is a DeployContainers step rather than a Kubernetes object. */
export function isDeployContainersDocument(document: unknown): document is Manifest {
  return isRecord(document) && document.apiVersion === DOCUMENT_API_VERSION && document.kind === DOCUMENT_KIND;
}

/** Validates the document form and returns the structured spec; throws InvalidManifestError. */
export function parseDeployContainersDocument(document: unknown, source?: SourceLocation): DeployContainersSpec {
  const p = new Problems(source);
  if (!isRecord(document)) {
    p.add('document', 'must be an object');
    p.throwIfAny();
  }
  const doc = document as Record<string, unknown>;
  onlyFields(p, '', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  if (doc.apiVersion !== DOCUMENT_API_VERSION) p.add('apiVersion', `must be ${DOCUMENT_API_VERSION}`);
  if (doc.kind !== DOCUMENT_KIND) p.add('kind', `must be ${DOCUMENT_KIND}`);
  const metadata = isRecord(doc.metadata) ? doc.metadata : undefined;
  if (!metadata) p.add('metadata', 'must be an object with a name');
  else onlyFields(p, 'metadata', metadata, ['name', 'namespace', 'labels']);
  const spec = isRecord(doc.spec) ? doc.spec : undefined;
  if (!spec) p.add('spec', 'must be an object');
  for (const field of ['name', 'namespace'] as const) {
    if (spec?.[field] !== undefined) p.add(at('spec', field), `set it as metadata.${field}`);
  }
  if (metadata?.labels !== undefined && spec?.labels !== undefined) p.add('metadata.labels', 'give labels in metadata or in spec, not both');
  p.throwIfAny();

  const merged: Record<string, unknown> = { ...spec, name: metadata!.name };
  if (metadata!.namespace !== undefined) merged.namespace = metadata!.namespace;
  if (metadata!.labels !== undefined) merged.labels = metadata!.labels;
  const fieldPaths = { name: 'metadata.name', namespace: 'metadata.namespace', ...(metadata!.labels !== undefined ? { labels: 'metadata.labels' } : {}) };
  return validateDeployContainers(merged, { path: 'spec', fieldPaths, ...(source ? { source } : {}) });
}
