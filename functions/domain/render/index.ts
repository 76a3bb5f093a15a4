/**
 * The rendering pipeline's public API, for the deploy engine and the `conveyor` CLI.
 * Typical use: `renderManifests` → `enforceBoundary` (needs cluster discovery) → `applyPhases`.
 */

export { type BoundaryTarget, checkTarget, DEFAULT_NAMESPACE, enforceBoundary, type ResourceScope, type ScopeLookup } from './boundary.ts';
export { type BindingReport, type ContainerRef, type ImageBinding, type ImageMap, imageEntryProblem, imageKeyRepository, parseImageMap, substituteImages, unusedImageEntries } from './images.ts';
export { namespaceProblem, showNamespace } from './namespace.ts';
export { APPLY_PHASES, type ApplyPhase, applyPhases, assertNoDuplicates, OTHER_PHASE } from './order.ts';
export { parseManifests } from './parse.ts';
export { formatImageReference, type ImageReference, parseImageReference } from './reference.ts';
export { type ManifestFile, type RenderInput, type RenderResult, renderManifests } from './render.ts';
export { type DocumentText, splitDocuments } from './split.ts';
export { REDACTED } from './substitute.ts';
export { createVariableLookup, describeScope, type ResolvedValue, resolveValue, SYSTEM_VARIABLES, scopeMatches, type VariableLookup } from './variables.ts';
