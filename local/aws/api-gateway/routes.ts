/**
 * Route selection as API Gateway HTTP APIs do it: a route's path is literal segments,
 * `{name}` (exactly one segment) and a last `{name+}` (one or more segments, "/" included).
 * When several routes match, the most specific wins, segment by segment from the left: a
 * literal beats a parameter, a parameter beats a greedy one. Matching works on the path as it
 * came over the wire (segments split on "/" before decoding, so an encoded "%2F" stays inside
 * its segment); parameter values are then percent-decoded, as the function receives them.
 */
import type { RouteSpec } from '#functions/catalog.ts';

type Segment = { kind: 'literal'; value: string } | { kind: 'parameter'; name: string } | { kind: 'greedy'; name: string };

/** How specific a segment kind is: lower wins. */
const RANK: Record<Segment['kind'], number> = { literal: 0, parameter: 1, greedy: 2 };

const PARAMETER = /^\{([A-Za-z0-9_]+)(\+?)\}$/;

/** What a request path resolved to. */
export type RouteMatch = {
  route: RouteSpec;
  /** `GET /projects/{projectId}`: what the function's router dispatches on. */
  routeKey: string;
  /** Decoded parameter values by name. */
  pathParameters: Record<string, string>;
};

type Compiled = { route: RouteSpec; routeKey: string; segments: Segment[] };

/** A route path that API Gateway would refuse to deploy: a wiring bug, reported at start. */
export class RouteDefinitionError extends Error {
  constructor(routeKey: string, problem: string) {
    super(`route ${routeKey}: ${problem}`);
    this.name = 'RouteDefinitionError';
  }
}

function compile(route: RouteSpec): Compiled {
  const routeKey = `${route.method} ${route.path}`;
  if (!route.path.startsWith('/')) throw new RouteDefinitionError(routeKey, 'the path must start with "/"');
  const parts = route.path === '/' ? [] : route.path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const parameter = PARAMETER.exec(part);
    if (!parameter) {
      if (part === '' || part.includes('{') || part.includes('}')) throw new RouteDefinitionError(routeKey, `segment "${part}" is neither literal nor {parameter}`);
      return { kind: 'literal', value: part };
    }
    const greedy = parameter[2] === '+';
    if (greedy && index !== parts.length - 1) throw new RouteDefinitionError(routeKey, 'a greedy {parameter+} must be the last segment');
    return greedy ? { kind: 'greedy', name: parameter[1]! } : { kind: 'parameter', name: parameter[1]! };
  });
  return { route, routeKey, segments };
}

/** Percent-decoding that keeps a malformed escape as it was (API Gateway passes it through). */
export function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The parameters of `compiled` for `parts`, or undefined when it does not match. */
function bind(compiled: Compiled, parts: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  const { segments } = compiled;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.some((part) => part === '')) return undefined;
      parameters[segment.name] = decodeComponent(rest.join('/'));
      return parameters;
    }
    const part = parts[i];
    if (part === undefined || part === '') return undefined;
    if (segment.kind === 'literal') {
      if (decodeComponent(part) !== segment.value) return undefined;
    } else {
      parameters[segment.name] = decodeComponent(part);
    }
  }
  return parts.length === segments.length ? parameters : undefined;
}

/** Negative when `a` is more specific than `b`. */
function specificity(a: Compiled, b: Compiled): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const left = a.segments[i];
    const right = b.segments[i];
    if (!left || !right) return left ? -1 : 1;
    const difference = RANK[left.kind] - RANK[right.kind];
    if (difference !== 0) return difference;
  }
  return 0;
}

export class RouteTable {
  private readonly routes: Compiled[];

  /** Throws RouteDefinitionError for a path API Gateway would not accept, or a route given twice. */
  constructor(routes: readonly RouteSpec[]) {
    const compiled = routes.map(compile);
    const keys = new Set<string>();
    for (const { routeKey } of compiled) {
      if (keys.has(routeKey)) throw new RouteDefinitionError(routeKey, 'defined twice');
      keys.add(routeKey);
    }
    this.routes = compiled.sort(specificity);
  }

  /** The route for `method` and the raw (still encoded) path without its query, if any. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const parts = rawPath === '/' ? [] : rawPath.replace(/^\//, '').split('/');
    for (const compiled of this.routes) {
      if (compiled.route.method !== method) continue;
      const pathParameters = bind(compiled, parts);
      if (pathParameters) return { route: compiled.route, routeKey: compiled.routeKey, pathParameters };
    }
    return undefined;
  }
}
