/**
 * The switch gap of conversations that outlive the upstream session (docs/renewal.md): how long a client's audio
 * is held while its session moves to a new upstream session, for a planned renewal and for a recovery from a drop,
 * measured on this machine over loopback (the emulator as the upstream, in this process with the proxy):
 *
 *   npm run bench:renewal -- [--renewals 20] [--drops 15]
 *
 * One client streams 20 ms PCM16 frames in real time throughout. Planned: the upstream cap is 2 s with a 1 s margin,
 * so the session renews about a second after each new upstream session opens (it is quiet: silence only). Drops:
 * with the default cap, the current upstream session is dropped every 1.2 s, alternately 1006 (no close frame)
 * and 1011. The gap is the proxy's own figure (`SessionRenewed.gapMs`: from the start of the renewal, or from the
 * moment the drop was noticed, to the held audio going to the new session); the client also checks that every
 * byte it sent reached an upstream session. Loopback is the floor: over the internet add the service's connect
 * time (`audio_proxy_upstream_connect_seconds`).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startProxy, type TestProxy } from '../test/helpers/proxy.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { cpuMark, cpuPercentSince, machineBusyPercentSince, machineInfo, machineTicks } from './procfs.js';
import { median, sampleQuantile } from './stats.js';

const { values } = parseArgs({ options: { renewals: { type: 'string', default: '20' }, drops: { type: 'string', default: '15' } } });
const renewals = Math.min(Number(values.renewals), 200);
const drops = Math.min(Number(values.drops), 200);
const RATE = 24000;
const FRAME = Buffer.alloc((RATE / 1000) * 20 * 2);

interface Run {
  readonly gaps: number[];
  readonly sentBytes: number;
  readonly receivedBytes: number;
  readonly errors: number;
}

/** Streams 20 ms frames in real time on one client until `count` SessionRenewed events came, provoking them with `provoke`. */
async function run(proxy: TestProxy, count: number, provoke: (index: number) => void, everyMs: number): Promise<Run> {
  const client = await TestClient.connect(`${proxy.url}?inputRate=${RATE}&outputRate=${RATE}`);
  await client.waitForType('AIConnected');
  let sent = 0;
  const stream = setInterval(() => {
    client.sendBinary(FRAME);
    sent += FRAME.length;
  }, 20);
  let provoked = 0;
  const trigger = everyMs > 0 ? setInterval(() => provoke(provoked++), everyMs) : undefined;
  const renewed = () => client.json.filter((m) => m.name === 'SessionRenewed');
  try {
    const failed = () => client.json.find((m) => m.type === 'error' && m.fatal === true);
    await client.waitUntil(() => renewed().length >= count || failed(), 5000 + count * 3000);
    const fatal = failed();
    if (fatal !== undefined) throw new Error(`the session ended: ${JSON.stringify(fatal)}`);
  } finally {
    clearInterval(stream);
    clearInterval(trigger);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const received = proxy.emulator.sessions.reduce((sum, s) => sum + s.appendedBytes, 0);
  const errors = client.json.filter((m) => m.type === 'error').length;
  client.close();
  return { gaps: renewed().map((m) => Number(m.gapMs)), sentBytes: sent, receivedBytes: received, errors };
}

function line(label: string, result: Run): string {
  const { gaps } = result;
  const fmt = (v: number) => v.toFixed(0);
  return `${label.padEnd(26)} n=${String(gaps.length).padStart(3)}  p50 ${fmt(median(gaps))} ms  p90 ${fmt(sampleQuantile(gaps, 0.9))} ms  max ${fmt(Math.max(...gaps))} ms  audio sent ${result.sentBytes} B, reached an upstream ${result.receivedBytes} B, errors ${result.errors}`;
}

async function main(): Promise<void> {
  const info = machineInfo();
  const cores = cpus().length;
  console.log(`renewal bench: ${String(info.cpuModel)}, ${cores} cores, node ${String(info.node)}, loadavg at start ${String(info.loadavg)}`);
  const ticks = machineTicks();
  const own = cpuMark(process.pid);

  const planned = await startProxy({ env: { UPSTREAM_MAX_SESSION_SECONDS: '2', UPSTREAM_RENEW_MARGIN_SECONDS: '1' }, emulator: { recordEvents: false } });
  const plannedRun = await run(planned, renewals, () => undefined, 0);
  await planned.close();

  // Drops 1.2 s apart with a 1 s reconnect window: each is a fresh recovery (closer ones would share one budget).
  const dropping = await startProxy({ env: { UPSTREAM_RECONNECT_WINDOW_SECONDS: '1' }, emulator: { recordEvents: false } });
  const dropRun = await run(dropping, drops, (i) => dropping.emulator.sessions.at(-1)?.drop(i % 2 === 0 ? 1006 : 1011), 1200);
  await dropping.close();

  const busy = machineBusyPercentSince(ticks, cores);
  const mine = cpuPercentSince(own);
  console.log(line('planned (max_duration)', plannedRun));
  console.log(line('drop (upstream_lost)', dropRun));
  console.log(`other load on the machine during the run: ${Math.max(0, busy - mine).toFixed(0)} % of a core (this process: ${mine.toFixed(0)} %); loadavg at end ${String(machineInfo().loadavg)}`);
  console.log('Over a drop, audio written to the connection before the drop was noticed is lost with it (docs/renewal.md): "reached" may be a little below "sent".');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
