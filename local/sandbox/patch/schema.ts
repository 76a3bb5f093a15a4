/**
 * Navigation of Kubernetes OpenAPI schema nodes, shared by strategic merge patch and
 * server-side apply. Built-in kinds come from the swagger v2 document (with $refs resolved by
 * SwaggerSchemas); custom resources pass their CRD's inline v3 schema and no resolver.
 */
import type { SchemaNode, SwaggerSchemas } from '../openapi/swagger.ts';

/** Anything that can follow a $ref; SwaggerSchemas satisfies it. Optional for inline CRD schemas. */
export type SchemaResolver = Pick<SwaggerSchemas, 'resolve'>;

export const PATCH_STRATEGY = 'x-kubernetes-patch-strategy';
export const PATCH_MERGE_KEY = 'x-kubernetes-patch-merge-key';
export const LIST_TYPE = 'x-kubernetes-list-type';
export const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
export const MAP_TYPE = 'x-kubernetes-map-type';

/** Follows $ref and single-entry allOf; without a resolver only allOf is unwrapped. */
export function resolveSchema(node: SchemaNode | undefined, resolver: SchemaResolver | undefined): SchemaNode | undefined {
  if (!node) return undefined;
  if (resolver) return resolver.resolve(node);
  let current = node;
  while (current.allOf?.length === 1 && !current.type && !current.properties && !current.$ref) current = current.allOf[0]!;
  return current.$ref ? undefined : current;
}

/**
 * The raw (unresolved) schema of field `name` inside the resolved object schema `parent`:
 * the declared property, else the additionalProperties schema. Kept unresolved because
 * patch-strategy annotations sit on the property, next to its $ref.
 */
export function fieldSchema(parent: SchemaNode | undefined, name: string): SchemaNode | undefined {
  if (!parent) return undefined;
  const declared = parent.properties?.[name];
  if (declared) return declared;
  return typeof parent.additionalProperties === 'object' ? parent.additionalProperties : undefined;
}

/** Whether `name` is a declared property (a struct field) rather than a map entry. */
export function isDeclaredField(parent: SchemaNode | undefined, name: string): boolean {
  return Boolean(parent?.properties && Object.hasOwn(parent.properties, name));
}

/** Reads a string extension from the raw node or, failing that, from what it resolves to. */
export function extension(raw: SchemaNode | undefined, resolved: SchemaNode | undefined, key: string): unknown {
  return raw?.[key] ?? resolved?.[key];
}

/** The comma-separated x-kubernetes-patch-strategy as a list ('merge,retainKeys' → both). */
export function patchStrategies(raw: SchemaNode | undefined): string[] {
  const value = raw?.[PATCH_STRATEGY];
  return typeof value === 'string' && value ? value.split(',').map((s) => s.trim()) : [];
}
