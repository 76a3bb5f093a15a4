/**
 * The structural view server-side apply needs of a schema node, following how
 * k8s.io/kube-openapi's schemaconv turns OpenAPI into structured-merge-diff types:
 *  - lists: x-kubernetes-list-type wins; else a "merge" patch strategy makes the list
 *    associative (keyed by x-kubernetes-patch-merge-key, or a set for primitives); else atomic;
 *  - maps: x-kubernetes-map-type "atomic" makes them one leaf; otherwise granular;
 *  - no schema (custom resources without one, preserve-unknown-fields, RawExtension):
 *    "deduced" — maps granular, lists atomic, nothing declared.
 */
import type { SchemaNode } from '../openapi/swagger.ts';
import { extension, LIST_MAP_KEYS, LIST_TYPE, MAP_TYPE, PATCH_MERGE_KEY, patchStrategies, resolveSchema, type SchemaResolver } from './schema.ts';

export type ListKind = 'atomic' | 'set' | 'map';

const ATOMIC = 'atomic';
const MERGE_STRATEGY = 'merge';

/**
 * Defaults of list-map key fields. kube-apiserver takes these from the OpenAPI v3 `default`
 * (ports are keyed by containerPort+protocol and protocol defaults to TCP); the v2 document
 * we load has no defaults, so the ones that matter are listed here.
 */
export const KEY_FIELD_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

export class SsaType {
  private constructor(
    /** The node as written where it is used (carries list/patch annotations next to $ref). */
    private readonly raw: SchemaNode | undefined,
    /** The node with $ref followed. */
    private readonly resolved: SchemaNode | undefined,
    private readonly resolver: SchemaResolver | undefined,
  ) {}

  /** The type of a whole object of a kind; undefined schema means deduced (custom resource). */
  static root(schema: SchemaNode | undefined, resolver?: SchemaResolver): SsaType {
    return new SsaType(schema, resolveSchema(schema, resolver), resolver);
  }

  /** True when nothing is known about the shape below this point. */
  get deduced(): boolean {
    const node = this.resolved;
    if (!node) return true;
    return !node.properties && typeof node.additionalProperties !== 'object' && !node.items;
  }

  get atomicMap(): boolean {
    return extension(this.raw, this.resolved, MAP_TYPE) === ATOMIC;
  }

  listKind(): ListKind {
    if (this.deduced) return 'atomic';
    const declared = extension(this.raw, this.resolved, LIST_TYPE);
    if (declared === 'set' || declared === 'map' || declared === ATOMIC) return declared;
    if (patchStrategies(this.raw).includes(MERGE_STRATEGY)) return this.listKeys().length > 0 ? 'map' : 'set';
    return 'atomic';
  }

  /** Key fields of an associative list (list-map-keys, else the patch merge key). */
  listKeys(): string[] {
    const keys = extension(this.raw, this.resolved, LIST_MAP_KEYS);
    if (Array.isArray(keys) && keys.length > 0) return keys.map(String);
    const mergeKey = extension(this.raw, this.resolved, PATCH_MERGE_KEY);
    return typeof mergeKey === 'string' ? [mergeKey] : [];
  }

  /** Default for a missing key field, when the item schema has that field. */
  keyDefault(field: string): unknown {
    return this.items().isNamedField(field) ? KEY_FIELD_DEFAULTS[field] : undefined;
  }

  /** Whether `name` is a declared (struct) field rather than a free-form map entry. */
  isNamedField(name: string): boolean {
    const properties = this.resolved?.properties;
    return Boolean(properties && Object.hasOwn(properties, name));
  }

  field(name: string): SsaType {
    const node = this.resolved;
    const raw = node?.properties?.[name] ?? (typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined);
    return new SsaType(raw, resolveSchema(raw, this.resolver), this.resolver);
  }

  items(): SsaType {
    const raw = this.resolved?.items;
    return new SsaType(raw, resolveSchema(raw, this.resolver), this.resolver);
  }
}
