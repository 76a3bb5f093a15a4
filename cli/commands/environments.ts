/** `conveyor env list|show|create|update|delete`: /environments. */
import type { z } from 'zod';
import type { environment, environmentList } from '#functions/api/schemas/environments.ts';
import { pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { integerFlag } from './inputs.ts';

type Environment = z.infer<typeof environment>;

const ITEM = '/environments/{environmentId}';
const item = (id: string) => pathOf(ITEM, { environmentId: id });

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof environmentList>>('/environments');
  out.result(answer, () =>
    table(
      ['ID', 'NAME', 'ORDER', 'DESCRIPTION'],
      answer.items.map((e) => [e.id, e.name, e.order, e.description]),
      '(no environments: create one with `conveyor env create ID`)',
    ),
  );
}

export async function show({ api, out, args: [id] }: ApiContext): Promise<void> {
  const found = await api.get<Environment>(item(id));
  out.result(found, () =>
    fields([
      ['id', found.id],
      ['name', found.name],
      ['order', found.order],
      ['description', found.description],
      ['version', found.version],
    ]),
  );
}

export async function create({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const order = integerFlag('--order', options.order);
  const created = await api.post<Environment>('/environments', {
    id,
    name: options.name ?? id,
    ...(order !== undefined ? { order } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
  });
  out.result(created, () => `environment ${created.id} created (order ${created.order})`);
}

export async function update({ api, out, args: [id], options }: ApiContext): Promise<void> {
  if (options.name === undefined && options.order === undefined && options.description === undefined) throw new UsageError('nothing to change: give --name, --order or --description');
  const order = integerFlag('--order', options.order);
  const current = await api.get<Environment>(item(id));
  const description = options.description ?? current.description;
  const updated = await api.put<Environment>(item(id), {
    name: options.name ?? current.name,
    order: order ?? current.order,
    ...(description ? { description } : {}),
    version: current.version,
  });
  out.result(updated, () => `environment ${updated.id} updated (version ${updated.version})`);
}

export async function remove({ api, out, args: [id] }: ApiContext): Promise<void> {
  const current = await api.get<Environment>(item(id));
  await api.delete(item(id), { version: current.version });
  out.result({ deleted: id }, () => `environment ${id} deleted`);
}
