/**
 * Ingress status: an ingress controller publishes its address in
 * status.loadBalancer.ingress; here it appears after the LoadBalancer delay.
 */
import type { StoreEvent } from '../store.ts';
import type { ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { allocateLoadBalancerIP } from './ipam.ts';
import { usedLoadBalancerIPs } from './service.ts';
import { keyOf, splitKey } from './util.ts';

export class IngressController implements Controller {
  readonly name = 'ingress';
  readonly watches: string[];
  private readonly ingressType: ResourceType;
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly ctx: Context) {
    this.ingressType = ctx.type('networking.k8s.io', 'Ingress')!;
    this.watches = [ctx.key('networking.k8s.io', 'Ingress')!];
  }

  start(): void {
    for (const o of this.ctx.cluster.store.list(this.watches[0]!)) this.ctx.queue.add(this, keyOf(o));
  }

  onEvent(event: StoreEvent): void {
    if (event.type === 'DELETED') this.firstSeen.delete(event.object.metadata.uid!);
    else this.ctx.queue.add(this, keyOf(event.object));
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const ingress = this.ctx.cluster.tryGet(this.ingressType, namespace, name);
    if (!ingress || ingress.metadata.deletionTimestamp || (ingress.status?.loadBalancer?.ingress ?? []).length > 0) return;
    const now = this.ctx.now();
    let since = this.firstSeen.get(ingress.metadata.uid!);
    if (since === undefined) this.firstSeen.set(ingress.metadata.uid!, (since = now));
    const due = since + this.ctx.timings.loadBalancerMs;
    if (now < due) return this.ctx.queue.after(this, key, due - now);
    const ip = allocateLoadBalancerIP(usedLoadBalancerIPs(this.ctx));
    if (!ip) return;
    this.ctx.writeStatus(this.ingressType, ingress, { ...(ingress.status ?? {}), loadBalancer: { ingress: [{ ip }] } });
    this.firstSeen.delete(ingress.metadata.uid!);
  }
}
