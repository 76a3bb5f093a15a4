/** Patch flavours and field management of the sandbox API server; see each module. */
export * from './errors.ts';
export * from './jsonpatch.ts';
export * from './mergepatch.ts';
export * from './strategic.ts';
export * from './fieldsets.ts';
export * from './managers.ts';
export * from './conflicts.ts';
export * from './lastapplied.ts';
export * from './apply.ts';
export { SsaType, KEY_FIELD_DEFAULTS } from './ssa-types.ts';
