/**
 * Releases, in the project's partition. Creating one is one transaction: the project's counter
 * moves from n to n + 1 (on condition it is still n), the release item and its snapshot chunks
 * are written, and so are two uniqueness items (its version, and the image digest that caused
 * it), each on condition that it does not exist. Racing creates retry; the loser of a race for
 * the same digest then finds the winner's release and returns it.
 */
import { DuplicateError, NotFoundError } from '#domain/pipeline/errors.ts';
import type { NewRelease, Release, ReleaseSnapshot, ReleaseSummary } from '#domain/pipeline/model.ts';
import type { Page, PageRequest, ReleaseStore } from '#domain/pipeline/ports.ts';
import { decodeSnapshot, encodeSnapshot, type SnapshotManifest } from '#domain/pipeline/snapshot.ts';
import { assertRelease, assertSlug } from '#domain/pipeline/validate.ts';
import { chunkPuts, readChunks } from './chunks.ts';
import { IS_NEW } from './config-stores.ts';
import { ConditionFailed } from './errors.ts';
import { projectKey, projectPartition, releaseKey, releasePrefix, releaseSourceKey, releaseVersionKey, snapshotChunkKey, snapshotChunkPrefix } from './keys.ts';
import { fromItem, type Item, RETRY, type TableClient, type TransactItem, toItem } from './table-client.ts';

/** The release item: the summary and the manifest of its snapshot chunks. */
type ReleaseItem = ReleaseSummary & { snapshotManifest: SnapshotManifest };

const releaseName = (projectId: string, version: string | number) => `release ${version} of project ${projectId}`;

function summaryOf(item: Item): ReleaseSummary {
  const { snapshotManifest: _, ...summary } = fromItem<ReleaseItem>(item);
  return summary;
}

export class DynamoReleaseStore implements ReleaseStore {
  constructor(private readonly table: TableClient) {}

  async create(input: NewRelease): Promise<{ release: Release; created: boolean }> {
    assertRelease(input);
    const { projectId, version, sourceDigest } = input;
    const name = releaseName(projectId, version);
    // Before any request: a snapshot over the limit is refused, whatever the store holds.
    const encoded = encodeSnapshot(input.snapshot, name);
    return this.table.contended(`the release counter of project ${projectId}`, async () => {
      // One consistent view of the counter and both uniqueness items.
      const [project, versionItem, sourceItem] = await this.table.getTogether(
        [projectKey(projectId), releaseVersionKey(projectId, version), ...(sourceDigest ? [releaseSourceKey(projectId, sourceDigest)] : [])],
        `reading project ${projectId}`,
      );
      if (sourceItem) return { release: await this.get(projectId, sourceItem.number as number), created: false };
      if (!project) throw new NotFoundError(`project ${projectId}`);
      if (versionItem) throw new DuplicateError(name, `exists already (release number ${versionItem.number})`);
      const previous = project.releaseCounter as number;
      const number = previous + 1;
      const { snapshot: _, ...summary } = input;
      const item: ReleaseItem = { ...summary, number, snapshotManifest: encoded.manifest };
      const writes: TransactItem[] = [
        {
          Update: {
            Key: projectKey(projectId),
            UpdateExpression: 'SET releaseCounter = :next',
            ConditionExpression: 'releaseCounter = :previous',
            ExpressionAttributeValues: { ':next': number, ':previous': previous },
          },
        },
        { Put: { Item: toItem(releaseKey(projectId, number), 'Release', item), ConditionExpression: IS_NEW } },
        { Put: { Item: toItem(releaseVersionKey(projectId, version), 'ReleaseVersion', { number }), ConditionExpression: IS_NEW } },
        ...(sourceDigest ? [{ Put: { Item: toItem(releaseSourceKey(projectId, sourceDigest), 'ReleaseSource', { number }), ConditionExpression: IS_NEW } }] : []),
        ...chunkPuts(encoded.chunks, (i) => snapshotChunkKey(projectId, number, i)),
      ];
      try {
        await this.table.transact(writes, `creating ${name}`);
      } catch (error) {
        // Another create took the number, the version or the digest: the next attempt reads which.
        if (error instanceof ConditionFailed) return RETRY;
        throw error;
      }
      return { release: { ...input, number }, created: true };
    });
  }

  async get(projectId: string, number: number): Promise<Release> {
    assertSlug(`project ${projectId}`, 'id', projectId);
    const name = releaseName(projectId, number);
    const [item, chunks] = await Promise.all([
      this.table.get(releaseKey(projectId, number), `reading ${name}`),
      readChunks(this.table, projectPartition(projectId), snapshotChunkPrefix(number), `reading the snapshot of ${name}`),
    ]);
    if (!item) throw new NotFoundError(name);
    const { snapshotManifest } = fromItem<ReleaseItem>(item);
    return { ...summaryOf(item), snapshot: decodeSnapshot<ReleaseSnapshot>(chunks, snapshotManifest, name) };
  }

  async getByVersion(projectId: string, version: string): Promise<Release> {
    assertSlug(`project ${projectId}`, 'id', projectId);
    const item = await this.table.get(releaseVersionKey(projectId, version), `reading ${releaseName(projectId, version)}`);
    if (!item) throw new NotFoundError(releaseName(projectId, version));
    return this.get(projectId, item.number as number);
  }

  async list(projectId: string, page: PageRequest = {}): Promise<Page<ReleaseSummary>> {
    assertSlug(`project ${projectId}`, 'id', projectId);
    const partition = projectPartition(projectId);
    const out = await this.table.queryPage(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': releasePrefix },
        // Release numbers are zero-padded in the key: descending key order is newest first.
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      page,
      { partition },
      `listing the releases of project ${projectId}`,
    );
    return { items: out.items.map(summaryOf), cursor: out.cursor };
  }
}
