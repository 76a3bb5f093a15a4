/**
 * RFC 6902 JSON Patch, as kube-apiserver applies `application/json-patch+json` bodies
 * (gopkg.in/evanphx/json-patch.v4). Error texts follow that library because kubectl prints
 * them verbatim to the user.
 */
import { BadPatchError, PatchError } from './errors.ts';
import { deepClone, deepEqual, isPlainObject } from './json.ts';

export type JsonPatchOperation = {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
};

/** kube-apiserver refuses JSON patches with more operations than this (413). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const MISSING = 'missing value';
const TEST_FAILED = 'test failed';
const INVALID_INDEX = 'invalid index referenced';
const APPEND_INDEX = '-';

/** Splits a JSON pointer into unescaped tokens (~1 is '/', ~0 is '~', in that order). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new BadPatchError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Escapes one token for use in a JSON pointer. */
export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Checks that `patch` is a JSON patch document (an array of operations). A malformed body is
 * a 400 on the real server, distinct from a well-formed patch that does not apply (422).
 */
export function parseJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new BadPatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`, {
      status: 413,
      reason: 'RequestEntityTooLarge',
    });
  }
  return patch.map((op, i) => {
    if (!isPlainObject(op)) throw new BadPatchError(`json: cannot unmarshal ${typeof op} into Go value of type jsonpatch.Operation (operation ${i})`);
    return op as JsonPatchOperation;
  });
}

/** Applies a JSON patch to a copy of `document`; the input is never modified. Throws PatchError. */
export function applyJsonPatch<T>(document: T, patch: unknown): T {
  let doc: unknown = deepClone(document);
  for (const op of parseJsonPatch(patch)) doc = applyOperation(doc, op);
  return doc as T;
}

function applyOperation(doc: unknown, op: JsonPatchOperation): unknown {
  const kind = op.op as string;
  if (typeof op.path !== 'string') throw new PatchError(`${kind} operation failed to decode path: missing path`);
  switch (op.op) {
    case 'add':
      requireValue(op);
      return add(doc, op.path, deepClone(op.value), 'add');
    case 'remove':
      return remove(doc, op.path, 'remove').doc;
    case 'replace':
      requireValue(op);
      return replace(doc, op.path, deepClone(op.value));
    case 'move': {
      const from = requireFrom(op);
      const taken = remove(doc, from, 'move', `move operation does not apply: doc is missing from path: ${from}`);
      return add(taken.doc, op.path, taken.value, 'move');
    }
    case 'copy': {
      const from = requireFrom(op);
      const value = get(doc, parseJsonPointer(from));
      if (value === undefined) throw new PatchError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      return add(doc, op.path, deepClone(value), 'copy');
    }
    case 'test': {
      const actual = get(doc, parseJsonPointer(op.path));
      // evanphx: a missing path passes when the expected value is null.
      const matches = actual === undefined ? op.value === null : deepEqual(actual, op.value);
      if (!matches) throw new PatchError(`testing value ${op.path} failed: ${TEST_FAILED}`);
      return doc;
    }
    default:
      throw new PatchError(`Unexpected kind: ${kind}`);
  }
}

function requireValue(op: JsonPatchOperation): void {
  if (!('value' in op)) throw new PatchError(`${op.op} operation failed to decode value: missing value`);
}

function requireFrom(op: JsonPatchOperation): string {
  if (typeof op.from !== 'string') throw new PatchError(`${op.op} operation failed to decode from: missing from`);
  return op.from;
}

/** The value at `tokens`, or undefined when any step is missing. */
function get(doc: unknown, tokens: string[]): unknown {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = arrayIndex(token, current.length - 1);
      if (index === undefined) return undefined;
      current = current[index];
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, token)) return undefined;
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Parses an array index token; undefined when it is not an index or is beyond `max`. */
function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= max ? index : undefined;
}

/** The container holding the last token of `path`, as evanphx's findObject finds it. */
function parent(doc: unknown, path: string): { container: unknown; key: string } | undefined {
  const tokens = parseJsonPointer(path);
  const key = tokens.pop();
  if (key === undefined) return undefined;
  const container = get(doc, tokens);
  if (!Array.isArray(container) && !isPlainObject(container)) return undefined;
  return { container, key };
}

function add(doc: unknown, path: string, value: unknown, opName: string): unknown {
  if (path === '') return value;
  const found = parent(doc, path);
  if (!found) throw new PatchError(`${opName} operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  const { container, key } = found;
  if (Array.isArray(container)) {
    if (key === APPEND_INDEX) {
      container.push(value);
      return doc;
    }
    const index = arrayIndex(key, container.length);
    if (index === undefined) {
      throw new PatchError(`error in ${opName} for path: '${path}': Unable to access invalid index: ${key}: ${INVALID_INDEX}`);
    }
    container.splice(index, 0, value);
  } else {
    (container as Record<string, unknown>)[key] = value;
  }
  return doc;
}

function remove(doc: unknown, path: string, opName: string, missingMessage?: string): { doc: unknown; value: unknown } {
  const found = parent(doc, path);
  if (!found) throw new PatchError(missingMessage ? `${missingMessage}: ${MISSING}` : `${opName} operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  const { container, key } = found;
  if (Array.isArray(container)) {
    const index = arrayIndex(key, container.length - 1);
    if (index === undefined) {
      throw new PatchError(`error in ${opName} for path: '${path}': Unable to access invalid index: ${key}: ${INVALID_INDEX}`);
    }
    const [value] = container.splice(index, 1);
    return { doc, value };
  }
  const record = container as Record<string, unknown>;
  if (!Object.hasOwn(record, key)) {
    throw new PatchError(`error in ${opName} for path: '${path}': Unable to remove nonexistent key: ${key}: ${MISSING}`);
  }
  const value = record[key];
  delete record[key];
  return { doc, value };
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const found = parent(doc, path);
  if (!found) throw new PatchError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
  const { container, key } = found;
  if (Array.isArray(container)) {
    const index = arrayIndex(key, container.length - 1);
    if (index === undefined) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
    container[index] = value;
    return doc;
  }
  const record = container as Record<string, unknown>;
  if (!Object.hasOwn(record, key)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
  record[key] = value;
  return doc;
}
