/**
 * Field sets in the FieldsV1 format Kubernetes stores in metadata.managedFields, and the
 * walk that derives one from an object (structured-merge-diff's ToFieldSet).
 *
 * A path is a list of FieldsV1 tokens: `f:<field>`, `k:<json of key fields>` for an item of
 * a list-map, `v:<json value>` for an item of a set, `i:<index>` for a positional item. A
 * FieldSet is a trie of such tokens; a path is a *member* when the node itself is owned,
 * which FieldsV1 writes as `.: {}` when the node also has owned children.
 */
import { BadPatchError } from './errors.ts';
import { isPlainObject, type JsonObject } from './json.ts';
import type { SsaType } from './ssa-types.ts';

export type Path = string[];

export const FIELD_PREFIX = 'f:';
export const KEY_PREFIX = 'k:';
export const VALUE_PREFIX = 'v:';
export const INDEX_PREFIX = 'i:';
/** The FieldsV1 entry meaning "this node itself". */
export const SELF = '.';

/** Token order of FieldsV1 output: fields, then keys, values, indexes (PathElement.Compare). */
const TOKEN_RANK: Record<string, number> = { [FIELD_PREFIX]: 0, [KEY_PREFIX]: 1, [VALUE_PREFIX]: 2, [INDEX_PREFIX]: 3 };

export function fieldToken(name: string): string {
  return FIELD_PREFIX + name;
}

export function compareTokens(a: string, b: string): number {
  const rank = (TOKEN_RANK[a.slice(0, 2)] ?? 4) - (TOKEN_RANK[b.slice(0, 2)] ?? 4);
  if (rank !== 0) return rank;
  if (a.startsWith(INDEX_PREFIX)) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static of(paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (const token of path.slice(0, -1)) node = node.child(token, true)!;
    node.members.add(path[path.length - 1]!);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (const token of path.slice(0, -1)) node = node?.children.get(token);
    return node?.members.has(path[path.length - 1]!) ?? false;
  }

  child(token: string, create = false): FieldSet | undefined {
    let found = this.children.get(token);
    if (!found && create) this.children.set(token, (found = new FieldSet()));
    return found;
  }

  isEmpty(): boolean {
    return this.members.size === 0 && [...this.children.values()].every((c) => c.isEmpty());
  }

  /** Every member path: members of a node before its children, tokens in FieldsV1 order. */
  paths(prefix: Path = []): Path[] {
    const result: Path[] = [...this.members].sort(compareTokens).map((t) => [...prefix, t]);
    for (const token of [...this.children.keys()].sort(compareTokens)) result.push(...this.children.get(token)!.paths([...prefix, token]));
    return result;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...other.paths()]);
  }

  /** Members of this set that are not members of `other` (exact paths, not subtrees). */
  difference(other: FieldSet): FieldSet {
    return this.filter((path) => !other.has(path));
  }

  intersection(other: FieldSet): FieldSet {
    return this.filter((path) => other.has(path));
  }

  filter(keep: (path: Path) => boolean): FieldSet {
    return FieldSet.of(this.paths().filter(keep));
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** The FieldsV1 JSON Kubernetes stores (and kubectl shows with --show-managed-fields). */
  toFieldsV1(): JsonObject {
    const result: JsonObject = {};
    const tokens = [...new Set([...this.members, ...this.children.keys()])].sort(compareTokens);
    for (const token of tokens) {
      const child = this.children.get(token);
      const nested = child && !child.isEmpty() ? child.toFieldsV1() : undefined;
      if (!nested) {
        if (this.members.has(token)) result[token] = {};
        continue;
      }
      result[token] = this.members.has(token) ? { [SELF]: {}, ...nested } : nested;
    }
    return result;
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, prefix: Path): void => {
      if (!isPlainObject(node)) return;
      for (const [token, value] of Object.entries(node)) {
        if (token === SELF) continue;
        const path = [...prefix, token];
        const nested = isPlainObject(value) ? Object.keys(value) : [];
        if (nested.length === 0 || nested.includes(SELF)) set.insert(path);
        walk(value, path);
      }
    };
    walk(fields, []);
    return set;
  }
}

/**
 * The token naming `item` inside a list of type `list`. With `strict` (applied
 * configurations) an item missing a key field is an error, as in kube-apiserver; live objects
 * fall back to the position so that a bad stored object cannot wedge every later write.
 */
export function itemToken(item: unknown, list: SsaType, index: number, strict: boolean): string {
  const kind = list.listKind();
  if (kind === 'set') return VALUE_PREFIX + JSON.stringify(item);
  if (kind === 'map' && isPlainObject(item)) {
    const key: JsonObject = {};
    for (const name of [...list.listKeys()].sort()) {
      const value = item[name] ?? list.keyDefault(name);
      if (value === undefined || value === null) {
        if (strict) throw new BadPatchError(`associative list with keys has an element that omits key field "${name}" (and doesn't have default value)`);
        return INDEX_PREFIX + index;
      }
      key[name] = value;
    }
    return KEY_PREFIX + JSON.stringify(key);
  }
  return INDEX_PREFIX + index;
}

/** Path in the `.spec.containers[name="nginx"].image` form used by conflict messages. */
export function pathToString(path: Path): string {
  return path
    .map((token) => {
      const body = token.slice(2);
      if (token.startsWith(FIELD_PREFIX)) return `.${body}`;
      if (token.startsWith(KEY_PREFIX)) {
        const key = JSON.parse(body) as JsonObject;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      if (token.startsWith(VALUE_PREFIX)) return `[=${body}]`;
      return `[${body}]`;
    })
    .join('');
}

/**
 * The fields an object sets (ToFieldSet): every scalar, atomic list/map and list item is a
 * member; a granular map is a member only when empty or when it is a free-form map entry
 * rather than a declared field. `strict` rejects list items without their keys and duplicates.
 */
export function toFieldSet(value: unknown, type: SsaType, strict = false): FieldSet {
  const set = new FieldSet();
  walkFields(value, type, [], set, strict);
  return set;
}

function walkFields(value: unknown, type: SsaType, path: Path, set: FieldSet, strict: boolean): void {
  if (isPlainObject(value)) {
    if (type.atomicMap) return set.insert(path);
    for (const [name, child] of Object.entries(value)) {
      const childPath = [...path, fieldToken(name)];
      walkFields(child, type.field(name), childPath, set, strict);
      const emptyMap = isPlainObject(child) && Object.keys(child).length === 0;
      if (child === null || emptyMap || !type.isNamedField(name)) set.insert(childPath);
    }
    return;
  }
  if (Array.isArray(value) && type.listKind() !== 'atomic') {
    const items = type.items();
    const seen = new Set<string>();
    value.forEach((item, index) => {
      const token = itemToken(item, type, index, strict);
      if (seen.has(token)) {
        if (strict) throw new BadPatchError(`${pathToString(path)}: duplicate entries for key ${pathToString([token])}`);
        return;
      }
      seen.add(token);
      const itemPath = [...path, token];
      walkFields(item, items, itemPath, set, strict);
      set.insert(itemPath);
    });
    return;
  }
  set.insert(path);
}

/**
 * EnsureNamedFieldsAreMembers: a declared field with owned children also counts as owned
 * itself, so pruning can remove a whole struct (e.g. `.spec.strategy`) that an applier stops
 * sending, not just its leaves.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: SsaType): FieldSet {
  const result = FieldSet.of(set.paths());
  const walk = (node: FieldSet, nodeType: SsaType, prefix: Path): void => {
    for (const [token, child] of node.children) {
      const path = [...prefix, token];
      let childType: SsaType;
      if (token.startsWith(FIELD_PREFIX)) {
        const name = token.slice(FIELD_PREFIX.length);
        childType = nodeType.field(name);
        if (nodeType.isNamedField(name) && !child.isEmpty()) result.insert(path);
      } else {
        childType = nodeType.items();
      }
      walk(child, childType, path);
    }
  };
  walk(set, type, []);
  return result;
}
