/**
 * Address allocation: Service cluster IPs (10.96.0.0/12), NodePorts (30000-32767), pod IPs
 * (10.244.0.0/16, a block per node) and LoadBalancer addresses (172.18.255.x, the range a
 * kind cluster with MetalLB hands out). Deterministic: always the lowest free value.
 */

export const SERVICE_CIDR = '10.96.0.0/12';
export const POD_CIDR = '10.244.0.0/16';
export const NODE_PORT_RANGE = { first: 30000, last: 32767 } as const;
/** 10.96.0.1 is the `kubernetes` Service and 10.96.0.10 kube-dns: allocation starts above them. */
const FIRST_DYNAMIC_SERVICE_OFFSET = 11;
/** LoadBalancer addresses: 172.18.255.1-254 first, then the /24s below it (down to 172.18.252.x). */
const LOAD_BALANCER_TOP_BLOCK = '172.18.255.0';
const LOAD_BALANCER_BLOCKS = 4;
const HOSTS_PER_BLOCK = 254;

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return { base: Math.floor(ipToInt(ip!) / size) * size, size };
}

/**
 * The lowest free cluster IP of `cidr` given those in use. Pure, so the API server can call
 * it at admission with the IPs of the stored Services.
 */
export function allocateClusterIP(used: ReadonlySet<string>, cidr: string = SERVICE_CIDR): string | undefined {
  const { base, size } = parseCidr(cidr);
  for (let offset = FIRST_DYNAMIC_SERVICE_OFFSET; offset < size - 1; offset++) {
    const ip = intToIp(base + offset);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

/** The lowest free NodePort. */
export function allocateNodePort(used: ReadonlySet<number>): number | undefined {
  for (let port = NODE_PORT_RANGE.first; port <= NODE_PORT_RANGE.last; port++) if (!used.has(port)) return port;
  return undefined;
}

/** The first free LoadBalancer address: 172.18.255.1, .2, ... then 172.18.254.1, ... */
export function allocateLoadBalancerIP(used: ReadonlySet<string>): string | undefined {
  for (let block = 0; block < LOAD_BALANCER_BLOCKS; block++) {
    const base = ipToInt(LOAD_BALANCER_TOP_BLOCK) - block * 256;
    for (let host = 1; host <= HOSTS_PER_BLOCK; host++) {
      const ip = intToIp(base + host);
      if (!used.has(ip)) return ip;
    }
  }
  return undefined;
}

/** Hands out addresses of one CIDR, next-fit, skipping the network and broadcast addresses. */
export class CidrAllocator {
  private readonly used = new Set<number>();
  private readonly base: number;
  private readonly size: number;
  private cursor = 1;

  constructor(readonly cidr: string) {
    ({ base: this.base, size: this.size } = parseCidr(cidr));
  }

  contains(ip: string): boolean {
    const value = ipToInt(ip);
    return value >= this.base && value < this.base + this.size;
  }

  allocate(): string | undefined {
    for (let tried = 0; tried < this.size; tried++) {
      const offset = this.cursor;
      this.cursor = this.cursor + 1 >= this.size - 1 ? 1 : this.cursor + 1;
      if (!this.used.has(offset)) {
        this.used.add(offset);
        return intToIp(this.base + offset);
      }
    }
    return undefined;
  }

  reserve(ip: string): void {
    if (this.contains(ip)) this.used.add(ipToInt(ip) - this.base);
  }

  release(ip: string): void {
    if (this.contains(ip)) this.used.delete(ipToInt(ip) - this.base);
  }
}

/** Pod CIDR of the n-th node: 10.244.0.0/16 split into four /18 blocks. */
export function nodePodCidr(index: number): string {
  const block = Math.min(index, 3);
  return `10.244.${block * 64}.0/18`;
}
