/**
 * Shows the engine's progress: on a terminal, one live line per object rewritten in place;
 * otherwise one line per event (for CI logs). JSON output prints only the final result.
 */
import type { EngineEvent } from '#domain/engine/events.ts';
import { describe } from '#domain/engine/events.ts';
import type { ApplyStepResult } from '#domain/engine/apply-step.ts';
import { PartialApplyError } from '#domain/errors.ts';
import type { ObjectRef } from '#domain/model.ts';

type Writer = { write(text: string): unknown; isTTY?: boolean; columns?: number };

const STATUS_WIDTH = 12;

export class Reporter {
  private readonly rows = new Map<string, string>();
  private drawn = 0;

  constructor(
    private readonly out: Writer,
    private readonly mode: 'text' | 'json',
  ) {}

  private get live(): boolean {
    return this.mode === 'text' && this.out.isTTY === true;
  }

  event(event: EngineEvent): void {
    if (this.mode === 'json') return;
    const line = lineFor(event);
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
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify(jsonResult(result), null, 2)}\n`);
      return;
    }
    this.drawn = 0;
    const summary = result.failure ? `${result.state}: ${result.failure.message ?? result.failure.reason ?? ''}` : result.state;
    this.out.write(`${summary}${result.note ? `\n${result.note}` : ''}\n`);
  }

  error(error: Error): void {
    if (this.mode !== 'json') return;
    // A step that stopped part-way says what the cluster holds, as lists a script can read.
    const partial = error instanceof PartialApplyError ? { applied: error.applied, notApplied: error.notApplied } : {};
    this.out.write(`${JSON.stringify({ state: 'error', error: { type: error.name, message: error.message, ...partial } }, null, 2)}\n`);
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

function lineFor(event: EngineEvent): { text: string; ref?: ObjectRef } | undefined {
  switch (event.type) {
    case 'rendered': {
      const bound = event.bound.filter((b) => b.containers > 0).map((b) => `${b.repository}=${b.value} (${b.containers})`);
      return { text: `rendered ${event.objects} object${event.objects === 1 ? '' : 's'}${bound.length ? `; images bound: ${bound.join(', ')}` : ''}${event.unmatched.length ? `; containers matching no image: ${event.unmatched.join('; ')}` : ''}` };
    }
    case 'phase':
      return { text: `applying ${event.name} (${event.objects})` };
    case 'namespace':
      return event.outcome === 'created' ? { text: `namespace ${event.name} created` } : undefined;
    case 'applied':
      return { ref: event.ref, text: `${pad(event.outcome)} ${describe(event.ref)}` };
    case 'established':
      return { ref: event.ref, text: `${pad('established')} ${describe(event.ref)}` };
    case 'health':
      return { ref: event.health.ref, text: `${pad(event.health.status)} ${describe(event.health.ref)}${event.health.message ? `: ${event.health.message}` : event.health.reason ? `: ${event.health.reason}` : ''}` };
    case 'switched':
      return { text: `switched ${describe(event.service)} to ${event.to}` };
    case 'deleted':
      return { text: `deleted ${describe(event.ref)}` };
  }
}

function pad(text: string): string {
  return text.padEnd(STATUS_WIDTH);
}

function jsonResult(result: ApplyStepResult): unknown {
  return {
    state: result.state,
    objects: result.objects.map((o) => ({
      apiVersion: o.ref.apiVersion,
      kind: o.ref.kind,
      ...(o.ref.namespace ? { namespace: o.ref.namespace } : {}),
      name: o.ref.name,
      ...(o.outcome ? { outcome: o.outcome } : {}),
      ...(o.health ? { status: o.health.status, ...(o.health.reason ? { reason: o.health.reason } : {}), ...(o.health.message ? { message: o.health.message } : {}) } : {}),
    })),
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.note ? { note: result.note } : {}),
  };
}
