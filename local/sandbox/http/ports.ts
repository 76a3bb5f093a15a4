/**
 * What the HTTP layer needs from the rest of the sandbox, as small interfaces: the server
 * assembles real implementations; tests may hand in their own.
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, RequestAttributes, ResourceType, UserInfo } from '../types.ts';

export interface RegistryPort {
  /** The served resource at /api(s)/<group>/<version>/<plural>, if any. */
  find(group: string, version: string, plural: string): ResourceType | undefined;
  /** Discovery and OpenAPI documents for a non-resource GET path, or undefined when not one. */
  document(path: string, query: URLSearchParams, accept?: string): { body: unknown; contentType?: string; headers?: Record<string, string> } | undefined;
  /** Whether the group/version is served at all (for 404 vs. discovery). */
  servesGroupVersion(group: string, version: string): boolean;
}

export type Authentication = { user: UserInfo } | { unauthorized: true };

export interface AuthPort {
  authenticate(req: IncomingMessage): Promise<Authentication>;
  authorize(attrs: RequestAttributes): { allowed: boolean; reason: string };
  forbiddenMessage(attrs: RequestAttributes): string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WritePort {
  /** Applies a JSON, merge or strategic-merge patch to the current object. */
  patch(rt: ResourceType, current: KubeObject, type: Exclude<PatchType, 'apply'>, patch: unknown): KubeObject;
  /**
   * Server-side apply: the merged object with managedFields, or throws a 409 naming the
   * conflicting fields and managers.
   */
  apply(rt: ResourceType, current: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, subresource?: string): KubeObject;
  /** Validation for incoming objects by fieldValidation directive; returns warnings, throws ApiError. */
  validate(rt: ResourceType, object: KubeObject, fieldValidation: string, old: KubeObject | undefined): { object: KubeObject; warnings: string[] };
}

/** Resources with no storage: reviews and TokenRequest. Returns the response object. */
export interface VirtualPort {
  handles(rt: ResourceType, subresource: string | undefined): boolean;
  create(rt: ResourceType, namespace: string | undefined, name: string | undefined, subresource: string | undefined, body: KubeObject, user: UserInfo): Promise<KubeObject>;
}

/** Durability of store changes (with --data): the pipeline acknowledges a write only once it is on disk. */
export interface DurabilityPort {
  /** Resolves once every change made to the store so far is on disk; rejects when writing failed. */
  synced(): Promise<void>;
}
