/**
 * Releases: `/projects/{projectId}/releases` (create, list) and
 * `/projects/{projectId}/releases/{version}` (show), plus the promotion of a release to an
 * environment, `POST /projects/{projectId}/releases/{version}/deployments` — a release has no
 * global id, so it is addressed by project and version (functions/app/release-ids.ts).
 */

import { pageQuery } from '#functions/api/schemas/common.ts';
import { deploymentAccepted, promoteBody } from '#functions/api/schemas/deployments.ts';
import { createReleaseBody, projectPath, release, releaseDetail, releasePath, releasesPage } from '#functions/api/schemas/releases.ts';
import { promote } from '#functions/app/deployments.ts';
import { createRelease, getRelease, listReleases } from '#functions/app/releases.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const ACCEPTED = 202;

export const releaseRoutes: RouteTable = {
  'POST /projects/{projectId}/releases': defineRoute({
    operationId: 'createRelease',
    summary: "Create a release: the given image versions (the channel must accept them), else the latest each repository's channel accepts",
    schemas: { body: createReleaseBody, path: projectPath },
    response: release,
    status: CREATED,
    run: ({ body, path }, deps, caller) => createRelease(deps, caller, path.projectId, body),
  }),
  'GET /projects/{projectId}/releases': defineRoute({
    operationId: 'listReleases',
    summary: "A project's releases, newest first",
    schemas: { path: projectPath, query: pageQuery },
    response: releasesPage,
    run: ({ path, query }, deps, caller) => listReleases(deps, caller, path.projectId, query),
  }),
  'GET /projects/{projectId}/releases/{version}': defineRoute({
    operationId: 'getRelease',
    summary: 'A release with its snapshot, its deployments and its lifecycle progress',
    schemas: { path: releasePath },
    response: releaseDetail,
    run: ({ path }, deps, caller) => getRelease(deps, caller, path.projectId, path.version),
  }),
  'POST /projects/{projectId}/releases/{version}/deployments': defineRoute({
    operationId: 'promoteRelease',
    summary: 'Deploy a release to an environment its lifecycle has opened (answers a lifecycle waiting for this promotion)',
    schemas: { body: promoteBody, path: releasePath },
    response: deploymentAccepted,
    status: ACCEPTED,
    run: ({ body, path }, deps, caller) => promote(deps, caller, path.projectId, path.version, body.environmentId),
  }),
};

export const handler = httpHandler(releaseRoutes, () => productionDeps(['table', 'secrets', 'workflows', 'events']));
