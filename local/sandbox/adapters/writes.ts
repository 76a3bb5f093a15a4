/**
 * What happens to a user's object before it is stored: schema decoding with the
 * fieldValidation directive, defaulting, semantic validation; and the four patch types.
 * Module errors (validation statuses, patch errors) become ApiErrors here.
 */
import { CustomResourceRules } from '../cel/rules.ts';
import { ApiError, badRequest } from '../errors.ts';
import type { WritePort } from '../http/ports.ts';
import { applyDefaults } from '../openapi/defaults.ts';
import { InvalidFieldValidationError } from '../openapi/errors.ts';
import type { ResourceRegistry } from '../openapi/registry.ts';
import { SemanticValidator } from '../openapi/semantic.ts';
import { applyUnknownFieldStatus } from '../openapi/status.ts';
import { parseFieldValidation, SchemaValidator } from '../openapi/validate.ts';
import { type WriteOptions as FieldWriteOptions, serverSideApply, updateManagedFields } from '../patch/apply.ts';
import { ApplyConflictError } from '../patch/conflicts.ts';
import { PatchError, StrategicMergePatchUnsupportedError } from '../patch/errors.ts';
import { applyJsonPatch } from '../patch/jsonpatch.ts';
import { applyMergePatch } from '../patch/mergepatch.ts';
import { applyStrategicMergePatch } from '../patch/strategic.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../types.ts';

type KubeStatus = { code: number; reason?: string; message: string; details?: any };

export function statusError(status: KubeStatus): ApiError {
  return new ApiError(status.code, status.reason ?? 'InternalError', status.message, status.details);
}

export class SchemaWrites implements WritePort {
  private readonly decoder: SchemaValidator;
  private readonly semantic: SemanticValidator;
  private readonly rules = new CustomResourceRules();

  constructor(private readonly registry: ResourceRegistry) {
    this.decoder = new SchemaValidator(registry);
    this.semantic = new SemanticValidator(registry);
  }

  validate(rt: ResourceType, object: KubeObject, fieldValidation: string, old: KubeObject | undefined): { object: KubeObject; warnings: string[] } {
    let directive;
    try {
      directive = parseFieldValidation(fieldValidation);
    } catch (error) {
      if (error instanceof InvalidFieldValidationError) throw badRequest(error.message);
      throw error;
    }
    // Apiserver decodes into the URL's kind, so a body may omit apiVersion/kind.
    const typed: KubeObject = { ...object, apiVersion: apiVersionOf(rt), kind: rt.kind };
    const decoded = this.decoder.decode(typed, directive, { group: rt.group, version: rt.version, kind: rt.kind });
    if (decoded.status) throw statusError(decoded.status as KubeStatus);
    applyDefaults(decoded.object);
    if (rt.group === '' && rt.kind === 'Secret') mergeStringData(decoded.object);
    // x-kubernetes-validations: errors join the 422; ratcheted ones (unchanged values) only warn.
    const ruleWarnings: string[] = [];
    const schema = this.registry.isCustom(rt) ? this.schemaOf(rt) : undefined;
    const invalid = this.semantic.validate(
      decoded.object,
      schema &&
        ((found) => {
          const outcome = this.rules.check(schema, decoded.object, old, found);
          ruleWarnings.push(...outcome.warnings);
          return outcome.errors;
        }),
    );
    if (invalid) throw statusError(invalid as KubeStatus);
    return { object: decoded.object, warnings: [...decoded.warnings, ...ruleWarnings] };
  }

  patch(rt: ResourceType, current: KubeObject, type: 'json' | 'merge' | 'strategic', patch: unknown): KubeObject {
    return translate(() => {
      switch (type) {
        case 'json':
          return applyJsonPatch(current, patch);
        case 'merge':
          return applyMergePatch(current, patch);
        case 'strategic':
          // kube-apiserver has no Go struct for custom resources; kubectl falls back to a merge patch.
          if (this.registry.isCustom(rt)) throw new StrategicMergePatchUnsupportedError();
          return applyStrategicMergePatch(current, patch, this.schemaOf(rt), this.resolverOf(rt));
      }
    });
  }

  apply(rt: ResourceType, current: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, subresource?: string): KubeObject {
    const unknown = this.decoder.decode(structuredClone({ ...applied, apiVersion: apiVersionOf(rt), kind: rt.kind }), 'Ignore', { group: rt.group, version: rt.version, kind: rt.kind }).unknownFields;
    if (unknown.length) {
      throw statusError(
        applyUnknownFieldStatus(applied.metadata?.namespace ?? current?.metadata.namespace ?? '', applied.metadata?.name ?? '', apiVersionOf(rt), rt.kind, `.${unknown[0]}`) as KubeStatus,
      );
    }
    return translate(() => {
      const result = serverSideApply(current, applied, { ...this.fieldOptions(rt, manager, subresource), force });
      if (!result.ok) throw new ApiError(409, 'Conflict', result.message, { causes: wireCauses(result.causes), kind: rt.plural, group: rt.group, name: applied.metadata?.name });
      return result.object;
    });
  }

  /** managedFields after a non-apply write (create, update, patch) by `manager`. */
  managedFields(rt: ResourceType, old: KubeObject | undefined, next: KubeObject, manager: string, subresource: string | undefined): KubeObject['metadata']['managedFields'] {
    return updateManagedFields(old, next, this.fieldOptions(rt, manager, subresource)).metadata.managedFields;
  }

  private fieldOptions(rt: ResourceType, manager: string, subresource: string | undefined): FieldWriteOptions {
    return {
      fieldManager: manager,
      apiVersion: apiVersionOf(rt),
      schema: this.schemaOf(rt),
      resolver: this.resolverOf(rt),
      subresource,
      statusSubresource: rt.subresources.includes('status'),
    };
  }

  private schemaOf(rt: ResourceType) {
    return this.registry.schemaFor({ group: rt.group, version: rt.version, kind: rt.kind });
  }

  private resolverOf(rt: ResourceType) {
    return this.registry.isCustom(rt) ? undefined : this.registry.schemas;
  }
}

/** Patch-module errors carry their HTTP status; they become ApiErrors here. */
function translate<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ApplyConflictError) {
      throw new ApiError(error.status, error.reason, error.message, { causes: wireCauses(error.causes) }, { cause: error });
    }
    if (error instanceof PatchError) {
      throw new ApiError(error.status, error.reason, error.message, undefined, { cause: error });
    }
    throw error;
  }
}

/** metav1.StatusCause serialises its Type as `reason` on the wire. */
function wireCauses(causes: { type: string; message: string; field: string }[]): { reason: string; message: string; field: string }[] {
  return causes.map(({ type, message, field }) => ({ reason: type, message, field }));
}

/** Secret.stringData is write-only: v1 conversion merges it into data (overriding) and it is never stored. */
function mergeStringData(secret: KubeObject): void {
  const stringData = (secret as { stringData?: Record<string, string> }).stringData;
  if (stringData === undefined) return;
  if (stringData && typeof stringData === 'object') {
    const data: Record<string, string> = { ...((secret as { data?: Record<string, string> }).data ?? {}) };
    for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    (secret as { data?: Record<string, string> }).data = data;
  }
  delete (secret as { stringData?: unknown }).stringData;
}
