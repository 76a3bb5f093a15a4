/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
 * chooses. Columns follow kube-apiserver's printers for the common kinds; others get Name
 * and Age.
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, ResourceType } from '../types.ts';

type Column = { name: string; type: string; format?: string; description: string; priority: number; cell: (o: KubeObject, now: number) => unknown };

const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp of the object.', priority: 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, now) };
const col = (title: string, cell: Column['cell'], type = 'string', priority = 0): Column => ({ name: title, type, description: title, priority, cell });

const COLUMNS: Record<string, Column[]> = {
  Deployment: [name, col('Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`), col('Up-to-date', (o) => o.status?.updatedReplicas ?? 0, 'integer'), col('Available', (o) => o.status?.availableReplicas ?? 0, 'integer'), age, ...podTemplateColumns()],
  ReplicaSet: [name, col('Desired', (o) => o.spec?.replicas ?? 0, 'integer'), col('Current', (o) => o.status?.replicas ?? 0, 'integer'), col('Ready', (o) => o.status?.readyReplicas ?? 0, 'integer'), age, ...podTemplateColumns()],
  StatefulSet: [name, col('Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`), age],
  DaemonSet: [name, col('Desired', (o) => o.status?.desiredNumberScheduled ?? 0, 'integer'), col('Current', (o) => o.status?.currentNumberScheduled ?? 0, 'integer'), col('Ready', (o) => o.status?.numberReady ?? 0, 'integer'), col('Up-to-date', (o) => o.status?.updatedNumberScheduled ?? 0, 'integer'), col('Available', (o) => o.status?.numberAvailable ?? 0, 'integer'), age],
  Pod: [name, col('Ready', (o) => `${(o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length}/${o.spec?.containers?.length ?? 0}`), col('Status', podStatus), col('Restarts', (o) => (o.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0), 'integer'), age, col('IP', (o) => o.status?.podIP ?? '<none>', 'string', 1), col('Node', (o) => o.spec?.nodeName ?? '<none>', 'string', 1), col('Nominated Node', (o) => o.status?.nominatedNodeName ?? '<none>', 'string', 1), col('Readiness Gates', (o) => readinessGates(o), 'string', 1)],
  Service: [name, col('Type', (o) => o.spec?.type ?? 'ClusterIP'), col('Cluster-IP', (o) => o.spec?.clusterIP ?? '<none>'), col('External-IP', (o) => (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>')), col('Port(s)', (o) => (o.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>'), age],
  Job: [name, col('Status', (o) => jobStatus(o)), col('Completions', (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`), age],
  Namespace: [name, col('Status', (o) => o.status?.phase ?? 'Active'), age],
  ConfigMap: [name, col('Data', (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, 'integer'), age],
  Secret: [name, col('Type', (o) => o.type ?? 'Opaque'), col('Data', (o) => Object.keys(o.data ?? {}).length, 'integer'), age],
  PersistentVolumeClaim: [name, col('Status', (o) => o.status?.phase ?? 'Pending'), col('Volume', (o) => o.spec?.volumeName ?? ''), age],
  Ingress: [name, col('Hosts', (o) => (o.spec?.rules ?? []).map((r: any) => r.host ?? '*').join(',') || '*'), col('Address', (o) => (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).join(',')), age],
  Event: [col('Last Seen', (o, now) => humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now)), col('Type', (o) => o.type), col('Reason', (o) => o.reason), col('Object', (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`), col('Message', (o) => o.message)],
};

export function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

/** The wide (priority 1) columns of workloads with a pod template: Containers, Images, Selector. */
function podTemplateColumns(): Column[] {
  const containers = (o: KubeObject): any[] => o.spec?.template?.spec?.containers ?? [];
  return [
    col('Containers', (o) => containers(o).map((c) => c.name).join(','), 'string', 1),
    col('Images', (o) => containers(o).map((c) => c.image).join(','), 'string', 1),
    col('Selector', (o) => selectorString(o.spec?.selector), 'string', 1),
  ];
}

/** metav1.LabelSelectorAsSelector(...).String(). */
function selectorString(selector: any): string {
  if (!selector) return '<none>';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',') || '<none>';
}

function readinessGates(o: KubeObject): string {
  const gates: any[] = o.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions: any[] = o.status?.conditions ?? [];
  const ready = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
  return `${ready}/${gates.length}`;
}

/** A CustomResourceDefinition version's additionalPrinterColumns. */
export type PrinterColumn = { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string };

/**
 * The apiextensions table convertor: Name, then the version's additionalPrinterColumns (or
 * Age when it has none); date columns print as ages.
 */
function customColumns(printerColumns: PrinterColumn[]): Column[] {
  if (printerColumns.length === 0) return [name, age];
  return [
    name,
    ...printerColumns.map((c) => ({
      name: c.name,
      type: c.type,
      ...(c.format ? { format: c.format } : {}),
      description: c.description ?? (c.jsonPath === '.metadata.creationTimestamp' ? age.description : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`),
      priority: c.priority ?? 0,
      cell: (o: KubeObject, now: number) => {
        const value = evaluateJsonPath(o, c.jsonPath);
        if (value === undefined || value === null) return null;
        if (c.type === 'date' && typeof value === 'string') return humanAge(value, now);
        return typeof value === 'object' ? JSON.stringify(value) : value;
      },
    })),
  ];
}

/** The subset of JSONPath printer columns use: `.a.b`, `.a[0]`, `.a[?(@.type=="Ready")].status`. */
export function evaluateJsonPath(object: unknown, path: string): unknown {
  let values: unknown[] = [object];
  const tokens = path.trim().replace(/^\{|\}$/g, '').match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const v of values) {
      if (v === null || typeof v !== 'object') continue;
      if (token.startsWith('.')) {
        const key = token.slice(1);
        if (key === '*') next.push(...Object.values(v));
        else if (key in (v as object)) next.push((v as any)[key]);
        continue;
      }
      const inner = token.slice(1, -1);
      const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']?([^"')]*)["']?\)$/.exec(inner);
      if (filter && Array.isArray(v)) next.push(...v.filter((item) => String(evaluateJsonPath(item, `.${filter[1]}`)) === filter[2]));
      else if (inner === '*' && Array.isArray(v)) next.push(...v);
      else if (/^-?\d+$/.test(inner) && Array.isArray(v)) {
        const index = Number(inner) < 0 ? v.length + Number(inner) : Number(inner);
        if (index >= 0 && index < v.length) next.push(v[index]);
      }
    }
    values = next;
  }
  return values[0];
}

export function listToTable(rt: ResourceType, items: KubeObject[], metadata: Record<string, unknown>, printerColumns?: PrinterColumn[]): unknown {
  const columns = printerColumns ? customColumns(printerColumns) : (COLUMNS[rt.kind] ?? [name, age]);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: columns.map(({ cell: _c, ...definition }) => definition),
    rows: items.map((o) => ({ cells: columns.map((c) => c.cell(o, now)), object: partialMetadata(o) })),
  };
}

export function objectToTable(rt: ResourceType, object: KubeObject, printerColumns?: PrinterColumn[]): unknown {
  return listToTable(rt, [object], { resourceVersion: object.metadata.resourceVersion }, printerColumns);
}

function partialMetadata(o: KubeObject): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  for (const c of o.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && o.status?.phase !== 'Succeeded') return c.state.terminated.reason;
  }
  return o.status?.phase === 'Succeeded' ? 'Completed' : (o.status?.phase ?? 'Pending');
}

function jobStatus(o: KubeObject): string {
  const conditions: any[] = o.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  if (o.spec?.suspend) return 'Suspended';
  return 'Running';
}

/** "5s", "3m", "2h", "4d" as kubectl prints ages. */
export function humanAge(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
