/**
 * What the demo asks the cluster, with kubectl and the stack's kubeconfig, as a person would:
 * the deployers' tokens from their Secrets (read, never printed), and what the Service of httpd
 * selects and which pods its endpoints list. kubectl runs with a minimal environment: the
 * kubeconfig and a PATH, nothing of this process's (which holds the functions' settings).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TOKEN_WAIT_MS = 15_000;
const POLL_MS = 100;
const KUBECTL_TIMEOUT_MS = 20_000;
/** kubectl needs no PATH of its own (the kubeconfig has no exec plugin); a system one, as a shell would give it. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

export class Kubectl {
  constructor(
    private readonly kubectlPath: string,
    private readonly kubeconfig: string,
  ) {}

  /** kubectl's stdout; its stderr in the error when it fails. */
  async run(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.kubectlPath, args, {
        env: { PATH: SYSTEM_PATH, KUBECONFIG: this.kubeconfig, HOME: process.env.HOME ?? '/tmp' },
        timeout: KUBECTL_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`kubectl ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
    }
  }

  /**
   * The token the token controller put into a `kubernetes.io/service-account-token` Secret,
   * waited for (the controller fills it in shortly after the Secret is created).
   */
  async serviceAccountToken(namespace: string, secret: string): Promise<string> {
    const deadline = Date.now() + TOKEN_WAIT_MS;
    for (;;) {
      const encoded = (await this.run(['-n', namespace, 'get', 'secret', secret, '-o', 'jsonpath={.data.token}'])).trim();
      if (encoded) return Buffer.from(encoded, 'base64').toString('utf8');
      if (Date.now() > deadline) throw new Error(`Secret ${namespace}/${secret} got no token within ${TOKEN_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** The Service's selector, as a label map. */
  async serviceSelector(namespace: string, service: string): Promise<Record<string, string>> {
    const text = await this.run(['-n', namespace, 'get', 'service', service, '-o', 'jsonpath={.spec.selector}']);
    return text.trim() ? (JSON.parse(text) as Record<string, string>) : {};
  }

  /** The pods the Service's Endpoints list as ready addresses. */
  async endpointPods(namespace: string, service: string): Promise<string[]> {
    const text = await this.run(['-n', namespace, 'get', 'endpoints', service, '-o', 'jsonpath={range .subsets[*].addresses[*]}{.targetRef.name}{"\\n"}{end}']);
    return text.split('\n').filter(Boolean).sort();
  }

  /** The lines `kubectl get` prints (a table), for showing as they are. */
  async table(args: string[]): Promise<string[]> {
    return (await this.run(['get', ...args])).split('\n').filter(Boolean);
  }
}
