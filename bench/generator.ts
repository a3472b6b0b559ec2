/**
 * Load-generator process (forked by bench/run.ts): opens sessions, streams frames in real time from ONE timer for
 * all of them, and reports latency, loss, order, its own lag and CPU. Talks to the parent over IPC only.
 *
 * Scheduling: frame k of session i is due at start + offset_i + k·frameMs, where offset_i spreads the sessions
 * over the frame period (`stagger`, as independent real clients would be) or is 0 for all (a burst per period).
 * Each timer tick sends every frame that is due, stamping its send time just before `send`, then sleeps until
 * the next due frame. A tick that runs late sends the overdue frames at once: the lag histogram shows it.
 */
import { availableParallelism } from 'node:os';
import { cpuMark, cpuPercentSince, cpuSplitSince, machineBusyPercentSince, machineTicks, stealPercentSince, rssKiB, type CpuMark, type MachineTicks } from './procfs.js';
import type { ConnectReply, ConnectRequest, Reply, Request, StreamRequest, StreamResult } from './generator-protocol.js';
import { LoadSession, type Target } from './load-session.js';
import { newTally } from './tally.js';
import type { ConversationSpec } from './reply-tracker.js';

let sessions: LoadSession[] = [];
let target: Target = 'proxy';
let frameMs = 20;
let conversation: ConversationSpec | undefined;

function reply(message: Reply): void {
  process.send?.(message);
}

async function connect(request: ConnectRequest): Promise<ConnectReply> {
  const started = performance.now();
  target = request.spec.target;
  frameMs = request.spec.frameMs;
  conversation = request.spec.conversation;
  const errors: string[] = [];
  let failed = 0;
  const opened: LoadSession[] = [];
  for (let from = 0; from < request.count; from += request.concurrency) {
    const batch: LoadSession[] = [];
    for (let i = from; i < Math.min(request.count, from + request.concurrency); i++) {
      const session = new LoadSession(request.spec);
      const globalIndex = request.firstIndex + i;
      session.offsetMs = request.stagger ? (globalIndex * request.spec.frameMs) / request.totalSessions : 0;
      // Turns end spread over the turn period too (a reply burst every turnMs / N ms across the sessions).
      const turnMs = request.spec.conversation?.turnMs ?? 0;
      session.turnOffsetMs = request.stagger ? (turnMs * (globalIndex + 1)) / request.totalSessions : turnMs;
      batch.push(session);
    }
    const results = await Promise.allSettled(batch.map((session) => withTimeout(session.ready, request.readyTimeoutMs)));
    results.forEach((result, i) => {
      const session = batch[i] as LoadSession;
      if (result.status === 'fulfilled') {
        opened.push(session);
      } else {
        failed += 1;
        if (errors.length < 10) errors.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
        void session.close(100);
      }
    });
  }
  // Appends: the idle-memory measurement connects in two batches.
  sessions.push(...opened);
  return { type: 'connected', opened: opened.length, failed, connectMs: performance.now() - started, errors };
}

async function stream(request: StreamRequest): Promise<StreamResult> {
  const frames = Math.round((request.durationS * 1000) / frameMs);
  const warmupFrames = Math.min(frames - 1, Math.round((request.warmupS * 1000) / frameMs));
  const startMs = request.startAtEpochMs - performance.timeOrigin;
  const endMs = startMs + frames * frameMs;
  const windowStartMs = startMs + warmupFrames * frameMs;
  const tally = newTally();
  for (const session of sessions) session.begin(tally, frames, warmupFrames, windowStartMs);

  let selfMark: NodeJS.CpuUsage | undefined;
  let selfWallMs = 0;
  let middleMark: CpuMark | undefined;
  let emulatorMark: CpuMark | undefined;
  let rssMax = 0;
  let rssTimer: NodeJS.Timeout | undefined;
  let machineMark: MachineTicks | undefined;
  const openWindow = (): void => {
    machineMark = machineTicks();
    selfMark = process.cpuUsage();
    selfWallMs = performance.now();
    if (request.sample.middle !== undefined) {
      const pid = request.sample.middle;
      middleMark = cpuMark(pid);
      rssMax = rssKiB(pid);
      rssTimer = setInterval(() => {
        rssMax = Math.max(rssMax, rssKiB(pid));
      }, 250);
    }
    if (request.sample.emulator !== undefined) emulatorMark = cpuMark(request.sample.emulator);
  };

  await new Promise<void>((resolve) => {
    let windowOpen = false;
    const tick = (): void => {
      const now = performance.now();
      if (!windowOpen && now >= windowStartMs) {
        windowOpen = true;
        openWindow();
      }
      let nextDue = Infinity;
      for (const session of sessions) {
        while (session.nextSeq < frames) {
          const due = startMs + session.offsetMs + session.nextSeq * frameMs;
          if (due > now) {
            if (due < nextDue) nextDue = due;
            break;
          }
          session.sendNext(due);
        }
        // Conversation load: the turn's commit (the reply's latency runs from when it was actually sent).
        if (conversation === undefined) continue;
        for (;;) {
          const due = startMs + session.turnOffsetMs + session.commitsSent * conversation.turnMs;
          if (due >= endMs) break;
          if (due > now) {
            if (due < nextDue) nextDue = due;
            break;
          }
          session.sendCommit();
        }
      }
      if (nextDue === Infinity) {
        if (!windowOpen) openWindow();
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, nextDue - performance.now()));
    };
    setTimeout(tick, Math.max(0, startMs - performance.now()));
  });

  // The measured window ends with the last frame sent; then wait for the echoes still in flight.
  const windowMs = performance.now() - selfWallMs;
  const selfUsage = process.cpuUsage(selfMark);
  const generatorCpuPct = windowMs > 0 ? (100 * (selfUsage.user + selfUsage.system)) / 1000 / windowMs : Number.NaN;
  const middleSplit = middleMark ? cpuSplitSince(middleMark) : undefined;
  const middleCpuPct = middleSplit ? middleSplit.user + middleSplit.system : undefined;
  const emulatorCpuPct = emulatorMark ? cpuPercentSince(emulatorMark) : undefined;
  const machineBusyPct = machineMark ? machineBusyPercentSince(machineMark, availableParallelism()) : Number.NaN;
  const stealPct = machineMark ? stealPercentSince(machineMark, availableParallelism()) : Number.NaN;
  if (rssTimer) clearInterval(rssTimer);
  const middleRssEndKiB = request.sample.middle !== undefined ? rssKiB(request.sample.middle) : undefined;
  if (middleRssEndKiB !== undefined) rssMax = Math.max(rssMax, middleRssEndKiB);

  const drainStarted = performance.now();
  while (performance.now() - drainStarted < request.drainMs && !sessions.every((s) => s.complete)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const drainMs = performance.now() - drainStarted;

  let sent = 0;
  let received = 0;
  for (const session of sessions) {
    const counts = session.end();
    sent += counts.sent;
    received += counts.received;
  }
  return {
    target,
    sessions: sessions.length,
    framesPerSession: frames,
    framesSent: sent,
    framesReceived: received,
    lost: sent - received,
    reordered: tally.reordered,
    duplicates: tally.duplicates,
    unmarked: tally.unmarked,
    extra: tally.extra,
    exactMatching: sessions.every((s) => s.exact),
    latency: tally.latency,
    lag: tally.lag,
    slowFrames: tally.slowFrames,
    secondSums: tally.secondSums.map((v) => v ?? 0),
    secondCounts: tally.secondCounts.map((v) => v ?? 0),
    windowMs,
    generatorCpuPct,
    machineBusyPct,
    stealPct,
    ...(middleSplit === undefined ? {} : { middleCpuPct, middleSystemCpuPct: middleSplit.system }),
    ...(emulatorCpuPct === undefined ? {} : { emulatorCpuPct }),
    ...(request.sample.middle === undefined ? {} : { middleRssMaxKiB: rssMax, middleRssEndKiB }),
    frameSizes: Object.fromEntries(tally.frameSizes),
    firstFrameSizes: Object.fromEntries(tally.firstFrameSizes),
    events: Object.fromEntries(tally.events),
    errors: tally.errors,
    closedEarly: sessions.filter((s) => s.closedEarly !== undefined).length,
    drainMs,
  };
}

async function closeAll(): Promise<void> {
  await Promise.all(sessions.map((session) => session.close()));
  sessions = [];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'connect':
      reply(await connect(request));
      return;
    case 'stream':
      reply({ type: 'streamed', result: await stream(request) });
      return;
    case 'close':
      await closeAll();
      reply({ type: 'closed' });
      return;
    case 'exit':
      await closeAll();
      process.exit(0);
  }
}

process.on('message', (message: Request) => {
  handle(message).catch((error: unknown) => reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
// The parent going away (crash, SIGKILL) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
