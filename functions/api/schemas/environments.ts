/** Schemas of `/environments`. */
import { z } from 'zod';
import { displayName, slug, text } from './common.ts';
import { entityVersion, listOf } from './config-common.ts';

export const MAX_DESCRIPTION_LENGTH = 1000;
/** Dashboard positions: plenty of room to insert between two environments. */
export const MAX_ORDER = 1_000_000;

const fields = {
  name: displayName.describe('what people read: "Production"; unique regardless of case'),
  order: z.number().int().min(0).max(MAX_ORDER).optional().describe('position on the dashboard, lower first; after the last environment when absent'),
  description: text(MAX_DESCRIPTION_LENGTH).optional(),
};

export const environmentPath = z.object({ environmentId: slug });

export const createEnvironmentBody = z.strictObject({ id: slug.describe('unique; used in URLs and #{Conveyor.Environment.Id}'), ...fields }).meta({ id: 'CreateEnvironment' });
export const updateEnvironmentBody = z.strictObject({ ...fields, version: entityVersion }).meta({ id: 'UpdateEnvironment' });

export const environment = z.object({ id: slug, name: z.string(), order: z.number().int(), description: z.string().optional(), version: z.number().int() }).meta({ id: 'Environment' });
export const environmentList = listOf(environment).meta({ id: 'EnvironmentList' });
