/**
 * Variables fill scalars; they never change a manifest's structure. The skeleton of a
 * document (substitute.ts: every variable use replaced by a marker) shows the structure its
 * author wrote; after substitution the real document must have the same one, compared on the
 * YAML ASTs (before toJS, so that order, aliases, anchors and merge keys are visible):
 *
 * - the same node kinds, map sizes, sequence lengths, aliases and anchors;
 * - the same keys, except that a key holding a marker may become any scalar key;
 * - a scalar holding a marker may become any string, number, boolean or null, but not a
 *   collection, an alias, a merge key `<<` or a tagged value such as `!!binary`;
 * - a scalar without a marker keeps its value (a value that swallows the template's own text
 *   changes the structure too);
 * - no two keys of one mapping name the same JSON key (YAML's own check for duplicates is
 *   quadratic in the size of a mapping, so this walk does it in one pass).
 *
 * The phrases returned here are built from the skeleton and from node kinds only, never from
 * a value's text, so they may describe what a sensitive variable did.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';

/** What the comparison needs to know about the skeleton. */
export type Skeleton = {
  document: Document;
  /** Whether a scalar's text holds a variable use. */
  holdsUse(text: string): boolean;
  /** A key as a person reads it (markers shown as `#{Name}`). */
  show(text: string): string;
  /** The file line of a skeleton node. */
  lineOf(node: Node): number;
};

/** A duplicate key of the skeleton: where, and a message. */
export type DuplicateKey = { node: Node; message: string };

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

function isJsonScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function kindOf(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a sequence';
  if (isAlias(node)) return 'an alias';
  if (!isScalar(node)) return 'something else';
  if (isJsonScalar(node.value)) return 'a scalar';
  return typeof node.value === 'symbol' ? 'the merge key "<<"' : 'a tagged value (not a string, number, boolean or null)';
}

/** The JSON key a scalar key becomes (toJS writes null as ''); undefined for merge and collection keys. */
function jsonKey(key: unknown): string | undefined {
  if (!isScalar(key) || !isJsonScalar(key.value)) return undefined;
  return key.value === null ? '' : String(key.value);
}

/** The index of the first pair whose key repeats an earlier one, or -1. */
function firstDuplicate(pairs: Pair[]): number {
  const seen = new Set<string>();
  return pairs.findIndex((pair) => {
    const key = jsonKey(pair.key);
    if (key === undefined) return false;
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

function sameScalar(a: unknown, b: unknown, aSource?: string, bSource?: string): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === 'symbol' && typeof b === 'symbol') return a.description === b.description;
  // Tagged values (`!!binary`, `!!timestamp`) are objects: equal when written the same.
  return typeof a === 'object' && typeof b === 'object' && aSource !== undefined && aSource === bSource;
}

class Comparison {
  constructor(private readonly skeleton: Skeleton) {}

  /** `metadata.labels`, `spec.containers[0]`, `data["app.properties"]`. */
  private child(path: string, key: unknown): string {
    const text = this.skeleton.show(isScalar(key) ? String(key.value) : '?');
    return PLAIN_KEY.test(text) ? (path ? `${path}.${text}` : text) : `${path}[${JSON.stringify(text)}]`;
  }

  private where(node: unknown, path: string): string {
    const line = isScalar(node) || isMap(node) || isSeq(node) || isAlias(node) ? ` (line ${this.skeleton.lineOf(node)})` : '';
    return `${path || 'the top level'}${line}`;
  }

  /** How `real` differs from skeleton node `node`, or undefined when it does not. */
  compare(node: unknown, real: unknown, path: string, asKey = false): string | undefined {
    const what = asKey ? 'the key' : 'the value';
    if (isScalar(node) && typeof node.value === 'string' && this.skeleton.holdsUse(node.value)) {
      if (isScalar(real) && isJsonScalar(real.value) && real.anchor === node.anchor) return undefined;
      const into = isScalar(real) && isJsonScalar(real.value) ? 'a scalar with an anchor (&)' : kindOf(real);
      return `turns ${what} at ${this.where(node, path)} into ${into}`;
    }
    const kind = kindOf(node);
    if (kind !== kindOf(real)) return `turns ${kind} at ${this.where(node, path)} into ${kindOf(real)}`;
    if (node === null || node === undefined) return undefined;
    const skeletonNode = node as Node;
    const realNode = real as Node;
    if (skeletonNode.anchor !== realNode.anchor || skeletonNode.tag !== realNode.tag) {
      return `changes the anchor or tag of ${kind} at ${this.where(node, path)}`;
    }
    if (isScalar(node) && isScalar(real)) {
      return sameScalar(node.value, real.value, node.source, real.source) ? undefined : `changes the template's own text at ${this.where(node, path)}`;
    }
    if (isAlias(node) && isAlias(real)) return node.source === real.source ? undefined : `changes the alias at ${this.where(node, path)}`;
    if (isMap(node) && isMap(real)) return this.compareMap(node.items, real.items, node, path);
    if (isSeq(node) && isSeq(real)) {
      if (node.items.length !== real.items.length) {
        return `${real.items.length > node.items.length ? 'adds items to' : 'removes items from'} the sequence at ${this.where(node, path)}`;
      }
      for (let index = 0; index < node.items.length; index += 1) {
        const change = this.compare(node.items[index], real.items[index], `${path}[${index}]`);
        if (change) return change;
      }
    }
    return undefined;
  }

  private compareMap(pairs: Pair[], realPairs: Pair[], node: Node, path: string): string | undefined {
    if (pairs.length !== realPairs.length) {
      return `${realPairs.length > pairs.length ? 'adds keys to' : 'removes keys from'} the mapping at ${this.where(node, path)}`;
    }
    if (firstDuplicate(realPairs) !== -1) return `makes two keys of the mapping at ${this.where(node, path)} the same`;
    for (let index = 0; index < pairs.length; index += 1) {
      const { key, value } = pairs[index];
      const change = this.compare(key, realPairs[index].key, this.child(path, key), true) ?? this.compare(value, realPairs[index].value, this.child(path, key));
      if (change) return change;
    }
    return undefined;
  }

  /** The first duplicate key anywhere under `node`. */
  duplicate(node: unknown, path: string): DuplicateKey | undefined {
    if (isSeq(node)) {
      for (let index = 0; index < node.items.length; index += 1) {
        const found = this.duplicate(node.items[index], `${path}[${index}]`);
        if (found) return found;
      }
    }
    if (!isMap(node)) return undefined;
    const index = firstDuplicate(node.items);
    if (index !== -1) {
      const key = node.items[index].key as Node;
      return { node: key, message: `Map keys must be unique: "${this.skeleton.show(jsonKey(key) ?? '')}" appears twice in the mapping at ${this.where(node, path)}` };
    }
    for (const { key, value } of node.items) {
      const found = this.duplicate(key, path) ?? this.duplicate(value, this.child(path, key));
      if (found) return found;
    }
    return undefined;
  }
}

/** How the real document's structure differs from the skeleton's, as a phrase; undefined when it does not. */
export function structureChange(skeleton: Skeleton, real: Document): string | undefined {
  return new Comparison(skeleton).compare(skeleton.document.contents, real.contents, '');
}

/** The skeleton's first duplicate key: an error of the template itself. */
export function duplicateKey(skeleton: Skeleton): DuplicateKey | undefined {
  return new Comparison(skeleton).duplicate(skeleton.document.contents, '');
}
