/**
 * Projects. The project item holds what lists show and the release counter; the process and
 * variables (megabytes, with manifests) are a compressed document in chunk items next to it,
 * written in the same transaction. Updates set named attributes, never the release counter,
 * which only the release store moves: an edit cannot race release numbering.
 */
import { CorruptDataError, DuplicateError, InvalidStateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Project, ProjectSummary } from '#domain/pipeline/model.ts';
import type { New, ProjectStore } from '#domain/pipeline/ports.ts';
import { decodeSnapshot, encodeSnapshot, type SnapshotManifest } from '#domain/pipeline/snapshot.ts';
import { assertProject } from '#domain/pipeline/validate.ts';
import { chunkPuts, readChunks, staleChunkDeletes } from './chunks.ts';
import { AT_VERSION, IS_NEW } from './config-stores.ts';
import { ConditionFailed } from './errors.ts';
import { definitionChunkKey, definitionChunkPrefix, PROJECT_LIST, projectKey, projectPartition } from './keys.ts';
import { INDEX } from './table.ts';
import { fromItem, type Item, names, setFields, type TableClient, toItem } from './table-client.ts';

export const PROJECT_TYPE = 'Project';

/** The project item: the summary, its counter, and the manifest of its definition chunks. */
type ProjectItem = ProjectSummary & { definition: SnapshotManifest };
/** What the chunks hold. */
type Definition = Pick<Project, 'process' | 'variables'>;

const subject = (id: string) => `project ${id}`;
const listKeys = (id: string) => ({ GSI1PK: PROJECT_LIST.gsi1pk, GSI1SK: id });

/** Reads of a project racing an update may see the old item with the new chunks; a few rereads settle it. */
const READ_ATTEMPTS = 3;

export class DynamoProjectStore implements ProjectStore {
  constructor(private readonly table: TableClient) {}

  async get(id: string): Promise<Project> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.#item(id);
      try {
        const chunks = await readChunks(this.table, projectPartition(id), definitionChunkPrefix, `reading the process of ${subject(id)}`);
        const definition = decodeSnapshot<Definition>(chunks, item.definition, subject(id));
        const { definition: _, ...summary } = item;
        return { ...summary, ...definition };
      } catch (error) {
        if (!(error instanceof CorruptDataError) || attempt >= READ_ATTEMPTS) throw error;
      }
    }
  }

  async list(): Promise<ProjectSummary[]> {
    const items = await this.table.queryAll({ IndexName: INDEX.gsi1, KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': PROJECT_LIST.gsi1pk } }, 'listing projects');
    return items.map((item) => {
      const { definition: _, ...summary } = fromItem<ProjectItem>(item);
      return summary;
    });
  }

  async create(input: New<Omit<Project, 'releaseCounter'>>): Promise<Project> {
    assertProject(input);
    const { process, variables, ...summary } = input;
    const encoded = encodeSnapshot({ process, variables }, `the process and variables of ${subject(input.id)}`);
    const stored: ProjectItem = { ...summary, version: 1, releaseCounter: 0, definition: encoded.manifest };
    try {
      await this.table.transact(
        [{ Put: { Item: toItem(projectKey(input.id), PROJECT_TYPE, stored, listKeys(input.id)), ConditionExpression: IS_NEW } }, ...chunkPuts(encoded.chunks, (i) => definitionChunkKey(input.id, i))],
        `creating ${subject(input.id)}`,
      );
    } catch (error) {
      if (error instanceof ConditionFailed) throw new DuplicateError(subject(input.id));
      throw error;
    }
    return { ...input, version: 1, releaseCounter: 0 };
  }

  async update(project: Project): Promise<Project> {
    assertProject(project);
    const { process, variables, releaseCounter: _, version, id, ...fields } = project;
    const encoded = encodeSnapshot({ process, variables }, `the process and variables of ${subject(id)}`);
    const current = await this.#item(id);
    if (current.version !== version) throw new VersionConflictError(subject(id), version, current.version);
    const update = setFields({ ...fields, description: fields.description, definition: encoded.manifest, version: version + 1 });
    try {
      await this.table.transact(
        [
          {
            Update: {
              Key: projectKey(id),
              ...update,
              ConditionExpression: AT_VERSION,
              ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':expected': version },
            },
          },
          ...chunkPuts(encoded.chunks, (i) => definitionChunkKey(id, i)),
          ...staleChunkDeletes(current.definition, encoded.manifest, (i) => definitionChunkKey(id, i)),
        ],
        `updating ${subject(id)}`,
      );
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.#explain(id, version);
      throw error;
    }
    return { ...project, version: version + 1, releaseCounter: current.releaseCounter };
  }

  /** Refused once the project has releases: releases are kept, and they name their project. */
  async delete(id: string, version: number): Promise<void> {
    const current = await this.#item(id);
    if (current.version !== version) throw new VersionConflictError(subject(id), version, current.version);
    if (current.releaseCounter > 0) throw new InvalidStateError(subject(id), `has ${current.releaseCounter} releases, which are kept; the project cannot be deleted`);
    try {
      await this.table.transact(
        [
          {
            Delete: {
              Key: projectKey(id),
              ConditionExpression: `${AT_VERSION} AND releaseCounter = :zero`,
              ExpressionAttributeNames: names('version'),
              ExpressionAttributeValues: { ':expected': version, ':zero': 0 },
            },
          },
          ...staleChunkDeletes(current.definition, undefined, (i) => definitionChunkKey(id, i)),
        ],
        `deleting ${subject(id)}`,
      );
    } catch (error) {
      if (error instanceof ConditionFailed) throw await this.#explain(id, version);
      throw error;
    }
  }

  async #item(id: string): Promise<ProjectItem> {
    const item: Item | undefined = await this.table.get(projectKey(id), `reading ${subject(id)}`);
    if (!item) throw new NotFoundError(subject(id));
    return fromItem<ProjectItem>(item);
  }

  async #explain(id: string, expected: number): Promise<Error> {
    try {
      const item = await this.#item(id);
      if (item.version !== expected) return new VersionConflictError(subject(id), expected, item.version);
      return new InvalidStateError(subject(id), 'a release was created meanwhile; the project cannot be deleted');
    } catch (error) {
      return error as Error;
    }
  }
}
