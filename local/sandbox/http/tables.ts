/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
 * chooses. Built-in kinds print as kube-apiserver's printers do (printers.ts); custom
 * resources with their CRD version's additionalPrinterColumns.
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, ResourceType } from '../types.ts';
import { age, ageColumn, type Column, DEFAULT_COLUMNS, nameColumn, PRINTERS } from './printers.ts';

export function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

/** A CustomResourceDefinition version's additionalPrinterColumns. */
export type PrinterColumn = { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string };

/**
 * The apiextensions table convertor: Name, then the version's additionalPrinterColumns (or
 * Age when it has none); date columns print as ages.
 */
function customColumns(printerColumns: PrinterColumn[]): Column[] {
  if (printerColumns.length === 0) return [nameColumn, ageColumn];
  return [
    nameColumn,
    ...printerColumns.map((c) => ({
      name: c.name,
      type: c.type,
      ...(c.format ? { format: c.format } : {}),
      description: c.description ?? (c.jsonPath === '.metadata.creationTimestamp' ? ageColumn.description : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`),
      priority: c.priority ?? 0,
      cell: (o: KubeObject, now: number) => {
        const value = evaluateJsonPath(o, c.jsonPath);
        if (value === undefined || value === null) return null;
        if (c.type === 'date' && typeof value === 'string') return age(value, now);
        return typeof value === 'object' ? JSON.stringify(value) : value;
      },
    })),
  ];
}

/** The subset of JSONPath printer columns use: `.a.b`, `.a[0]`, `.a[?(@.type=="Ready")].status`. */
export function evaluateJsonPath(object: unknown, path: string): unknown {
  let values: unknown[] = [object];
  const tokens =
    path
      .trim()
      .replace(/^\{|\}$/g, '')
      .match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
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
  const columns = printerColumns ? customColumns(printerColumns) : (PRINTERS[rt.kind] ?? DEFAULT_COLUMNS);
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
