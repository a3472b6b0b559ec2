/**
 * deploy/kubernetes/ against the code (no cluster is reachable here): the manifests parse, point at each other,
 * name only variables the configuration reads, with values it accepts; the grace period outlasts the drain; the
 * probes' paths and port are the server's, and a server started with the Deployment's own environment (secrets
 * replaced, Redis unreachable) answers them as the probes expect; the autoscaler's metric is one the server exports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { STOP_MARGIN_MS } from '../../src/cluster/primary.js';
import { loadConfig } from '../../src/config/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { readyPort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/ports.js';

const DIR = new URL('../../deploy/kubernetes/', import.meta.url).pathname;
/** The server exits at the latest this long after SHUTDOWN_GRACE_MS (src/cluster/exit.ts). */
const EXIT_DEADLINE_MARGIN_MS = 3000;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
}
type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string }; spec: Record<string, unknown> };

const manifests: Manifest[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml') && file !== 'prometheus-adapter-rules.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
      expect(doc.errors, file).toEqual([]);
      return doc.toJS() as Manifest;
    }),
  );
const ofKind = <T = Manifest>(kind: string): T => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as T;
};

const deployment = ofKind<Manifest & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } } } }>('Deployment');
const pod = deployment.spec.template;
const container = pod.spec.containers[0] as Container;
const plainEnv = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']));
const secretEnv = container.env.filter((e) => e.valueFrom?.secretKeyRef !== undefined);
const port = (name: string | number) => (typeof name === 'number' ? name : container.ports.find((p) => p.name === name)?.containerPort);

/** The Deployment's environment with its secrets replaced by valid stand-ins. */
function envWithSecrets(redisUrl: string): Record<string, string> {
  const standIns: Record<string, string> = { REDIS_URL: redisUrl, OPENAI_API_KEY: 'sk-test-stand-in', PROXY_AUTH_SECRET: 'a-stand-in-secret-of-at-least-32-characters' };
  return { ...plainEnv, ...Object.fromEntries(secretEnv.map((e) => [e.name, standIns[e.name] ?? 'stand-in'])) };
}

let server: ServerProcess | undefined;
afterEach(() => {
  server?.kill();
  server = undefined;
});

describe('deploy/kubernetes', () => {
  it('names only variables the configuration reads, with values it accepts; REDIS_URL and the keys come from a Secret', () => {
    const result = loadConfig(envWithSecrets('redis://redis:6379'));
    const known = new Set(result.variables);
    for (const { name } of container.env) expect(known, name).toContain(name);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(secretEnv.map((e) => e.name).sort()).toEqual(['OPENAI_API_KEY', 'PROXY_AUTH_SECRET', 'REDIS_URL']);
    expect(new Set(secretEnv.map((e) => e.valueFrom?.secretKeyRef?.name)).size).toBe(1);
    expect(plainEnv.TRUST_PROXY).toBe('true');
  });

  it('listens where its port, probes, Service and scrape annotation point', () => {
    expect(port('http')).toBe(Number(plainEnv.PORT));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    const service = ofKind<Manifest & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>('Service');
    expect(pod.metadata.labels).toMatchObject(service.spec.selector);
    for (const p of service.spec.ports) expect(port(p.targetPort)).toBe(Number(plainEnv.PORT));
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(plainEnv.PORT);
    expect(pod.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('gives the pod longer than preStop plus the whole drain before SIGKILL', () => {
    const preStop = container.lifecycle?.preStop;
    const preStopSeconds = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command.at(-1));
    expect(preStop?.exec?.command[0] ?? 'sleep').toBe('sleep');
    expect(preStopSeconds).toBeGreaterThan(0);
    const result = loadConfig(envWithSecrets('redis://redis:6379'));
    if (!result.ok) throw new Error(result.errors.join('; '));
    const workers = result.config.workers;
    const drainMs = result.config.shutdownGraceMs + EXIT_DEADLINE_MARGIN_MS + (workers === 1 ? 0 : STOP_MARGIN_MS);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + drainMs);
  });

  it('keeps at most one pod down at a time, and autoscales the Deployment on a per-pod metric the server exports', async () => {
    const pdb = ofKind<Manifest & { spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pod.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    const hpa = ofKind<Manifest & { spec: { scaleTargetRef: { kind: string; name: string }; metrics: { type: string; pods?: { metric: { name: string }; target: { averageValue: string } } }[] } }>('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    const metric = hpa.spec.metrics[0]?.pods;
    expect(hpa.spec.metrics[0]?.type).toBe('Pods');
    const exported = (await createMetrics({ collectDefaults: false }).registry.getMetricsAsJSON()).map((m) => m.name);
    expect(exported).toContain(metric?.metric.name);
    // The target leaves headroom under the per-pod cap.
    expect(Number(metric?.target.averageValue)).toBeLessThan(Number(plainEnv.MAX_CONNECTIONS));
    const adapter = parseAllDocuments(readFileSync(join(DIR, 'prometheus-adapter-rules.yaml'), 'utf8'))[0]?.toJS() as { rules: { seriesQuery: string; name: { as: string } }[] };
    expect(adapter.rules.map((r) => r.name.as)).toContain(metric?.metric.name);
    expect(adapter.rules[0]?.seriesQuery).toContain(metric?.metric.name);
  });

  it('a server started with the Deployment’s environment answers both probes, Redis unreachable included (open mode), and its readiness drops on SIGTERM', async () => {
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const env = { ...envWithSecrets(redisUrl), PORT: '0', HOST: '127.0.0.1', UPSTREAM: 'local', OPENAI_API_KEY: '', PUBLIC_ORIGIN: plainEnv.PUBLIC_ORIGIN ?? '' };
    const s = (server = startServerProcess([process.execPath, 'dist/main.js'], env));
    const listening = await readyPort(s);
    const get = (path: string) => fetch(`http://127.0.0.1:${listening}${path}`);
    const ready = await get(container.readinessProbe.httpGet.path);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, sharedStore: 'unreachable' });
    expect((await get(container.livenessProbe.httpGet.path)).status).toBe(200);
    process.kill(s.child.pid ?? -1, 'SIGTERM');
    await s.waitForLog((l) => l.msg === 'draining');
    expect((await get(container.readinessProbe.httpGet.path).catch(() => ({ status: 503 }))).status).toBe(503);
    expect(await s.exit).toBe(0);
  });
});
