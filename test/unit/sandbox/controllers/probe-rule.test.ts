import { describe, expect, it } from 'vitest';
import { executableExists, livenessKillDelayMs, probeFailure, readinessDelayMs, scriptCommand } from '../../../../local/sandbox/controllers/probes.ts';
import { DEFAULT_TIMINGS } from '../../../../local/sandbox/controllers/timings.ts';

const readiness = (image: string, command: string[]) => ({ name: 'app', image, readinessProbe: { exec: { command } } });

describe('the exec probe rule', () => {
  it.each([
    ['postgres:16', ['pg_isready', '-U', 'postgres']],
    ['docker.io/library/postgres:16', ['psql', '-c', 'select 1']],
    ['ghcr.io/stefanprodan/podinfo:6.7.1', ['podcli', 'check', 'http', 'localhost:9898/readyz']],
    ['redis:7', ['redis-cli', 'ping']],
    ['mysql:8.4', ['mysqladmin', 'ping', '-h', '127.0.0.1']],
    ['nginx:1.27', ['nginx', '-t']],
    ['myorg/api:1', ['/bin/grpc_health_probe', '-addr=:50051']],
    ['myorg/api:1', ['wget', '-qO-', 'http://localhost:8080/healthz']],
    ['myorg/api:1', ['cat', '/tmp/healthy']],
    ['myorg/api:1', ['test', '-f', '/tmp/ready']],
    ['myorg/api:1', ['/app/healthcheck']],
    ['myorg/api:1', ['/usr/local/bin/docker-healthcheck']],
    ['redis:7', ['sh', '-c', 'redis-cli ping | grep PONG']],
    ['postgres:16', ['/bin/sh', '-c', 'exec pg_isready -U "$POSTGRES_USER"']],
  ])('passes in %s: %j', (image, command) => {
    // Prepare
    const container = readiness(image, command);
    // Act
    const failure = probeFailure(container, 'Readiness');
    // Assess
    expect(failure).toBeUndefined();
  });

  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/httpd:1.0.0', ['httpd-ready-check'], 'executable file not found in $PATH'],
    ['httpd:2.4.63', ['httpd-ready-check'], '"httpd-ready-check": executable file not found'],
    ['nginx:1.27', ['/bin/check-health'], '"/bin/check-health": executable file not found'],
    ['nginx:1.27', ['/no/such/health-check'], '"/no/such/health-check": executable file not found'],
    ['nginx:1.27', ['pg_isready'], '"pg_isready": executable file not found'],
    ['nginx:1.27', ['sh', '-c', 'httpd-ready-check --strict'], 'sh: 1: httpd-ready-check: not found'],
    ['nginx:1.27', ['false'], 'Readiness probe failed: '],
    ['nginx:1.27', ['sh', '-c', 'curl -f localhost; exit 3'], 'exited with 3'],
  ])('fails in %s: %j', (image, command, message) => {
    // Prepare
    const container = readiness(image, command);
    // Act
    const failure = probeFailure(container, 'Readiness');
    // Assess
    expect(failure).toContain(message);
  });

  it('names the kind of probe in the message', () => {
    // Prepare
    const container = { name: 'app', image: 'nginx:1.27', livenessProbe: { exec: { command: ['made-up-check'] } } };
    // Act
    const failure = probeFailure(container, 'Liveness');
    // Assess
    expect(failure).toMatch(/^Liveness probe errored: .*"made-up-check": executable file not found/);
    expect(probeFailure(container, 'Readiness')).toBeUndefined();
  });

  it('reads the first command of a shell script only when the script status is that command', () => {
    expect(scriptCommand(['sh', '-c', 'FOO=1 exec redis-cli ping'])).toBe('redis-cli');
    expect(scriptCommand(['sh', '-c', 'check-a && check-b'])).toBe('check-a');
    expect(scriptCommand(['sh', '-c', 'check-a; true'])).toBeUndefined();
    expect(scriptCommand(['sh', '-c', 'check-a || true'])).toBeUndefined();
    expect(scriptCommand(['sh', '-c', '[ -f /tmp/ready ]'])).toBeUndefined();
    expect(scriptCommand(['sh', '-c', '"$CHECK"'])).toBeUndefined();
    expect(scriptCommand(['pg_isready'])).toBeUndefined();
  });

  it('judges system paths by their file name and trusts the directories images install into', () => {
    expect(executableExists('/usr/bin/curl', 'alpine:3.20')).toBe(true);
    expect(executableExists('/usr/bin/made-up', 'alpine:3.20')).toBe(false);
    expect(executableExists('/tmp/made-up', 'alpine:3.20')).toBe(false);
    expect(executableExists('/opt/bitnami/scripts/health.sh', 'bitnami/postgresql:16')).toBe(true);
    expect(executableExists('pg_isready', 'bitnami/postgresql:16')).toBe(true);
    expect(executableExists('httpd', 'httpd:2.4')).toBe(true);
    expect(executableExists('httpd-ready-check', 'httpd:2.4')).toBe(false);
  });
});

describe('probe timing', () => {
  it('delays readiness by initialDelaySeconds scaled by probeSecondMs, never below the ready delay', () => {
    // Prepare
    const timings = { ...DEFAULT_TIMINGS, probeSecondMs: 10 };
    const delayed = { name: 'app', image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 30 } };
    const prompt = { name: 'app', image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/', port: 80 } } };
    // Act / Assess
    expect(readinessDelayMs(delayed, 20, timings)).toBe(300);
    expect(readinessDelayMs(prompt, 20, timings)).toBe(20);
    expect(readinessDelayMs(delayed, 500, timings)).toBe(500);
  });

  it('kills a failing liveness probe after the initial delay and failureThreshold failures periodSeconds apart', () => {
    // Prepare
    const timings = { ...DEFAULT_TIMINGS, probeSecondMs: 10 };
    // Act / Assess
    expect(livenessKillDelayMs({ livenessProbe: { exec: { command: ['x'] } } }, timings)).toBe(200);
    expect(livenessKillDelayMs({ livenessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 1 } }, timings)).toBe(50);
  });
});
