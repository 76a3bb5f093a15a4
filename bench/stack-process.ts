/**
 * The local stack of `conveyor up` in a process of its own, for the pipeline benchmark: its CPU
 * and event loop are the stack's, not shared with the benchmark's clients. Started by
 * bench/pipeline-stack.ts with an IPC channel (`node --import tsx bench/stack-process.ts DIR`), it
 * reports over IPC, each with its wall-clock time (performance.timeOrigin + now, the same clock
 * as the benchmark's):
 * - `apply`: every server-side apply request (PATCH with fieldManager=conveyor, dry runs
 *   included) the moment it arrives at the sandbox's HTTPS server, before any handling — seen
 *   through Node's `http.server.request.start` diagnostics channel, so the sandbox is unchanged;
 * - `rolledOut`: a Deployment's rollout becoming complete in the sandbox's store (rolledOut);
 * and `ready` with local.env's values once every service is healthy. The message `stop` closes
 * the stack and ends the process.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startLocalStack } from '#local/up/stack.ts';
import type { StoreEvent } from '#sandbox/store.ts';

export type StackMessage =
  | { type: 'ready'; env: Record<string, string>; credentialsFile: string }
  | { type: 'apply'; at: number; path: string; dryRun: boolean }
  | { type: 'rolledOut'; at: number; namespace: string; name: string; generation: number }
  | { type: 'failed'; message: string };

const DEPLOYMENTS = 'apps/deployments';
const FIELD_MANAGER = 'conveyor';
const now = () => performance.timeOrigin + performance.now();
const send = (message: StackMessage) => process.send!(message);

/**
 * A Deployment's rollout is complete as `kubectl rollout status` (and docs/rollout-rules.md) has
 * it: the controller saw this generation, and every replica is updated and available, none old.
 * (Its Available condition is no signal: it stays True through a rolling update.)
 */
function rolledOut(deployment: StoreEvent['object'] | undefined): boolean {
  if (!deployment) return false;
  const { spec, status, metadata } = deployment as { spec?: { replicas?: number }; status?: Record<string, number | undefined>; metadata: { generation?: number } };
  const wanted = spec?.replicas ?? 1;
  return (status?.observedGeneration ?? 0) >= (metadata.generation ?? 0) && status?.updatedReplicas === wanted && status?.replicas === wanted && status?.availableReplicas === wanted;
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir || !process.send) throw new Error('usage: node --import tsx bench/stack-process.ts DATA_DIR (with an IPC channel)');
  const stack = await startLocalStack({ dataDir, ports: { sandbox: 0 } });
  const sandboxPort = stack.sandbox.port;
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    if (request.method !== 'PATCH' || request.socket.localPort !== sandboxPort) return;
    const url = new URL(request.url ?? '/', 'https://sandbox');
    if (url.searchParams.get('fieldManager') === FIELD_MANAGER) send({ type: 'apply', at: now(), path: url.pathname, dryRun: url.searchParams.has('dryRun') });
  });
  stack.sandbox.cluster.store.subscribe((event) => {
    if (event.resource !== DEPLOYMENTS || event.type === 'DELETED' || !rolledOut(event.object) || rolledOut(event.previous)) return;
    const { namespace, name, generation } = event.object.metadata;
    send({ type: 'rolledOut', at: now(), namespace: namespace!, name: name!, generation: generation ?? 0 });
  });
  process.on('message', (message) => {
    if (message === 'stop') void stack.close().then(() => process.exit(0));
  });
  send({ type: 'ready', env: stack.envValues, credentialsFile: stack.credentialsFile });
}

main().catch((error: Error) => {
  send({ type: 'failed', message: error.message });
  process.exit(1);
});
