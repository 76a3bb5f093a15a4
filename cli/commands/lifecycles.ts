/**
 * `conveyor lifecycle list|show|create|apply|delete`: /lifecycles. Phases come from
 * `--phase NAME=ENV[,ENV...][:automatic|:manual][:min=N]` flags, or whole from a file
 * (`lifecycle apply -f lifecycle.yaml`: created, or replaced when it exists).
 */
import type { z } from 'zod';
import type { lifecycle, lifecycleList } from '#functions/api/schemas/lifecycles.ts';
import { pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { readDocument } from './inputs.ts';

type Lifecycle = z.infer<typeof lifecycle>;
type Phase = { name: string; environments: string[]; entry: 'automatic' | 'manual'; minimumEnvironmentsBeforePromotion?: number };

const ITEM = '/lifecycles/{lifecycleId}';
const item = (id: string) => pathOf(ITEM, { lifecycleId: id });
const PHASE = /^([^=]+)=([^:]+)((?::[a-z]+(?:=\d+)?)*)$/;

/** `Production=prod,prod-eu:manual:min=1` → a phase. */
export function parsePhase(text: string): Phase {
  const match = PHASE.exec(text);
  if (!match) throw new UsageError(`--phase expects NAME=ENV[,ENV...][:automatic|:manual][:min=N], got "${text}"`);
  const phase: Phase = {
    name: match[1]!.trim(),
    environments: match[2]!
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean),
    entry: 'manual',
  };
  for (const modifier of match[3]!.split(':').filter(Boolean)) {
    if (modifier === 'automatic' || modifier === 'manual') phase.entry = modifier;
    else if (modifier.startsWith('min=')) phase.minimumEnvironmentsBeforePromotion = Number(modifier.slice('min='.length));
    else throw new UsageError(`--phase "${text}": unknown ":${modifier}" (expected :automatic, :manual or :min=N)`);
  }
  return phase;
}

const describePhase = (phase: Lifecycle['phases'][number]) => `${phase.name} (${phase.environments.join(', ')}${phase.entry === 'automatic' ? ', automatic' : ''})`;

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof lifecycleList>>('/lifecycles');
  out.result(answer, () =>
    table(
      ['ID', 'NAME', 'PHASES'],
      answer.items.map((l) => [l.id, l.name, l.phases.map((p) => p.name).join(' → ')]),
      '(no lifecycles)',
    ),
  );
}

export async function show({ api, out, args: [id] }: ApiContext): Promise<void> {
  const found = await api.get<Lifecycle>(item(id));
  out.result(found, () => {
    const phases = found.phases.map((p, i) => `  ${i + 1}. ${describePhase(p)}${p.minimumEnvironmentsBeforePromotion ? `; ${p.minimumEnvironmentsBeforePromotion} must succeed before the next` : ''}`);
    return `${fields([
      ['id', found.id],
      ['name', found.name],
      ['version', found.version],
    ])}phases:\n${phases.join('\n')}\n`;
  });
}

export async function create({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const phases = ((options.phase ?? []) as string[]).map(parsePhase);
  if (phases.length === 0) throw new UsageError('a lifecycle needs at least one --phase NAME=ENV[,ENV...]');
  const created = await api.post<Lifecycle>('/lifecycles', { id, name: options.name ?? id, phases });
  out.result(created, () => `lifecycle ${created.id} created: ${created.phases.map(describePhase).join(' → ')}`);
}

/** Creates the lifecycle a file defines, or replaces it when its id exists. */
export async function apply({ api, out, options }: ApiContext): Promise<void> {
  const { value, name } = readDocument(options.file, 'a lifecycle file');
  const id = value.id;
  if (typeof id !== 'string') throw new UsageError(`${name}: the lifecycle needs an "id"`);
  const { id: _id, version: _version, ...body } = value;
  const current = await api.find<Lifecycle>(item(id));
  const saved = current ? await api.put<Lifecycle>(item(id), { ...body, version: current.version }) : await api.post<Lifecycle>('/lifecycles', { id, ...body });
  out.result(saved, () => `lifecycle ${saved.id} ${current ? `updated (version ${saved.version})` : 'created'}`);
}

export async function remove({ api, out, args: [id] }: ApiContext): Promise<void> {
  const current = await api.get<Lifecycle>(item(id));
  await api.delete(item(id), { version: current.version });
  out.result({ deleted: id }, () => `lifecycle ${id} deleted`);
}
