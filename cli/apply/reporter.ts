/**
 * Shows the engine's progress: on a terminal, one live line per object rewritten in place;
 * otherwise one line per change (for CI logs). JSON output prints only the final result, which
 * carries everything the text shows (bindings, warnings, outcome and health per object,
 * counts, timings).
 *
 * What a person reads, not what the engine says: each object is named once per line (the
 * health message's own `Kind/name: ` lead is dropped); the tracker's "waiting for the first
 * live read" is not shown; containers that keep their image are summed up by image; a pod
 * reason that keeps flipping (ErrImagePull ↔ ImagePullBackOff, a CrashLoopBackOff whose
 * restart count grows) is printed once, and how often it came back is said once, before the
 * object's next new line or at the end; the last lines are the counts and the elapsed time,
 * then the state.
 */

import type { ApplyStepResult } from '#domain/engine/apply-step.ts';
import type { ApplyOutcome, EngineEvent } from '#domain/engine/events.ts';
import { describe } from '#domain/engine/events.ts';
import { PartialApplyError } from '#domain/errors.ts';
import type { ObjectRef } from '#domain/model.ts';
import { REASON_AWAITING_STATUS } from '#domain/rollout/tracker.ts';

type Writer = { write(text: string): unknown; isTTY?: boolean; columns?: number };
type Rendered = Extract<EngineEvent, { type: 'rendered' }>;

const STATUS_WIDTH = 12;
/** Images named in the line about containers that keep theirs; the rest are counted. */
const KEPT_IMAGES_SHOWN = 3;
const OUTCOMES: readonly ApplyOutcome[] = ['created', 'configured', 'unchanged', 'validated'];

/** Lines of one object already printed (by flap key), and the repeats not yet said. */
type Seen = { keys: Set<string>; repeats: number; reasons: string[] };

export class Reporter {
  private readonly rows = new Map<string, string>();
  private drawn = 0;
  private readonly started: number;
  private rendered?: Rendered;
  private readonly warnings: string[] = [];
  private readonly seen = new Map<string, Seen>();
  private readonly marks: { renderedMs?: number; appliedMs?: number } = {};

  constructor(
    private readonly out: Writer,
    private readonly mode: 'text' | 'json',
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  private get live(): boolean {
    return this.mode === 'text' && this.out.isTTY === true;
  }

  event(event: EngineEvent): void {
    this.remember(event);
    if (this.mode === 'json') return;
    const line = this.lineFor(event);
    if (!line) return;
    if (!this.live) {
      this.out.write(`${line.text}\n`);
      return;
    }
    if (line.ref) this.rows.set(describe(line.ref), line.text);
    else this.out.write(`${this.clear()}${line.text}\n`);
    this.redraw();
  }

  result(result: ApplyStepResult): void {
    const elapsedMs = this.clock() - this.started;
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(this.jsonResult(result, elapsedMs), null, 2)}\n`);
      return;
    }
    const pending = [...this.seen.entries()].flatMap(([ref, seen]) => this.repeatLine(ref, seen) ?? []);
    this.out.write(`${this.live ? this.clear() : ''}${pending.map((l) => `${l}\n`).join('')}`);
    this.drawn = 0;
    const state = result.failure ? `${result.state}: ${result.failure.message ?? result.failure.reason ?? ''}` : result.state;
    this.out.write(`${summaryLine(result, elapsedMs)}\n${state}${result.note ? `\n${result.note}` : ''}\n`);
  }

  error(error: Error): void {
    if (this.mode !== 'json') return;
    // A step that stopped part-way says what the cluster holds, as lists a script can read.
    // The error alone: scripts match this shape, and nothing of the run is settled.
    const partial = error instanceof PartialApplyError ? { applied: error.applied, notApplied: error.notApplied } : {};
    this.out.write(`${JSON.stringify({ state: 'error', error: { type: error.name, message: error.message, ...partial } }, null, 2)}\n`);
  }

  private remember(event: EngineEvent): void {
    const at = this.clock() - this.started;
    if (event.type === 'rendered') {
      this.rendered = event;
      this.marks.renderedMs = at;
    }
    if (event.type === 'applied') this.marks.appliedMs = at;
    if (event.type === 'warning') this.warnings.push(event.message);
  }

  private lineFor(event: EngineEvent): { text: string; ref?: ObjectRef } | undefined {
    switch (event.type) {
      case 'rendered':
        return { text: renderedLine(event) };
      case 'phase':
        return { text: `applying ${event.name} (${event.objects})` };
      case 'namespace':
        return event.outcome === 'created' ? { text: `namespace ${event.name} created` } : undefined;
      case 'applied':
        return { ref: event.ref, text: `${pad(event.outcome)} ${describe(event.ref)}` };
      case 'established':
        return { ref: event.ref, text: `${pad('established')} ${describe(event.ref)}` };
      case 'health': {
        const { health } = event;
        // The tracker has not read the object yet: nothing a person can act on.
        if (health.reason === REASON_AWAITING_STATUS) return undefined;
        const detail = withoutLead(health.ref, health.message) ?? health.reason;
        const text = `${pad(health.status)} ${describe(health.ref)}${detail ? `: ${detail}` : ''}`;
        return this.unlessRepeated(health.ref, text, detail);
      }
      case 'switched':
        return { text: `switched ${describe(event.service)} to ${event.to}` };
      case 'deleted':
        return { text: `deleted ${describe(event.ref)}` };
      case 'warning':
        return { text: `warning: ${event.message}` };
    }
  }

  /**
   * The line, or undefined when this object printed the same line before (up to a flipping
   * pod reason): then it is counted, and said once before the object's next new line.
   */
  private unlessRepeated(ref: ObjectRef, text: string, detail: string | undefined): { text: string; ref: ObjectRef } | undefined {
    // On a terminal the object's one row is rewritten in place: a flip floods nothing.
    if (this.live) return { text, ref };
    const name = describe(ref);
    const seen = this.seen.get(name) ?? { keys: new Set<string>(), repeats: 0, reasons: [] };
    this.seen.set(name, seen);
    const key = flapKey(text);
    const reason = podReason(detail);
    if (seen.keys.has(key)) {
      seen.repeats += 1;
      if (reason && !seen.reasons.includes(reason)) seen.reasons.push(reason);
      return undefined;
    }
    const before = this.repeatLine(name, seen);
    seen.keys.add(key);
    seen.reasons = reason ? [reason] : [];
    return { text: before ? `${before}\n${text}` : text, ref };
  }

  /** "repeated Deployment/x: ErrImagePull ↔ ImagePullBackOff, 6 more times", once per run of repeats. */
  private repeatLine(name: string, seen: Seen): string | undefined {
    if (!seen.repeats) return undefined;
    const times = seen.repeats;
    seen.repeats = 0;
    const what = seen.reasons.length ? `${seen.reasons.join(' ↔ ')}, ` : 'the same status, ';
    return `${pad('repeated')} ${name}: ${what}${times} more time${times === 1 ? '' : 's'}`;
  }

  private context(): Record<string, unknown> {
    const r = this.rendered;
    return {
      bindings: {
        images: (r?.bound ?? []).map((b) => ({ repository: b.repository, value: b.value, containers: b.containers })),
        keptImages: r?.kept ?? [],
        unboundContainers: r?.unmatched ?? [],
        variables: r?.variables ?? [],
      },
      warnings: this.warnings,
    };
  }

  /** Milliseconds from the start: to the render, to the last object applied, to the end. */
  private timings(elapsedMs: number): Record<string, number> {
    const { renderedMs, appliedMs } = this.marks;
    return {
      ...(renderedMs !== undefined ? { renderedMs: Math.round(renderedMs) } : {}),
      ...(appliedMs !== undefined ? { appliedMs: Math.round(appliedMs) } : {}),
      elapsedMs: Math.round(elapsedMs),
    };
  }

  private jsonResult(result: ApplyStepResult, elapsedMs: number): unknown {
    return {
      state: result.state,
      summary: counts(result),
      objects: result.objects.map((o) => ({
        apiVersion: o.ref.apiVersion,
        kind: o.ref.kind,
        ...(o.ref.namespace ? { namespace: o.ref.namespace } : {}),
        name: o.ref.name,
        ...(o.outcome ? { outcome: o.outcome } : {}),
        ...(o.health ? { status: o.health.status, ...(o.health.reason ? { reason: o.health.reason } : {}), ...(o.health.message ? { message: o.health.message } : {}) } : {}),
      })),
      ...this.context(),
      timings: this.timings(elapsedMs),
      ...(result.failure ? { failure: result.failure } : {}),
      ...(result.note ? { note: result.note } : {}),
    };
  }

  private clear(): string {
    const n = this.drawn;
    this.drawn = 0;
    return n ? `\x1b[${n}A\x1b[0J` : '';
  }

  private redraw(): void {
    // One screen line per row, or the cursor-up count would not match after wrapping.
    const width = Math.max(20, (this.out.columns ?? 120) - 1);
    const text = [...this.rows.values()].map((row) => (row.length > width ? `${row.slice(0, width - 1)}…` : row)).join('\n');
    this.out.write(`${this.clear()}${text}\n`);
    this.drawn = this.rows.size;
  }
}

function renderedLine(event: Rendered): string {
  const parts = [`rendered ${event.objects} object${event.objects === 1 ? '' : 's'}`];
  if (event.variables?.length) parts.push(`variables: ${event.variables.join(', ')}`);
  const bound = event.bound.filter((b) => b.containers > 0).map((b) => `${b.repository}=${b.value} (${b.containers})`);
  if (bound.length) parts.push(`images bound: ${bound.join(', ')}`);
  const kept = event.kept ?? [];
  if (kept.length) {
    const containers = kept.reduce((sum, k) => sum + k.containers, 0);
    const shown = kept.slice(0, KEPT_IMAGES_SHOWN).map((k) => `${k.image} (${k.containers})`);
    const more = kept.length > KEPT_IMAGES_SHOWN ? ` and ${kept.length - KEPT_IMAGES_SHOWN} more image${kept.length - KEPT_IMAGES_SHOWN === 1 ? '' : 's'}` : '';
    parts.push(`${containers} container${containers === 1 ? ' keeps its' : 's keep their'} image: ${shown.join(', ')}${more}`);
  }
  return parts.join('; ');
}

/** "2 created, 1 configured, 0 unchanged in 3.4s" (a dry run: "3 validated in 0.8s"). */
function summaryLine(result: ApplyStepResult, elapsedMs: number): string {
  const c = counts(result);
  const shown = result.state === 'validated' ? [`${c.validated} validated`] : [`${c.created} created`, `${c.configured} configured`, `${c.unchanged} unchanged`];
  return `${shown.join(', ')} in ${(elapsedMs / 1000).toFixed(1)}s`;
}

function counts(result: ApplyStepResult): Record<ApplyOutcome, number> {
  const c = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<ApplyOutcome, number>;
  for (const o of result.objects) if (o.outcome) c[o.outcome] += 1;
  return c;
}

/** The health message without its leading `Kind/name: `, which the line names already. */
function withoutLead(ref: ObjectRef, message: string | undefined): string | undefined {
  const lead = `${ref.kind}/${ref.name}: `;
  return message?.startsWith(lead) ? message.slice(lead.length) : message;
}

/**
 * Two lines are "the same" when they differ only by a flipping pod reason: the kubelet
 * alternates ErrImagePull and ImagePullBackOff (whose message quotes the former), and a
 * crash loop's restart count grows on every flip.
 */
function flapKey(text: string): string {
  return text.replace(/ImagePullBackOff: Back-off pulling image "[^"]*": ErrImagePull/g, 'ErrImagePull').replace(/\(restarts: \d+/g, '(restarts: N');
}

/** The pod's reason in a diagnosis (`pod web-x container app: ErrImagePull: ...`). */
function podReason(detail: string | undefined): string | undefined {
  return /pod \S+(?: container \S+)?: ([A-Za-z]+)/.exec(detail ?? '')?.[1];
}

function pad(text: string): string {
  return text.padEnd(STATUS_WIDTH);
}
