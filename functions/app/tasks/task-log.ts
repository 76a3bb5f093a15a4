/**
 * A deployment's task log as a task writes it: lines collected while the task works (engine
 * events, script output, what the task decided), then appended in one write at the end, so a
 * check that saw nothing new writes nothing. Every line is redacted by whoever produced it (the
 * engine's events leave its Redactor redacted; script output is masked before it gets here);
 * the log redacts once more against credential shapes, as a last guard.
 */
import type { EngineEvent } from '#domain/engine/events.ts';
import { describe } from '#domain/engine/events.ts';
import type { TaskLogEntry } from '#domain/pipeline/model.ts';
import { Redactor } from '#domain/redactor.ts';
import type { TaskDeps } from './ports.ts';

type Level = TaskLogEntry['level'];

/** Credential shapes only (tokens, keys, presigned URLs): values were redacted by the producer. */
const SHAPES = new Redactor();

export class TaskLog {
  readonly #lines: TaskLogEntry[] = [];

  constructor(
    private readonly deps: Pick<TaskDeps, 'stores' | 'clock'>,
    private readonly deploymentId: string,
    private readonly where: { stepName?: string; targetId?: string } = {},
  ) {}

  info(message: string): void {
    this.#add('info', message);
  }

  warn(message: string): void {
    this.#add('warn', message);
  }

  error(message: string): void {
    this.#add('error', message);
  }

  /** The engine's progress as log lines; events that say nothing a reader needs are left out. */
  readonly event = (event: EngineEvent): void => {
    const line = lineFor(event);
    if (line) this.#add(line.level, line.text);
  };

  get size(): number {
    return this.#lines.length;
  }

  /** Appends what was collected, in order; nothing when nothing was said. */
  async flush(): Promise<void> {
    if (!this.#lines.length) return;
    const lines = this.#lines.splice(0);
    await this.deps.stores.deployments.appendLog(this.deploymentId, lines);
  }

  #add(level: Level, message: string): void {
    this.#lines.push({ time: this.deps.clock().toISOString(), level, message: SHAPES.text(message), ...this.where });
  }
}

function lineFor(event: EngineEvent): { level: Level; text: string } | undefined {
  switch (event.type) {
    case 'rendered': {
      const bound = event.bound.filter((b) => b.containers > 0).map((b) => `${b.repository}=${b.value}`);
      const unmatched = event.unmatched.length ? `; containers matching no release image: ${event.unmatched.join('; ')}` : '';
      return { level: 'info', text: `rendered ${event.objects} object${event.objects === 1 ? '' : 's'}${bound.length ? `; images: ${bound.join(', ')}` : ''}${unmatched}` };
    }
    case 'phase':
      return undefined;
    case 'namespace':
      return event.outcome === 'created' ? { level: 'info', text: `namespace ${event.name} created` } : undefined;
    case 'applied':
      return { level: 'info', text: `${event.outcome} ${describe(event.ref)}` };
    case 'established':
      return { level: 'info', text: `established ${describe(event.ref)}` };
    case 'health': {
      const { health } = event;
      const detail = health.message ?? health.reason;
      const level: Level = health.status === 'Degraded' || health.status === 'Unknown' ? 'warn' : 'info';
      return { level, text: `${health.status} ${describe(health.ref)}${detail ? `: ${detail}` : ''}` };
    }
    case 'switched':
      return { level: 'info', text: `switched ${describe(event.service)} to ${event.to}` };
    case 'deleted':
      return { level: 'info', text: `deleted ${describe(event.ref)}` };
    case 'warning':
      return { level: 'warn', text: event.message };
  }
}
