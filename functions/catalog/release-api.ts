/** Catalog part: see functions/catalog.ts. */
import type { CatalogPart } from '../catalog.ts';

export const PART: CatalogPart = { functions: [], routes: [], stateMachines: [], eventRules: [] };
