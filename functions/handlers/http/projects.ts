/**
 * `/projects`: list and read for every role (sensitive variable values shown as
 * `{ "sensitive": true }`), create, replace and delete for Admin. Bodies carry manifests, so
 * they may be larger than other routes' (MAX_PROJECT_BODY_BYTES).
 */

import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createProjectBody, MAX_PROJECT_BODY_BYTES, project, projectList, projectPath, updateProjectBody } from '#functions/api/schemas/projects.ts';
import { createProject, deleteProject, getProject, listProjects, updateProject } from '#functions/app/projects.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /projects': defineRoute({
    operationId: 'listProjects',
    summary: 'Every project, without process and variables',
    schemas: {},
    response: projectList,
    run: async (_input, deps, caller) => ({ items: await listProjects(deps, caller) }),
  }),
  'POST /projects': defineRoute({
    operationId: 'createProject',
    summary: 'Create a project: lifecycle, deployment process, variables (sensitive values go to the secret store) and channels',
    schemas: { body: createProjectBody },
    response: project,
    status: CREATED,
    maxBodyBytes: MAX_PROJECT_BODY_BYTES,
    run: ({ body }, deps, caller) => createProject(deps, caller, body),
  }),
  'GET /projects/{projectId}': defineRoute({
    operationId: 'getProject',
    summary: 'One project with its process and variables; sensitive values are never shown',
    schemas: { path: projectPath },
    response: project,
    run: ({ path }, deps, caller) => getProject(deps, caller, path.projectId),
  }),
  'PUT /projects/{projectId}': defineRoute({
    operationId: 'updateProject',
    summary: 'Replace a project read at `version`; a sensitive value sent without `value` keeps the stored one',
    schemas: { body: updateProjectBody, path: projectPath },
    response: project,
    maxBodyBytes: MAX_PROJECT_BODY_BYTES,
    run: ({ body, path }, deps, caller) => updateProject(deps, caller, path.projectId, body),
  }),
  'DELETE /projects/{projectId}': defineRoute({
    operationId: 'deleteProject',
    summary: 'Delete a project without releases (its sensitive values are scheduled for deletion)',
    schemas: { path: projectPath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteProject(deps, caller, path.projectId, query.version),
  }),
};

export const handler = httpHandler(routes, () => productionDeps(['table', 'secrets']));
