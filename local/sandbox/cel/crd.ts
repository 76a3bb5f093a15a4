/**
 * What kube-apiserver checks of a CustomResourceDefinition's x-kubernetes-validations when
 * the CRD is written (k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation/
 * validation.go, ValidateCustomResourceDefinitionOpenAPISchema): rules present and one-line,
 * known reasons, valid fieldPaths, rules and messageExpressions that compile, oldSelf only
 * where old and new values correlate, optionalOldSelf only with oldSelf.
 *
 * Paths follow the internal CRD kube validates: when every version has the same schema, the
 * v1→internal conversion moves it to `spec.validation`, so errors read
 * `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule`.
 */

import { type FieldError, invalid, notSupported, required } from '../openapi/status.ts';
import type { SchemaNode } from '../openapi/swagger.ts';
import type { KubeObject } from '../types.ts';
import { compileRule, jsonEqual, normalizeFieldPath, rulesAt, SUPPORTED_REASONS, type ValidationRule } from './rules.ts';

const OBJECT_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

type CrdVersion = { schema?: { openAPIV3Schema?: SchemaNode } };

/** Field errors of the CRD's validation rules (empty when they are all usable). */
export function crdRuleErrors(crd: KubeObject): FieldError[] {
  const versions: CrdVersion[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
  const schemas = versions.map((v) => v.schema?.openAPIV3Schema);
  const errors: FieldError[] = [];
  if (schemas.length > 0 && schemas.every((s) => s && jsonEqual(s, schemas[0]))) {
    checkNode(schemas[0]!, withResourceFields(schemas[0]!), 'spec.validation.openAPIV3Schema', undefined, errors);
    return errors;
  }
  schemas.forEach((schema, i) => {
    if (schema) checkNode(schema, withResourceFields(schema), `spec.versions[${i}].schema.openAPIV3Schema`, undefined, errors);
  });
  return errors;
}

/** The root as rules see it: apiVersion, kind and metadata are always there. */
function withResourceFields(schema: SchemaNode): SchemaNode {
  if (!schema.properties) return schema;
  return { ...schema, properties: { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: OBJECT_META_REF } } };
}

/**
 * @param uncorrelatable path of the highest list whose items cannot be matched to old items
 *   (anything but `x-kubernetes-list-type: map`): oldSelf is refused below it.
 */
function checkNode(schema: SchemaNode, selfSchema: SchemaNode, path: string, uncorrelatable: string | undefined, out: FieldError[]): void {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    checkNode(property, property, `${path}.properties[${name}]`, uncorrelatable, out);
  }
  if (schema.items) {
    const listUncorrelatable = schema['x-kubernetes-list-type'] === 'map' ? uncorrelatable : (uncorrelatable ?? path);
    checkNode(schema.items, schema.items, `${path}.items`, listUncorrelatable, out);
  }
  if (typeof schema.additionalProperties === 'object') {
    checkNode(schema.additionalProperties, schema.additionalProperties, `${path}.additionalProperties`, uncorrelatable, out);
  }
  (schema.allOf ?? []).forEach((branch, i) => checkRules(rulesAt(branch), selfSchema, `${path}.allOf[${i}].x-kubernetes-validations`, uncorrelatable, out));
  // Like kube, the node's own rules come after everything below it.
  checkRules(rulesAt(schema), selfSchema, `${path}.x-kubernetes-validations`, uncorrelatable, out);
}

function checkRules(rules: ValidationRule[], schema: SchemaNode, path: string, uncorrelatable: string | undefined, out: FieldError[]): void {
  const shapeErrors: FieldError[] = [];
  rules.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    const source = (rule.rule ?? '').trim();
    const message = (rule.message ?? '').trim();
    if (!source) shapeErrors.push(required(`${at}.rule`, 'rule is not specified'));
    else if (rule.message && !message) shapeErrors.push(invalid(`${at}.message`, rule.message, 'must be non-empty if specified'));
    else if (message.includes('\n')) shapeErrors.push(invalid(`${at}.message`, rule.message, 'must not contain line breaks'));
    else if (source.includes('\n') && !message) shapeErrors.push(required(`${at}.message`, 'message must be specified if rule contains line breaks'));
    if (rule.messageExpression !== undefined && rule.messageExpression !== '' && !rule.messageExpression.trim()) {
      shapeErrors.push(required(`${at}.messageExpression`, 'messageExpression must be non-empty if specified'));
    }
    if (rule.reason !== undefined && !SUPPORTED_REASONS.includes(rule.reason)) shapeErrors.push(notSupported(`${at}.reason`, rule.reason, SUPPORTED_REASONS));
    if (rule.fieldPath !== undefined && rule.fieldPath !== '') {
      if (!rule.fieldPath.trim()) shapeErrors.push(invalid(`${at}.fieldPath`, rule.fieldPath, 'must be non-empty if specified'));
      else if (rule.fieldPath.includes('\n')) shapeErrors.push(invalid(`${at}.fieldPath`, rule.fieldPath, 'must not contain line breaks'));
      else if (normalizeFieldPath(rule.fieldPath, schema) === undefined) shapeErrors.push(invalid(`${at}.fieldPath`, rule.fieldPath, 'must be a valid path'));
    }
  });
  out.push(...shapeErrors);
  // Kubernetes compiles only once the rules' own fields are sound.
  if (shapeErrors.length) return;
  rules.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    const compiled = compileRule(rule, schema);
    if (compiled.error) out.push(ruleInvalid(`${at}.rule`, rule, compiled.error));
    if (compiled.messageError) out.push(ruleInvalid(`${at}.messageExpression`, rule, compiled.messageError));
    if (compiled.program && compiled.usesOldSelf && uncorrelatable) {
      out.push(invalid(`${at}.rule`, rule.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
    } else if (compiled.program && !compiled.usesOldSelf && rule.optionalOldSelf !== undefined) {
      out.push({ reason: 'FieldValueInvalid', field: `${at}.optionalOldSelf`, detail: `Invalid value: ${rule.optionalOldSelf}: may not be set if oldSelf is not used in rule` });
    }
  });
}

/**
 * `Invalid value: {"Rule":...}: detail`: kube renders the internal ValidationRule struct with
 * encoding/json, which has no JSON tags (so Go field names) and escapes <, > and &.
 */
function ruleInvalid(field: string, rule: ValidationRule, detail: string): FieldError {
  const goStruct = {
    Rule: rule.rule ?? '',
    Message: rule.message ?? '',
    MessageExpression: rule.messageExpression ?? '',
    Reason: rule.reason ?? null,
    FieldPath: rule.fieldPath ?? '',
    OptionalOldSelf: rule.optionalOldSelf ?? null,
  };
  const json = JSON.stringify(goStruct).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return { reason: 'FieldValueInvalid', field, detail: `Invalid value: ${json}: ${detail}` };
}
