/** The orchestrator's handle on its load-generator processes: fan requests out, merge the replies. */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConnectReply, Reply, Request, StreamRequest, StreamResult } from './generator-protocol.js';
import type { SessionSpec } from './load-session.js';
import { forkModule } from './processes.js';
import { merge, newHistogram } from './stats.js';

const GENERATOR_SCRIPT = fileURLToPath(new URL('./generator.ts', import.meta.url));

class Generator {
  private readonly waiting: ((reply: Reply) => void)[] = [];
  private exitReason: string | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Reply) => this.waiting.shift()?.(message));
    child.once('exit', (code, signal) => {
      this.exitReason = `generator ${child.pid ?? '?'} exited (${code ?? signal})`;
      for (const waiter of this.waiting.splice(0)) waiter({ type: 'failed', message: this.exitReason });
    });
  }

  request(message: Request): Promise<Reply> {
    if (this.exitReason !== undefined) return Promise.reject(new Error(this.exitReason));
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(message);
    });
  }
}

function expect<T extends Reply['type']>(reply: Reply, type: T): Extract<Reply, { type: T }> {
  if (reply.type === 'failed') throw new Error(`load generator failed: ${reply.message}`);
  if (reply.type !== type) throw new Error(`load generator answered ${reply.type}, expected ${type}`);
  return reply as Extract<Reply, { type: T }>;
}

export class Generators {
  private readonly generators: Generator[];

  constructor(count: number) {
    this.generators = Array.from({ length: count }, () => new Generator(forkModule(GENERATOR_SCRIPT)));
  }

  get pids(): number[] {
    return this.generators.map((g) => g.child.pid ?? -1);
  }

  /** Opens `sessions` sessions split across the generators; resolves when all are ready (or failed). */
  async connect(spec: SessionSpec, sessions: number, stagger: boolean): Promise<ConnectReply> {
    const share = Math.ceil(sessions / this.generators.length);
    const replies = await Promise.all(
      this.generators.map(async (generator, i) => {
        const firstIndex = i * share;
        const count = Math.max(0, Math.min(share, sessions - firstIndex));
        const reply = await generator.request({
          type: 'connect',
          spec,
          count,
          firstIndex,
          totalSessions: sessions,
          stagger,
          concurrency: 25,
          readyTimeoutMs: 30000,
        });
        return expect(reply, 'connected');
      }),
    );
    return {
      type: 'connected',
      opened: replies.reduce((n, r) => n + r.opened, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      connectMs: Math.max(...replies.map((r) => r.connectMs)),
      errors: replies.flatMap((r) => r.errors),
    };
  }

  /** Streams on the connected sessions; the first generator samples the given pids. */
  async stream(request: Omit<StreamRequest, 'type'>): Promise<StreamResult> {
    const results = await Promise.all(
      this.generators.map(async (generator, i) => {
        const reply = await generator.request({ type: 'stream', ...request, sample: i === 0 ? request.sample : {} });
        return expect(reply, 'streamed').result;
      }),
    );
    return mergeResults(results);
  }

  async close(): Promise<void> {
    await Promise.all(this.generators.map(async (g) => expect(await g.request({ type: 'close' }), 'closed')));
  }

  async exit(): Promise<void> {
    await Promise.all(
      this.generators.map(
        (g) =>
          new Promise<void>((resolve) => {
            if (g.child.exitCode !== null) {
              resolve();
              return;
            }
            g.child.once('exit', () => resolve());
            g.child.send({ type: 'exit' });
            setTimeout(() => g.child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const record of records) for (const [key, value] of Object.entries(record)) out[key] = (out[key] ?? 0) + value;
  return out;
}

function sumArrays(arrays: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const array of arrays) array.forEach((value, i) => (out[i] = (out[i] ?? 0) + value));
  return out;
}

function mergeResults(results: readonly StreamResult[]): StreamResult {
  const first = results[0];
  if (first === undefined) throw new Error('no generator results');
  if (results.length === 1) return first;
  const latency = newHistogram();
  const lag = newHistogram();
  for (const result of results) {
    merge(latency, result.latency);
    merge(lag, result.lag);
  }
  const sum = (pick: (r: StreamResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    ...first,
    sessions: sum((r) => r.sessions),
    framesSent: sum((r) => r.framesSent),
    framesReceived: sum((r) => r.framesReceived),
    lost: sum((r) => r.lost),
    reordered: sum((r) => r.reordered),
    duplicates: sum((r) => r.duplicates),
    unmarked: sum((r) => r.unmarked),
    extra: sum((r) => r.extra),
    exactMatching: results.every((r) => r.exactMatching),
    latency,
    lag,
    slowFrames: results.flatMap((r) => r.slowFrames),
    secondSums: sumArrays(results.map((r) => r.secondSums)),
    secondCounts: sumArrays(results.map((r) => r.secondCounts)),
    windowMs: Math.max(...results.map((r) => r.windowMs)),
    // Total generator CPU across processes, in % of one core.
    generatorCpuPct: sum((r) => r.generatorCpuPct),
    machineBusyPct: first.machineBusyPct,
    stealPct: first.stealPct,
    frameSizes: sumRecords(results.map((r) => r.frameSizes)),
    firstFrameSizes: sumRecords(results.map((r) => r.firstFrameSizes)),
    events: sumRecords(results.map((r) => r.events)),
    errors: results.flatMap((r) => r.errors).slice(0, 20),
    closedEarly: sum((r) => r.closedEarly),
    drainMs: Math.max(...results.map((r) => r.drainMs)),
  };
}
