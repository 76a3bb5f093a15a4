/**
 * The rendering pipeline's public API, for the deploy engine and the `conveyor` CLI.
 * Typical use: `renderManifests` → `enforceBoundary` (needs cluster discovery) → `applyPhases`.
 */
export { renderManifests, type ManifestFile, type RenderInput, type RenderResult } from './render.ts';
export { enforceBoundary, checkTarget, DEFAULT_NAMESPACE, type BoundaryTarget, type ResourceScope, type ScopeLookup } from './boundary.ts';
export { applyPhases, assertNoDuplicates, APPLY_PHASES, OTHER_PHASE, type ApplyPhase } from './order.ts';
export { parseManifests } from './parse.ts';
export { substituteImages, parseImageMap, unusedImageEntries, imageEntryProblem, imageKeyRepository, type BindingReport, type ImageBinding, type ImageMap, type ContainerRef } from './images.ts';
export { parseImageReference, formatImageReference, type ImageReference } from './reference.ts';
export { createVariableLookup, resolveValue, describeScope, scopeMatches, SYSTEM_VARIABLES, type ResolvedValue, type VariableLookup } from './variables.ts';
export { REDACTED } from './substitute.ts';
export { namespaceProblem, showNamespace } from './namespace.ts';
export { splitDocuments, type DocumentText } from './split.ts';
