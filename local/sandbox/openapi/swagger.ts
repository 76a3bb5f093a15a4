/**
 * Loads the Kubernetes OpenAPI v2 document (shared/kubernetes-openapi) once per process and
 * answers the two questions everything else asks of it: "which schema describes this kind?"
 * and "what does this $ref point at?".
 */
import { existsSync, readFileSync } from 'node:fs';
import { projectFile } from '../../paths.ts';
import type { GVK } from '../types.ts';

/** A JSON schema node as the Kubernetes OpenAPI documents write them (v2 or a CRD's v3 schema). */
export type SchemaNode = {
  $ref?: string;
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  'x-kubernetes-group-version-kind'?: GVK[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: unknown[];
  [key: string]: unknown;
};

export type SwaggerDocument = {
  swagger: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, any>>;
  definitions: Record<string, SchemaNode>;
  parameters: Record<string, any>;
  [key: string]: unknown;
};

const DEFINITION_PREFIX = '#/definitions/';

/** Where the spec lives: CONVEYOR_OPENAPI_SPEC, else the project's data copy. */
export function defaultSpecPath(): string {
  const candidates = [process.env.CONVEYOR_OPENAPI_SPEC, projectFile('local', 'data', 'kubernetes-openapi', 'swagger-1.36.json')].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Kubernetes OpenAPI spec not found; looked in: ${candidates.join(', ')}`);
  return found;
}

export class SwaggerSchemas {
  readonly document: SwaggerDocument;
  private readonly byGvkKey = new Map<string, string>();

  constructor(document: SwaggerDocument) {
    this.document = document;
    for (const [name, def] of Object.entries(document.definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        // A few definitions (DeleteOptions, WatchEvent) list every group; the first owner wins.
        const key = gvkKey(gvk);
        if (!this.byGvkKey.has(key)) this.byGvkKey.set(key, name);
      }
    }
  }

  private static cached: SwaggerSchemas | undefined;

  /** The process-wide instance; the 4 MB document is parsed once. */
  static shared(): SwaggerSchemas {
    SwaggerSchemas.cached ??= new SwaggerSchemas(JSON.parse(readFileSync(defaultSpecPath(), 'utf8')) as SwaggerDocument);
    return SwaggerSchemas.cached;
  }

  /** Definition name ('io.k8s.api.apps.v1.Deployment') for a kind, if the spec has it. */
  definitionNameFor(gvk: GVK): string | undefined {
    return this.byGvkKey.get(gvkKey(gvk));
  }

  /** The top-level schema of a kind, or undefined when the spec does not know it. */
  schemaFor(gvk: GVK): SchemaNode | undefined {
    const name = this.definitionNameFor(gvk);
    return name ? this.document.definitions[name] : undefined;
  }

  /** Follows `$ref` (possibly through allOf with a single ref, as v3 conversions write it). */
  resolve(node: SchemaNode): SchemaNode {
    let current = node;
    for (let hops = 0; hops < 32; hops++) {
      if (current.$ref) {
        const name = current.$ref.startsWith(DEFINITION_PREFIX) ? current.$ref.slice(DEFINITION_PREFIX.length) : current.$ref.replace('#/components/schemas/', '');
        const target = this.document.definitions[name];
        if (!target) throw new Error(`unresolvable schema reference ${current.$ref}`);
        current = target;
        continue;
      }
      if (current.allOf?.length === 1 && !current.type && !current.properties) {
        current = current.allOf[0]!;
        continue;
      }
      return current;
    }
    throw new Error('schema reference cycle');
  }
}

export function gvkKey(gvk: GVK): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}
