/** Schemas of `/lifecycles`. */
import { z } from 'zod';
import { displayName, slug } from './common.ts';
import { entityVersion, listOf, slugList } from './config-common.ts';

export const MAX_PHASES = 20;
export const MAX_PHASE_ENVIRONMENTS = 50;

export const phase = z
  .strictObject({
    name: displayName,
    environments: slugList(1, MAX_PHASE_ENVIRONMENTS).describe('environment ids; each environment belongs to one phase'),
    entry: z.enum(['automatic', 'manual']).describe('automatic: deploy to every environment as soon as the phase opens; manual: wait for a promotion'),
    minimumEnvironmentsBeforePromotion: z.number().int().min(0).max(MAX_PHASE_ENVIRONMENTS).default(0).describe('how many environments must succeed before the next phase opens; 0 means all'),
  })
  .meta({ id: 'Phase' });

const fields = { name: displayName, phases: z.array(phase).min(1).max(MAX_PHASES).describe('in order; the first is open as soon as a release exists') };

export const lifecyclePath = z.object({ lifecycleId: slug });
export const createLifecycleBody = z.strictObject({ id: slug, ...fields }).meta({ id: 'CreateLifecycle' });
export const updateLifecycleBody = z.strictObject({ ...fields, version: entityVersion }).meta({ id: 'UpdateLifecycle' });

export const lifecycle = z
  .object({
    id: slug,
    name: z.string(),
    phases: z.array(z.object({ name: z.string(), environments: z.array(z.string()), entry: z.enum(['automatic', 'manual']), minimumEnvironmentsBeforePromotion: z.number().int() })),
    version: z.number().int(),
  })
  .meta({ id: 'Lifecycle' });
export const lifecycleList = listOf(lifecycle).meta({ id: 'LifecycleList' });
