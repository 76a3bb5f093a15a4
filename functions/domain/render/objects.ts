/**
 * Small helpers shared by the rendering steps: how an object is named in messages and which
 * API group a kind belongs to. Messages are always built from the redacted copy of an
 * object, so a sensitive value used in a name never reaches an error or a log.
 */
import type { Manifest, SourceLocation } from '../model.ts';

/** What a person reads for one object: `Deployment/web`. */
export function objectLabel(manifest: Manifest): string {
  return `${manifest.kind}/${manifest.metadata?.name ?? '<unnamed>'}`;
}

/** `Deployment/web (deploy/web.yaml, document 2, line 14)`: an object and where it was written. */
export function objectAt(manifest: Manifest, source: SourceLocation): string {
  return `${objectLabel(manifest)} (${source.file}, document ${source.document}, line ${source.line})`;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** `apps/Deployment`, `/Service`: a kind qualified by its group, independent of the version. */
export function groupKind(manifest: Pick<Manifest, 'apiVersion' | 'kind'>): string {
  return `${apiGroup(manifest.apiVersion)}/${manifest.kind}`;
}

/** Plain JSON data (what YAML parsing produces) as a mapping, or undefined. */
export function asMapping(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
