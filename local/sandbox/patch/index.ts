/** Patch flavours and field management of the sandbox API server; see each module. */

export * from './apply.ts';
export * from './conflicts.ts';
export * from './errors.ts';
export * from './fieldsets.ts';
export * from './jsonpatch.ts';
export * from './lastapplied.ts';
export * from './managers.ts';
export * from './mergepatch.ts';
export { KEY_FIELD_DEFAULTS, SsaType } from './ssa-types.ts';
export * from './strategic.ts';
