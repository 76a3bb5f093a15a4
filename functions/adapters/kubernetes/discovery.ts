/**
 * Which kinds a cluster serves, and where: the resource lists of `/api/v1` and
 * `/apis/<group>/<version>`, cached per client. A kind missing from a cached list triggers one
 * refresh, so a CRD created a moment ago (by this deployment, often) is seen; concurrent lookups
 * share one request per apiVersion.
 */
import { httpFailure } from './errors.ts';

/** One entry of an APIResourceList, as far as Conveyor needs it. */
export type ApiResource = { name: string; kind: string; namespaced: boolean; verbs?: string[] };

/** Fetches a discovery document (JSON) by path; throws what the client throws. */
export type FetchJson = (path: string) => Promise<unknown>;

const NOT_FOUND = 404;

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export class Discovery {
  /** Resolves to undefined when the apiVersion is not served at all. */
  private readonly lists = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(private readonly fetchJson: FetchJson) {}

  /** The resource serving `kind` at `apiVersion`, or undefined when the cluster does not serve it. */
  async find(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const cached = this.lists.get(apiVersion);
    if (cached) {
      const hit = (await cached)?.find((r) => r.kind === kind);
      if (hit) return hit;
      // Someone else may have refreshed meanwhile: use theirs rather than asking again.
      const current = this.lists.get(apiVersion);
      if (current && current !== cached) return (await current)?.find((r) => r.kind === kind);
    }
    return (await this.load(apiVersion))?.find((r) => r.kind === kind);
  }

  /** Forgets everything (for tests, or after a long-lived client sees a cluster upgrade). */
  clear(): void {
    this.lists.clear();
  }

  private load(apiVersion: string): Promise<ApiResource[] | undefined> {
    const pending = this.fetchJson(groupVersionPath(apiVersion)).then(
      (doc) => ((doc as { resources?: ApiResource[] }).resources ?? []).filter((r) => !r.name.includes('/')),
      (error: unknown) => {
        if (httpFailure(error)?.status === NOT_FOUND) return undefined;
        // A failed lookup is not cached: the next call asks again.
        if (this.lists.get(apiVersion) === pending) this.lists.delete(apiVersion);
        throw error;
      },
    );
    this.lists.set(apiVersion, pending);
    return pending;
  }
}
