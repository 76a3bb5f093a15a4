/**
 * The dashboard: releases × environments. Rows are projects (in id order), columns are
 * environments (in their `order`), and each cell holds the latest deployment of the project to
 * the environment, or null. Three reads: the matrix (one query), the environments and the
 * projects (one query each); cells of a project or environment deleted since are left out.
 */
import type { MatrixCell } from '#domain/pipeline/model.ts';
import { type AppDeps, authorize, type Caller } from './context.ts';

/** The latest deployment of a project to an environment, as a cell shows it. */
export type DashboardDeployment = Omit<MatrixCell, 'projectId' | 'environmentId'>;

export type DashboardCell = { environmentId: string; latest: DashboardDeployment | null };

export type Dashboard = {
  /** The columns, in order. */
  environments: { id: string; name: string; order: number }[];
  /** One row per project; `cells` has one entry per column, in the columns' order. */
  rows: { project: { id: string; name: string }; cells: DashboardCell[] }[];
};

export async function dashboard(deps: AppDeps, caller: Caller): Promise<Dashboard> {
  await authorize(deps, caller, 'read', 'dashboard');
  const [cells, environments, projects] = await Promise.all([deps.stores.deployments.matrix(), deps.stores.environments.list(), deps.stores.projects.list()]);
  const byPair = new Map(cells.map((cell) => [`${cell.projectId}/${cell.environmentId}`, cell]));
  const columns = [...environments].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  return {
    environments: columns.map(({ id, name, order }) => ({ id, name, order })),
    rows: projects.map((project) => ({
      project: { id: project.id, name: project.name },
      cells: columns.map((environment) => {
        const cell = byPair.get(`${project.id}/${environment.id}`);
        if (!cell) return { environmentId: environment.id, latest: null };
        const { projectId: _p, environmentId: _e, ...latest } = cell;
        return { environmentId: environment.id, latest };
      }),
    })),
  };
}
