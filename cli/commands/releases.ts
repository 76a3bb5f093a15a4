/**
 * `conveyor release create|list|show`: /projects/{projectId}/releases. A release has no global
 * id: it is named by its project and version, written `PROJECT@VERSION` (`web@1.4.2`) wherever
 * a command takes one.
 */
import type { z } from 'zod';
import type { release, releaseDetail, releasesPage } from '#functions/api/schemas/releases.ts';
import { pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { integerFlag, pairs } from './inputs.ts';

type Release = z.infer<typeof release>;
type ReleaseDetail = z.infer<typeof releaseDetail>;

export type ReleaseRef = { projectId: string; version: string };

/** Pages are at most 100 items (the API's bound). */
const MAX_PAGE = 100;

/** `web@1.4.2` → project `web`, version `1.4.2`. */
export function parseRelease(text: string): ReleaseRef {
  const index = text.indexOf('@');
  if (index <= 0 || index === text.length - 1) throw new UsageError(`a release is PROJECT@VERSION (web@1.4.2), got "${text}"`);
  return { projectId: text.slice(0, index), version: text.slice(index + 1) };
}

export const releasePath = (ref: ReleaseRef) => pathOf('/projects/{projectId}/releases/{version}', ref);

const imageText = (image: Release['images'][number]) => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;

export async function create({ api, out, args: [projectId], options }: ApiContext): Promise<void> {
  const images = pairs('--image', options.image ?? []);
  const created = await api.post<Release>(pathOf('/projects/{projectId}/releases', { projectId }), {
    version: options.version,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(Object.keys(images).length ? { images } : {}),
    ...(options.notes !== undefined ? { notes: options.notes } : {}),
  });
  out.result(created, () =>
    [`release ${created.projectId}@${created.version} created (number ${created.number}, channel ${created.channel})`, ...created.images.map((i) => `  ${imageText(i)}`)].join('\n'),
  );
}

export async function list({ api, out, args: [projectId], options }: ApiContext): Promise<void> {
  const limit = integerFlag('--limit', options.limit, 1, MAX_PAGE);
  const page = await api.get<z.infer<typeof releasesPage>>(pathOf('/projects/{projectId}/releases', { projectId }), { limit, cursor: options.cursor });
  out.result(page, () => {
    const rows = table(
      ['VERSION', 'NUMBER', 'CHANNEL', 'CREATED', 'BY'],
      page.items.map((r) => [r.version, r.number, r.channel, r.createdAt, r.createdBy]),
      `(no releases of ${projectId})`,
    );
    return page.cursor ? `${rows}(more: --cursor ${page.cursor})\n` : rows;
  });
}

export async function show({ api, out, args: [text] }: ApiContext): Promise<void> {
  const detail = await api.get<ReleaseDetail>(releasePath(parseRelease(text)));
  out.result(detail, () => {
    const r = detail.release;
    const images = r.images.map((i) => `  ${imageText(i)}`);
    const progress = detail.progress.map(
      (p) =>
        `  ${p.complete ? '✓' : p.open ? '→' : ' '} ${p.name}: ${p.environments.map((e) => `${e}${p.succeeded.includes(e) ? ' (succeeded)' : ''}`).join(', ')}${p.automatic ? ' [automatic]' : ''}`,
    );
    const deployments = detail.deployments.map((d) => `  ${d.id}  ${d.environmentId}  ${d.state}  ${d.queuedAt}`);
    return `${fields([
      ['release', `${r.projectId}@${r.version}`],
      ['number', r.number],
      ['channel', r.channel],
      ['created', `${r.createdAt} by ${r.createdBy}`],
      ['notes', r.notes],
    ])}images:\n${images.join('\n')}\nlifecycle progress:\n${progress.join('\n')}\ndeployments:\n${deployments.join('\n') || '  (none)'}\n`;
  });
}
