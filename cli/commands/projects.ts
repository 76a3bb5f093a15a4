/**
 * `conveyor project list|show|apply|delete`: /projects. A project is defined in a YAML or JSON
 * file — the API's create body: id, name, lifecycleId, process, variables, channels — applied
 * with `project apply -f project.yaml`: created when its id is new, else replaced at the version
 * read just before. A manifest of a step may name a file (`file: manifests/web.yaml`, relative
 * to the project file) instead of giving its `content`.
 */
import { isAbsolute, join } from 'node:path';
import type { z } from 'zod';
import type { project, projectList } from '#functions/api/schemas/projects.ts';
import { pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { MAX_DOCUMENT_BYTES, readDocument, readInput } from './inputs.ts';

type Project = z.infer<typeof project>;

const ITEM = '/projects/{projectId}';
const item = (id: string) => pathOf(ITEM, { projectId: id });

/** The file's steps with every `file:` manifest read into `content`. */
function withManifestContents(definition: Record<string, unknown>, dir: string, name: string): Record<string, unknown> {
  const process = definition.process;
  if (!Array.isArray(process)) return definition;
  const steps = process.map((step, index) => {
    if (!step || typeof step !== 'object' || !Array.isArray((step as { manifests?: unknown }).manifests)) return step;
    const manifests = (step as { manifests: unknown[] }).manifests.map((manifest, m) => {
      if (!manifest || typeof manifest !== 'object' || !('file' in manifest)) return manifest;
      const { file, ...rest } = manifest as { file: unknown; name?: unknown };
      if (typeof file !== 'string') throw new UsageError(`${name}: process[${index}].manifests[${m}].file must be a path`);
      if ('content' in rest) throw new UsageError(`${name}: process[${index}].manifests[${m}] gives both file and content`);
      const path = isAbsolute(file) ? file : join(dir, file);
      return { name: rest.name ?? file.split('/').pop(), ...rest, content: readInput(path, MAX_DOCUMENT_BYTES, 'a manifest file') };
    });
    return { ...step, manifests };
  });
  return { ...definition, process: steps };
}

const countOf = (items: unknown[] | undefined, word: string) => `${items?.length ?? 0} ${word}${items?.length === 1 ? '' : 's'}`;

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof projectList>>('/projects');
  out.result(answer, () =>
    table(
      ['ID', 'NAME', 'LIFECYCLE', 'CHANNELS', 'RELEASES'],
      answer.items.map((p) => [p.id, p.name, p.lifecycleId, p.channels.map((c) => c.name).join(', '), p.releaseCounter]),
      '(no projects: define one in a file and run `conveyor project apply -f FILE`)',
    ),
  );
}

export async function show({ api, out, args: [id] }: ApiContext): Promise<void> {
  const found = await api.get<Project>(item(id));
  out.result(found, () => {
    const steps = found.process.map((step, i) => `  ${i}. ${step.name} (${step.kind}${'targetTags' in step && step.targetTags.length ? ` on ${step.targetTags.join(', ')}` : ''})`);
    const variables = found.variables.map((v) => `  ${v.name}: ${v.values.map((value) => ('value' in value ? JSON.stringify(value.value) : '(sensitive)')).join(', ')}`);
    return `${fields([
      ['id', found.id],
      ['name', found.name],
      ['lifecycle', found.lifecycleId],
      ['default channel', found.defaultChannel],
      ['releases', found.releaseCounter],
      ['version', found.version],
      ['description', found.description],
    ])}process (${countOf(found.process, 'step')}):\n${steps.join('\n')}\nvariables (${found.variables.length}):\n${variables.join('\n')}\n`;
  });
}

export async function apply({ api, out, options }: ApiContext): Promise<void> {
  const { value, dir, name } = readDocument(options.file, 'a project file');
  const id = value.id;
  if (typeof id !== 'string') throw new UsageError(`${name}: the project needs an "id"`);
  const { id: _id, version: _version, releaseCounter: _counter, ...body } = withManifestContents(value, dir, name);
  const current = await api.find<Project>(item(id));
  const saved = current ? await api.put<Project>(item(id), { ...body, version: current.version }) : await api.post<Project>('/projects', { id, ...body });
  out.result(
    saved,
    () =>
      `project ${saved.id} ${current ? `updated (version ${saved.version})` : 'created'}: ${countOf(saved.process, 'step')}, ${countOf(saved.variables, 'variable')}, channels ${saved.channels.map((c) => c.name).join(', ')}`,
  );
}

export async function remove({ api, out, args: [id] }: ApiContext): Promise<void> {
  const current = await api.get<Project>(item(id));
  await api.delete(item(id), { version: current.version });
  out.result({ deleted: id }, () => `project ${id} deleted`);
}
