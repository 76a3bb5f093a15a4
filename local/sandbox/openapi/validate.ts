/**
 * The decode-time half of kube-apiserver's handling of a written object, driven by the
 * OpenAPI schema: unknown fields (Strict → 400, Warn → warnings, Ignore → silently dropped),
 * JSON type mismatches (built-ins: the 400 `json: cannot unmarshal ...` the Go decoder gives;
 * custom resources: 422 schema errors), quantities, base64 `byte` fields and timestamps.
 * Semantic (422) validation lives in semantic.ts and runs after defaulting.
 * Schema lookups are compiled once per schema node and cached, since every write comes here.
 */
import type { GVK, KubeObject } from '../types.ts';
import { InvalidFieldValidationError } from './errors.ts';
import type { ResourceRegistry } from './registry.ts';
import { cannotBeHandledStatus, type FieldError, invalid, invalidStatus, type KubeStatus, notSupported, required, strictDecodingDetail, unknownFieldWarning } from './status.ts';
import type { SchemaNode, SwaggerSchemas } from './swagger.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
const FIELD_VALIDATIONS: readonly FieldValidation[] = ['Ignore', 'Warn', 'Strict'];

/**
 * The directive of a `fieldValidation` query value. Absent means Warn, kube-apiserver's
 * default since 1.27 (kubectl itself sends Strict unless --validate says otherwise).
 * @throws InvalidFieldValidationError for any other value (serve it as 400 BadRequest).
 */
export function parseFieldValidation(value: string | null | undefined): FieldValidation {
  if (value === null || value === undefined || value === '') return 'Warn';
  if ((FIELD_VALIDATIONS as readonly string[]).includes(value)) return value as FieldValidation;
  throw new InvalidFieldValidationError(value);
}

/** Outcome of decoding: `status` set means reject with status.code; otherwise store `object`. */
export type DecodeResult = {
  status?: KubeStatus;
  /** Texts for `Warning: 299 - "..."` headers (Warn only). */
  warnings: string[];
  /** Every unknown field path found (also under Ignore), e.g. `spec.template.spec.containers[0].imagez`. */
  unknownFields: string[];
  /** The object with unknown fields removed (the same reference that was passed in). */
  object: KubeObject;
};

const QUANTITY_DEF = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const QUANTITY_PATTERN = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const BASE64_CHAR = /[A-Za-z0-9+/]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const DEF_PREFIX = '#/definitions/';

type Shape = 'object' | 'map' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'intOrString' | 'quantity' | 'any';

/** What the walker needs of a schema node, computed once. */
type Compiled = {
  node: SchemaNode;
  shape: Shape;
  /** Go type as the JSON decoder names it: int32, v1.DeploymentSpec, []v1.Container, map[string]string. */
  goType: string;
  /** Go struct name for objects (DeploymentSpec), used as the "Go struct field X.path" prefix. */
  struct: string;
  props?: Record<string, SchemaNode>;
  item?: SchemaNode;
  preserve: boolean;
  /** Whether the node (and so its children) follows CRD structural-schema rules. */
  structural?: boolean;
};

function shortName(defName: string): { pkg: string; name: string } {
  const parts = defName.split('.');
  return { name: parts[parts.length - 1]!, pkg: parts[parts.length - 2] ?? '' };
}

export class SchemaValidator {
  /** Per schema node; CRD (structural) and built-in nodes prune differently, hence two caches. */
  private readonly compiled = new WeakMap<SchemaNode, Compiled>();
  private readonly compiledStructural = new WeakMap<SchemaNode, Compiled>();

  constructor(private readonly registry: ResourceRegistry) {}

  private get schemas(): SwaggerSchemas {
    return this.registry.schemas;
  }

  private compile(node: SchemaNode, structural: boolean): Compiled {
    const cache = structural && !node.$ref ? this.compiledStructural : this.compiled;
    const cached = cache.get(node);
    if (cached) return cached;
    let resolved = node;
    let defName: string | undefined;
    if (node.$ref) {
      // References only ever point at built-in definitions, which follow Go decoding rules.
      structural = false;
      defName = node.$ref.startsWith(DEF_PREFIX) ? node.$ref.slice(DEF_PREFIX.length) : node.$ref;
      resolved = this.schemas.resolve(node);
    } else if (node.allOf?.length === 1 && node.allOf[0]!.$ref) {
      return this.compile(node.allOf[0]!, structural);
    }
    const go = defName ? shortName(defName) : undefined;
    const c: Compiled = {
      node: resolved,
      shape: 'any',
      goType: go ? `${go.pkg}.${go.name}` : 'interface {}',
      struct: go?.name ?? '',
      preserve: resolved['x-kubernetes-preserve-unknown-fields'] === true,
    };
    const hasProps = resolved.properties && Object.keys(resolved.properties).length > 0;
    if (defName === QUANTITY_DEF) c.shape = 'quantity';
    else if (resolved['x-kubernetes-int-or-string'] || resolved.format === 'int-or-string') c.shape = 'intOrString';
    else if (resolved.type === 'array') {
      c.shape = 'array';
      c.item = resolved.items;
      c.goType = `[]${resolved.items ? this.compile(resolved.items, structural).goType : 'interface {}'}`;
    } else if (resolved.type === 'object' || hasProps || resolved.additionalProperties) {
      if (hasProps || (structural && !resolved.additionalProperties)) {
        c.shape = 'object';
        c.props = resolved.properties ?? {};
      } else if (resolved.additionalProperties && typeof resolved.additionalProperties === 'object') {
        c.shape = 'map';
        c.item = resolved.additionalProperties;
        c.goType = `map[string]${this.compile(resolved.additionalProperties, structural).goType}`;
      }
      if (resolved['x-kubernetes-embedded-resource']) {
        c.shape = 'object';
        c.props = { ...(resolved.properties ?? {}), apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: `${DEF_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` } };
      }
    } else if (resolved.type === 'string') c.shape = 'string';
    else if (resolved.type === 'integer') c.shape = 'integer';
    else if (resolved.type === 'number') c.shape = 'number';
    else if (resolved.type === 'boolean') c.shape = 'boolean';
    if (!go) {
      const f = resolved.format;
      c.goType = { string: 'string', integer: f === 'int32' ? 'int32' : 'int64', number: 'float64', boolean: 'bool' }[c.shape as string] ?? c.goType;
    }
    c.structural = structural;
    cache.set(node, c);
    return c;
  }

  /**
   * Checks and prunes `obj` against the schema of `gvk` (default: the object's own apiVersion/kind).
   * Unknown objects kinds with no schema pass untouched.
   */
  decode(obj: KubeObject, fieldValidation: FieldValidation, gvk?: GVK): DecodeResult {
    const target = gvk ?? gvkOf(obj);
    const schema = this.registry.schemaFor(target);
    const result: DecodeResult = { warnings: [], unknownFields: [], object: obj };
    if (!schema) return result;
    const rt = this.registry.byGvk(target);
    const structural = rt ? this.registry.isCustom(rt) : false;
    const walk = new Walk(this, structural);
    walk.value(obj, schema, '', '', target.kind);
    result.unknownFields = walk.unknown;
    if (walk.decodeError) {
      result.status = cannotBeHandledStatus(target.kind, target.version, walk.decodeError);
      return result;
    }
    if (fieldValidation === 'Strict' && walk.unknown.length) {
      result.status = cannotBeHandledStatus(target.kind, target.version, strictDecodingDetail(walk.unknown));
      return result;
    }
    if (walk.errors.length) {
      result.status = invalidStatus(target.kind, target.group, obj.metadata?.name ?? '', walk.errors);
      return result;
    }
    if (fieldValidation === 'Warn') result.warnings = walk.unknown.map(unknownFieldWarning);
    return result;
  }

  /** @internal used by Walk */
  compiledFor(node: SchemaNode, structural: boolean): Compiled {
    return this.compile(node, structural);
  }
}

function gvkOf(obj: KubeObject): GVK {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion, kind: obj.kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind: obj.kind };
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** Type names as CRD (OpenAPI) validation reports them. */
function openApiKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Go's base64 StdEncoding error offset, for `illegal base64 data at input byte N`. */
export function base64ErrorOffset(s: string): number | undefined {
  let i = 0;
  for (; i < s.length; i++) if (!BASE64_CHAR.test(s[i]!)) break;
  const body = i;
  let pad = 0;
  while (i < s.length && s[i] === '=' && pad < 2) {
    i++;
    pad++;
  }
  if (i < s.length) return i;
  if ((body + pad) % 4 !== 0) return pad ? body : body - (body % 4);
  if (pad && body % 4 === 0) return body;
  return undefined;
}

class Walk {
  unknown: string[] = [];
  errors: FieldError[] = [];
  decodeError?: string;

  constructor(
    private readonly validator: SchemaValidator,
    private readonly structural: boolean,
  ) {}

  /** Records a type mismatch: the Go decoder message for built-ins, a 422 cause for CRDs. */
  private mismatch(value: unknown, c: Compiled, path: string, goPath: string, struct: string, expected: string): void {
    if (this.structural) {
      const kind = openApiKind(value);
      this.errors.push(invalid(path, kind, `${path} in body must be of type ${expected}: ${JSON.stringify(kind)}`));
      return;
    }
    if (this.decodeError) return;
    let kind = jsonKind(value);
    if (kind === 'number' && c.shape === 'integer') kind = `number ${value}`;
    this.decodeError = `json: cannot unmarshal ${kind} into Go struct field ${struct}.${goPath} of type ${c.goType}`;
  }

  value(value: unknown, node: SchemaNode, path: string, goPath: string, struct: string, structural = this.structural): void {
    const c = this.validator.compiledFor(node, structural);
    const inner = c.structural ?? false;
    if (value === null) {
      if (this.structural && !c.node.nullable && c.shape !== 'any' && path) this.mismatch(value, c, path, goPath, struct, c.shape);
      return;
    }
    switch (c.shape) {
      case 'object':
        if (typeof value !== 'object' || Array.isArray(value)) return this.mismatch(value, c, path, goPath, struct, 'object');
        return this.object(value as Record<string, unknown>, c, path, goPath, c.struct || struct, inner);
      case 'map':
        if (typeof value !== 'object' || Array.isArray(value)) return this.mismatch(value, c, path, goPath, struct, 'object');
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) this.value(v, c.item!, `${path}[${k}]`, goPath, struct, inner);
        return this.constraints(value, c, path);
      case 'array':
        if (!Array.isArray(value)) return this.mismatch(value, c, path, goPath, struct, 'array');
        if (c.item) for (let i = 0; i < value.length; i++) this.value(value[i], c.item, `${path}[${i}]`, goPath, struct, inner);
        return this.constraints(value, c, path);
      case 'string':
        if (typeof value !== 'string') return this.mismatch(value, c, path, goPath, struct, 'string');
        return this.string(value, c, path);
      case 'integer': {
        const int32 = c.node.format === 'int32';
        if (typeof value !== 'number' || !Number.isInteger(value) || (int32 && (value < INT32_MIN || value > INT32_MAX))) {
          return this.mismatch(value, c, path, goPath, struct, 'integer');
        }
        return this.constraints(value, c, path);
      }
      case 'number':
        if (typeof value !== 'number') return this.mismatch(value, c, path, goPath, struct, 'number');
        return this.constraints(value, c, path);
      case 'boolean':
        if (typeof value !== 'boolean') return this.mismatch(value, c, path, goPath, struct, 'boolean');
        return;
      case 'intOrString':
        if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) return this.mismatch(value, c, path, goPath, struct, 'integer,string');
        return;
      case 'quantity':
        if (typeof value === 'number') return;
        if (typeof value !== 'string') return this.mismatch(value, c, path, goPath, struct, 'string');
        if (!QUANTITY_PATTERN.test(value.trim())) this.formatError(path, value, QUANTITY_ERROR);
        return;
      default:
        return;
    }
  }

  private formatError(path: string, value: unknown, message: string): void {
    if (this.structural) this.errors.push(invalid(path, value, message));
    else this.decodeError ??= message;
  }

  private string(value: string, c: Compiled, path: string): void {
    const format = c.node.format;
    if (format === 'byte') {
      const offset = base64ErrorOffset(value);
      if (offset !== undefined) this.formatError(path, value, `illegal base64 data at input byte ${offset}`);
    } else if (format === 'date-time' && value !== '' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) {
      if (this.structural) this.errors.push(invalid(path, value, `${path} in body must be of type date-time: ${JSON.stringify(value)}`));
      else this.decodeError ??= `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`;
    }
    this.constraints(value, c, path);
  }

  /** OpenAPI value constraints; the built-in spec carries none, so this only bites CRDs. */
  private constraints(value: unknown, c: Compiled, path: string): void {
    if (!this.structural) return;
    const n = c.node;
    if (n.enum && !n.enum.some((e) => e === value)) {
      this.errors.push(
        notSupported(
          path,
          value,
          n.enum.map((e) => String(e)),
        ),
      );
    }
    if (typeof value === 'number') {
      if (typeof n.minimum === 'number' && value < n.minimum) this.errors.push(invalid(path, value, `${path} in body should be greater than or equal to ${n.minimum}`));
      if (typeof n.maximum === 'number' && value > n.maximum) this.errors.push(invalid(path, value, `${path} in body should be less than or equal to ${n.maximum}`));
    } else if (typeof value === 'string') {
      if (typeof n.maxLength === 'number' && [...value].length > n.maxLength)
        this.errors.push({ reason: 'FieldValueTooLong', field: path, detail: `Too long: may not be more than ${n.maxLength} bytes` });
      if (typeof n.minLength === 'number' && [...value].length < n.minLength) this.errors.push(invalid(path, value, `${path} in body should be at least ${n.minLength} chars long`));
      if (typeof n.pattern === 'string' && !new RegExp(n.pattern, 'u').test(value)) this.errors.push(invalid(path, value, `${path} in body should match '${n.pattern}'`));
    } else if (Array.isArray(value)) {
      if (typeof n.maxItems === 'number' && value.length > n.maxItems)
        this.errors.push({ reason: 'FieldValueTooLong', field: path, detail: `Too many: ${value.length}: must have at most ${n.maxItems} items` });
      if (typeof n.minItems === 'number' && value.length < n.minItems) this.errors.push(invalid(path, value.length, `${path} in body should have at least ${n.minItems} items`));
    }
  }

  private object(value: Record<string, unknown>, c: Compiled, path: string, goPath: string, struct: string, structural: boolean): void {
    const props = c.props!;
    for (const key of Object.keys(value)) {
      const child = props[key];
      const childPath = path ? `${path}.${key}` : key;
      if (!child) {
        if (c.preserve) continue;
        this.unknown.push(childPath);
        delete value[key];
        continue;
      }
      this.value(value[key], child, childPath, goPath ? `${goPath}.${key}` : key, struct, structural);
    }
    if (structural) {
      for (const name of c.node.required ?? []) {
        if (value[name] === undefined) this.errors.push(required(path ? `${path}.${name}` : name));
      }
      this.constraints(value, c, path);
    }
  }
}
