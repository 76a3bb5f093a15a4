/**
 * The message schemas extracted from kubectl (scripts/extract-protobuf-descriptors.mjs)
 * and the mapping from an apiVersion/kind to the message that encodes it. Loaded lazily:
 * only servers that actually receive a protobuf body pay for parsing ~125 KB of JSON.
 */
import { readFileSync } from 'node:fs';
import { projectFile } from '../../paths.ts';

/** [jsonName, scalar type or fully-qualified message name, FIELD_* flags]. */
export type FieldSpec = [name: string, type: string, flags?: number];
export type MessageSpec = { fields: Record<string, FieldSpec>; mapEntry?: true };
export type Descriptors = Record<string, MessageSpec>;

const DESCRIPTORS_FILE = projectFile('local', 'sandbox', 'protobuf', 'descriptors.json');
/** Where `metav1` option/status kinds live; every group version also serves them. */
export const META_V1_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const API_PACKAGE_PREFIX = 'k8s.io.api';
/** The core ("legacy") group '' is generated into package k8s.io.api.core.<version>. */
const CORE_PACKAGE = 'core';
/** Top-level kinds only: rejects nested names like `Overhead.PodFixedEntry`. */
const KIND_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

export const FIELD_REPEATED = 1;
/** A Go embedded struct (`json:",inline"`): its fields render in the parent JSON object. */
export const FIELD_INLINE = 2;

let loaded: Descriptors | undefined;

export function descriptors(): Descriptors {
  loaded ??= JSON.parse(readFileSync(DESCRIPTORS_FILE, 'utf8')) as Descriptors;
  return loaded;
}

/** The message spec of a fully-qualified name, or undefined for scalars/unknown names. */
export function messageSpec(typeName: string): MessageSpec | undefined {
  return typeName.startsWith('$') ? undefined : descriptors()[typeName];
}

/**
 * The proto message of an apiVersion/kind. Kubernetes generates group `x.k8s.io` version
 * `v1` into package `k8s.io.api.x.v1` (first DNS label of the group); the meta/v1 option
 * kinds (DeleteOptions, ...) are registered into every group version, so fall back to them.
 */
export function resolveMessageType(apiVersion: string, kind: string): string | undefined {
  if (!KIND_PATTERN.test(kind)) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const pkg = group === '' ? CORE_PACKAGE : group.split('.')[0]!;
  const candidates = [`${API_PACKAGE_PREFIX}.${pkg}.${version}.${kind}`, `${META_V1_PACKAGE}.${kind}`];
  return candidates.find((name) => messageSpec(name) !== undefined);
}
