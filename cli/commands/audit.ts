/**
 * `conveyor audit list|export|verify` (Admin, Auditor) and `conveyor dashboard`. The export is
 * NDJSON, one event per line, written as the API gives it (to stdout or `--file`); `verify`
 * checks the hash chain and exits 1 when it is broken, naming the first bad event.
 */
import type { z } from 'zod';
import type { auditPage, chainVerification } from '#functions/api/schemas/audit.ts';
import type { dashboardBody } from '#functions/api/schemas/dashboard.ts';
import { writeFileAtomic } from '#local/files.ts';
import { EXIT } from '../exit.ts';
import { table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { integerFlag } from './inputs.ts';

const MAX_PAGE = 100;
/** An export holds who did what: owner-only, like the credentials next to it. */
const EXPORT_FILE_MODE = 0o600;

export async function list({ api, out, options }: ApiContext): Promise<void> {
  const limit = integerFlag('--limit', options.limit, 1, MAX_PAGE);
  const page = await api.get<z.infer<typeof auditPage>>('/audit', { from: options.from, to: options.to, subject: options.subject, limit, cursor: options.cursor });
  out.result(page, () => {
    const rows = table(
      ['#', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT'],
      page.items.map((e) => [e.sequence, e.time, e.actorArn, e.action, e.subject]),
      '(no audit events)',
    );
    return page.cursor ? `${rows}(more: --cursor ${page.cursor})\n` : rows;
  });
}

export async function exportEvents({ api, out, options }: ApiContext): Promise<void> {
  const ndjson = await api.text('/audit/export', { from: options.from, to: options.to });
  const count = ndjson.split('\n').filter(Boolean).length;
  if (options.file === undefined) {
    out.stdout.write(ndjson);
    return;
  }
  writeFileAtomic(options.file, ndjson, EXPORT_FILE_MODE);
  out.result({ file: options.file, events: count }, () => `${count} audit event${count === 1 ? '' : 's'} written to ${options.file}`);
}

export async function verify({ api, out }: ApiContext): Promise<number> {
  const result = await api.get<z.infer<typeof chainVerification>>('/audit/verify');
  out.result(result, () =>
    result.ok
      ? `audit chain intact: ${result.count} event${result.count === 1 ? '' : 's'}${result.head ? `, head #${result.head.sequence} at ${result.head.time}` : ''}`
      : `audit chain broken: ${result.message}`,
  );
  return result.ok ? EXIT.done : EXIT.failed;
}

export async function dashboard({ api, out }: ApiContext): Promise<void> {
  const board = await api.get<z.infer<typeof dashboardBody>>('/dashboard');
  out.result(board, () =>
    table(
      ['PROJECT', ...board.environments.map((e) => e.name)],
      board.rows.map((row) => [row.project.name, ...row.cells.map((cell) => (cell.latest ? `${cell.latest.releaseVersion} ${cell.latest.state}` : '-'))]),
      '(no projects)',
    ),
  );
}
