/**
 * JSON values as CEL sees them, following the schema as kube-apiserver's UnstructuredToVal
 * does (k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/values.go): integers are CEL
 * ints (bigint), `type: number` is a double, objects are maps, and at a resource root
 * `metadata` shows only `name` and `generateName` (model.WithTypeAndObjectMeta).
 */
import type { SchemaNode } from '../openapi/swagger.ts';

/** The ObjectMeta fields a rule at a resource root may read. */
const ROOT_METADATA_FIELDS = ['name', 'generateName'];

export function toCel(value: unknown, schema: SchemaNode | undefined, resourceRoot = false): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (typeof value === 'number') return asNumber(value, schema);
  if (typeof value !== 'object') return value;
  // A Map keeps keys such as "__proto__" as data, which a plain object would not.
  const out = new Map<string, unknown>();
  const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (resourceRoot && key === 'metadata' && child && typeof child === 'object') {
      out.set(key, rootMetadata(child as Record<string, unknown>));
      continue;
    }
    out.set(key, toCel(child, schema?.properties?.[key] ?? additional, Boolean(schema?.properties?.[key]?.['x-kubernetes-embedded-resource'])));
  }
  return out;
}

function rootMetadata(metadata: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const field of ROOT_METADATA_FIELDS) if (typeof metadata[field] === 'string') out.set(field, metadata[field]);
  return out;
}

/** JSON numbers: ints unless the schema says `number` (a double) or the value has a fraction. */
function asNumber(value: number, schema: SchemaNode | undefined): unknown {
  if (schema?.type === 'number' || !Number.isInteger(value)) return value;
  return BigInt(value);
}
