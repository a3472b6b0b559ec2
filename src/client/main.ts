/**
 * Command-line client: streams a WAV file to the proxy in real time, prints the events, saves the reply.
 * Exit status: 0 success; 1 the session failed (an `error` event, a close other than 1000, a timeout);
 * 2 bad arguments or an unreadable input file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeError, isEvent, runClientSession } from './session.js';
import type { ClientSessionResult, ProxyMessage } from './session.js';
import { encodeG711Wav, encodeWav, pcm16ToSamples, readWav } from './wav.js';
import type { WavAudio } from './wav.js';

const USAGE = `Usage: npm run client -- [--in speech.wav] [--text "…"] [options]

Streams a WAV file (PCM 8/16/24/32-bit or float, any rate, downmixed to mono) to the voice proxy in
real time, 20 ms per frame, followed by 1 s of silence so the server ends the turn; then (or instead)
sends --text as a typed message. Prints every event and saves the reply audio. A mono 8 kHz μ-law or
A-law WAV is sent as G.711, byte for byte, the way a phone gateway does (inputFormat=g711_ulaw or
g711_alaw), and the reply comes back and is saved in the same law (unless --out-rate asks for PCM).

  --in FILE         WAV file to stream
  --text TEXT       a text message to send (after the audio's reply, or alone)
  --url URL         the proxy (default ws://localhost:8080/)
  --out FILE        write the reply audio as a 16-bit mono WAV
  --out-rate HZ     reply sample rate (default: the input file's rate, or 16000)
  --token TOKEN     client token, sent as "Authorization: Bearer TOKEN"
  --timeout SEC     how long to wait for a reply (default 30)
  --json            print one JSON object per line instead of readable lines
  -h, --help        this text

Exit status: 0 success, 1 the session failed, 2 bad arguments or input file.`;

interface CliOptions {
  readonly in?: string;
  readonly text?: string;
  readonly url: string;
  readonly out?: string;
  readonly outRate?: number;
  readonly token?: string;
  readonly timeoutMs: number;
  readonly json: boolean;
}

class UsageError extends Error {}

function parseCli(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      in: { type: 'string' },
      text: { type: 'string' },
      url: { type: 'string', default: 'ws://localhost:8080/' },
      out: { type: 'string' },
      'out-rate': { type: 'string' },
      token: { type: 'string' },
      timeout: { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.in === undefined && values.text === undefined) throw new UsageError('give --in FILE, --text TEXT, or both');
  if (values.text !== undefined && values.text.trim() === '') throw new UsageError('--text must not be empty');
  if (!/^wss?:\/\//.test(values.url)) throw new UsageError(`--url must start with ws:// or wss://, got ${values.url}`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  const outRate = values['out-rate'] === undefined ? undefined : Number(values['out-rate']);
  if (outRate !== undefined && !(Number.isInteger(outRate) && outRate > 0)) {
    throw new UsageError(`--out-rate must be a sample rate in Hz, got ${values['out-rate']}`);
  }
  return {
    url: values.url,
    timeoutMs: timeout * 1000,
    json: values.json,
    ...(values.in === undefined ? {} : { in: values.in }),
    ...(values.text === undefined ? {} : { text: values.text }),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(outRate === undefined ? {} : { outRate }),
    ...(values.token === undefined ? {} : { token: values.token }),
  };
}

/** One readable line for a proxy message. */
function formatMessage(message: ProxyMessage): string {
  const fields = Object.entries(message)
    .filter(([key]) => key !== 'type' && key !== 'name')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  if (message.type === 'error') return `ERROR ${describeError(message)}${message.fatal === true ? ' (fatal)' : ''}`;
  const label = message.type === 'event' ? String(message.name) : String(message.type);
  return fields ? `${label} ${fields}` : label;
}

function timestamp(atMs: number): string {
  return `[${(atMs / 1000).toFixed(3).padStart(7)}s]`;
}

async function run(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let wav: WavAudio | undefined;
  if (options.in !== undefined) {
    try {
      wav = readWav(await readFile(options.in));
    } catch (error) {
      process.stderr.write(`cannot read ${options.in}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }

  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const tty = process.stderr.isTTY;
  let responseBytes = 0;
  let progressShown = false;
  if (wav && !options.json) {
    const seconds = (wav.samples.length / wav.rate).toFixed(2);
    const sentAs = wav.g711 ? ` (sent as ${wav.encoding}, untouched)` : '';
    print(`streaming ${options.in ?? ''}: ${seconds} s, ${wav.rate} Hz, ${wav.channels} channel(s), ${wav.bitsPerSample}-bit ${wav.encoding}${sentAs} → ${options.url}`);
  }

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result: ClientSessionResult = await runClientSession({
    url: options.url,
    ...(wav ? { audio: wav.g711 && wav.encoding !== 'pcm' && wav.encoding !== 'float' ? { law: wav.encoding, bytes: wav.g711 } : { samples: wav.samples, rate: wav.rate } } : {}),
    ...(options.text === undefined ? {} : { text: options.text }),
    ...(options.outRate === undefined ? {} : { outputRate: options.outRate }),
    ...(options.token === undefined ? {} : { token: options.token }),
    responseTimeoutMs: options.timeoutMs,
    signal: controller.signal,
    onMessage: (message, atMs) => {
      if (progressShown) {
        process.stderr.write('\r\x1b[K');
        progressShown = false;
      }
      if (options.json) {
        print(JSON.stringify({ atMs: Math.round(atMs), ...message }));
        return;
      }
      if (isEvent(message, 'AIResponseStart')) responseBytes = 0;
      const audio = isEvent(message, 'AIResponseEnd') && responseBytes > 0 ? ` (audio received: ${responseBytes} bytes)` : '';
      print(`${timestamp(atMs)} ${formatMessage(message)}${audio}`);
    },
    onAudio: (bytes) => {
      responseBytes += bytes;
    },
    onProgress: (sentMs, totalMs) => {
      const line = `sent ${(sentMs / 1000).toFixed(1)} / ${(totalMs / 1000).toFixed(1)} s of audio`;
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        progressShown = true;
      } else if (sentMs >= totalMs) {
        process.stderr.write(`${line}\n`);
      }
    },
  });
  if (progressShown) process.stderr.write('\n');

  await reportReply(result, options, print);
  if (!result.ok) {
    process.stderr.write(`failed: ${result.failure ?? 'unknown reason'}\n`);
    return 1;
  }
  return 0;
}

/**
 * The reply's length, and the reply saved with --out (G.711 replies stay G.711). A connection that never opened
 * has no reply to speak of, not even an empty one: only the JSON summary says so.
 */
async function reportReply(result: ClientSessionResult, options: CliOptions, print: (line: string) => void): Promise<void> {
  const g711 = result.outputFormat !== 'pcm16';
  const replyMs = Math.round(g711 ? result.replyAudio.length / 8 : (pcm16ToSamples(result.replyAudio).length * 1000) / result.outputRate);
  if (options.out !== undefined && result.connected) {
    const file = result.outputFormat === 'pcm16' ? encodeWav(pcm16ToSamples(result.replyAudio), result.outputRate) : encodeG711Wav(result.replyAudio, result.outputFormat);
    await writeFile(options.out, file);
  }
  if (options.json) {
    print(
      JSON.stringify({
        type: 'client.summary',
        ok: result.ok,
        ...(result.failure === undefined ? {} : { failure: result.failure }),
        closeCode: result.closeCode ?? null,
        responses: result.responses,
        ...(result.connected ? { replyMs } : {}),
        outputFormat: result.outputFormat,
        outputRate: result.outputRate,
        ...(options.out === undefined ? {} : { out: options.out }),
      }),
    );
  } else if (result.connected) {
    const saved = options.out === undefined ? '' : `, saved to ${options.out}`;
    print(`reply audio: ${(replyMs / 1000).toFixed(2)} s at ${result.outputRate} Hz${g711 ? ` ${result.outputFormat}` : ''}${saved}`);
  }
}

process.exitCode = await run(process.argv.slice(2));
