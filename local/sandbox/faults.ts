/**
 * Injected faults for reliability tests: error statuses (500, 503, 429 with Retry-After),
 * added latency and dropped connections, each with a rate and optionally limited to a verb
 * and a path pattern. Set with `--faults SPEC` at start or `PUT /sandbox/faults` at run time.
 *
 * SPEC: rules separated by ';', each `ACTION=VALUE[@[VERB ]PATH]`, for example
 *   `503=0.2@create /api/v1/namespaces/*`  20% of creates under that path answer 503
 *   `429=1@patch *`                          every patch answers 429 with Retry-After
 *   `latency=150`                            every request waits 150 ms first
 *   `drop=0.05@get /apis/apps/*`            5% of matching requests lose their connection
 */
export type FaultRule = {
  /** HTTP status to answer with (500, 503 or 429), for error rules. */
  status?: 500 | 503 | 429;
  /** Added latency in milliseconds, for latency rules. */
  latencyMs?: number;
  /** Destroy the connection without a response. */
  drop?: boolean;
  /** Probability in [0, 1] that a matching request is affected (latency rules: always 1). */
  rate: number;
  /** Kubernetes verb (get, list, watch, create, update, patch, delete) or HTTP method; any when absent. */
  verb?: string;
  /** Path glob with '*' wildcards; any when absent. */
  path?: string;
  /** Seconds announced in Retry-After for 429 and 503 (default 1). */
  retryAfterSeconds?: number;
};

export type FaultDecision = { latencyMs: number; status?: number; retryAfterSeconds?: number; drop: boolean };

const ERROR_STATUSES = new Set([500, 503, 429]);
const DEFAULT_RETRY_AFTER_SECONDS = 1;

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((text) => {
      const m = /^([a-z0-9]+)=([0-9.]+)(?:@(?:([A-Za-z]+)\s+)?(\S+))?$/.exec(text);
      if (!m) throw new FaultSpecError(`invalid fault rule "${text}": expected ACTION=VALUE[@[VERB ]PATH], e.g. 503=0.2@create /api/v1/*`);
      const [, action, value, verb, path] = m as unknown as [string, string, string, string | undefined, string | undefined];
      const number = Number(value);
      const scope = { ...(verb ? { verb: verb.toLowerCase() } : {}), ...(path && path !== '*' ? { path } : {}) };
      if (action === 'latency') return { latencyMs: number, rate: 1, ...scope };
      if (action === 'drop') return { drop: true, rate: checkRate(number, text), ...scope };
      const status = Number(action);
      if (!ERROR_STATUSES.has(status)) throw new FaultSpecError(`invalid fault rule "${text}": action must be 500, 503, 429, latency or drop`);
      return { status: status as FaultRule['status'], rate: checkRate(number, text), ...scope };
    });
}

/** Validates rules that arrive as JSON through the admin endpoint. */
export function checkFaultRules(input: unknown): FaultRule[] {
  if (!Array.isArray(input)) throw new FaultSpecError('faults must be an array of rules');
  return input.map((r, i) => {
    if (!r || typeof r !== 'object') throw new FaultSpecError(`faults[${i}] must be an object`);
    const rule = r as FaultRule;
    if (rule.status !== undefined && !ERROR_STATUSES.has(rule.status)) throw new FaultSpecError(`faults[${i}].status must be 500, 503 or 429`);
    if (rule.status === undefined && rule.latencyMs === undefined && !rule.drop) throw new FaultSpecError(`faults[${i}] needs status, latencyMs or drop`);
    return { ...rule, rate: checkRate(rule.rate ?? 1, `faults[${i}]`) };
  });
}

function checkRate(rate: number, where: string): number {
  if (!(rate >= 0 && rate <= 1)) throw new FaultSpecError(`invalid fault rule "${where}": rate must be between 0 and 1`);
  return rate;
}

/** Seeded so that a fault scenario replays the same way (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

export class FaultInjector {
  private rules: (FaultRule & { pattern?: RegExp })[] = [];
  private random: () => number;
  /** Requests seen and faults injected (errors and drops), so tests can tell faults really happened. */
  readonly stats = { requests: 0, injected: 0 };

  constructor(rules: FaultRule[] = [], seed = 1) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, ...(r.path ? { pattern: globToRegExp(r.path) } : {}) }));
  }

  get(): FaultRule[] {
    return this.rules.map(({ pattern: _p, ...rule }) => rule);
  }

  /** What to do to one request: the latencies add up; the first error or drop that fires wins. */
  decide(verb: string, method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, drop: false };
    this.stats.requests++;
    for (const rule of this.rules) {
      if (rule.verb && rule.verb !== verb && rule.verb !== method.toLowerCase()) continue;
      if (rule.pattern && !rule.pattern.test(path)) continue;
      if (rule.latencyMs) decision.latencyMs += rule.latencyMs;
      if (decision.status || decision.drop || (rule.status === undefined && !rule.drop)) continue;
      if (this.random() >= rule.rate) continue;
      if (rule.drop) decision.drop = true;
      else {
        decision.status = rule.status;
        if (rule.status !== 500) decision.retryAfterSeconds = rule.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      }
    }
    if (decision.status || decision.drop) this.stats.injected++;
    return decision;
  }
}
