/**
 * Reading request parameters the way Secrets Manager checks them: a value of the wrong JSON
 * type is a SerializationException, a value outside its limits an InvalidParameterException.
 * Messages name the parameter, never quote a secret value.
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter, serialization } from './errors.ts';
import type { Tag } from './state.ts';

export type Input = Record<string, unknown>;

/** Limits of Secrets Manager's API model. */
export const LIMITS = {
  name: 512,
  description: 2048,
  secretValueBytes: 65_536,
  clientRequestToken: { min: 32, max: 64 },
  versionStage: 256,
  versionStages: 20,
  tags: 50,
  tagKey: 128,
  tagValue: 256,
  kmsKeyId: 2048,
  secretId: 2048,
} as const;

/** AWS's own wording for a name with other characters. */
const NAME_CHARACTERS = /^[A-Za-z0-9/_+=.@-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function optionalString(input: Input, field: string, max: number, min = 1): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(`${field} must be a string`);
  if (value.length < min || value.length > max) throw invalidParameter(`${field} must be ${min} to ${max} characters long`);
  return value;
}

export function requiredString(input: Input, field: string, max: number, min = 1): string {
  const value = optionalString(input, field, max, min);
  if (value === undefined) throw invalidParameter(`${field} is required`);
  return value;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serialization(`${field} must be a boolean`);
  return value;
}

export function optionalInteger(input: Input, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`${field} must be an integer`);
  if (value < min || value > max) throw invalidParameter(`${field} must be between ${min} and ${max}`);
  return value;
}

export function optionalArray(input: Input, field: string, max: number): unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serialization(`${field} must be a list`);
  if (value.length > max) throw invalidParameter(`${field} holds ${value.length} items; at most ${max}`);
  return value;
}

export function secretName(input: Input): string {
  const name = requiredString(input, 'Name', LIMITS.name);
  if (!NAME_CHARACTERS.test(name)) {
    throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
  return name;
}

export function secretId(input: Input): string {
  return requiredString(input, 'SecretId', LIMITS.secretId);
}

/** ClientRequestToken as the version id (the SDK always sends one), or a new UUID. */
export function versionToken(input: Input): string {
  return optionalString(input, 'ClientRequestToken', LIMITS.clientRequestToken.max, LIMITS.clientRequestToken.min) ?? randomUUID();
}

/** The value of a Create or Put: at most one of SecretString and SecretBinary (base64 on the wire). */
export function secretValue(input: Input): { kind: 'string' | 'binary'; bytes: Buffer } | undefined {
  const text = input.SecretString;
  const binary = input.SecretBinary;
  if (text !== undefined && text !== null && binary !== undefined && binary !== null) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  let value: { kind: 'string' | 'binary'; bytes: Buffer } | undefined;
  if (text !== undefined && text !== null) {
    if (typeof text !== 'string') throw serialization('SecretString must be a string');
    value = { kind: 'string', bytes: Buffer.from(text, 'utf8') };
  } else if (binary !== undefined && binary !== null) {
    if (typeof binary !== 'string' || !BASE64.test(binary)) throw serialization('SecretBinary must be base64-encoded');
    value = { kind: 'binary', bytes: Buffer.from(binary, 'base64') };
  }
  if (value && value.bytes.length > LIMITS.secretValueBytes) {
    const field = value.kind === 'string' ? 'SecretString' : 'SecretBinary';
    throw invalidParameter(`${field} is ${value.bytes.length} bytes; at most ${LIMITS.secretValueBytes}`);
  }
  return value;
}

export function tags(input: Input): Tag[] {
  const list = optionalArray(input, 'Tags', LIMITS.tags) ?? [];
  return list.map((item) => {
    if (!item || typeof item !== 'object') throw serialization('each of Tags must be an object');
    const tag = item as Input;
    const Key = requiredString(tag, 'Key', LIMITS.tagKey);
    const Value = optionalString(tag, 'Value', LIMITS.tagValue, 0) ?? '';
    if (Key.toLowerCase().startsWith('aws:')) throw invalidParameter(`the tag key prefix "aws:" is reserved`);
    return { Key, Value };
  });
}

export function versionStages(input: Input): string[] | undefined {
  const list = optionalArray(input, 'VersionStages', LIMITS.versionStages);
  if (!list) return undefined;
  if (list.length === 0) throw invalidParameter('VersionStages must hold at least one label');
  return list.map((stage) => {
    if (typeof stage !== 'string') throw serialization('each of VersionStages must be a string');
    if (stage.length === 0 || stage.length > LIMITS.versionStage) throw invalidParameter(`each of VersionStages must be 1 to ${LIMITS.versionStage} characters`);
    return stage;
  });
}
