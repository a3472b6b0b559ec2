/**
 * Smoke test of the Twilio path: plays a WAV file to the server as a Twilio Media Stream (src/client/twilio-caller.ts:
 * Twilio's messages, real-time pacing, marks acknowledged as the reply "plays"), saves the reply, hangs up with `stop`.
 * Exit status: 0 a reply came back; 1 none did, or the stream was refused or closed early; 2 bad arguments.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ulawEncode } from '../audio/g711.js';
import { createResampler } from '../audio/resampler.js';
import { TwilioCaller } from './twilio-caller.js';
import { encodeG711Wav, pcm16ToSamples, readWav, samplesToPcm16 } from './wav.js';

const USAGE = `Usage: npm run call:twilio -- --wav speech.wav [options]

  --wav FILE          WAV to play as the caller (any rate, mono or not; sent as μ-law 8 kHz)
  --url URL           the server's Twilio path (default ws://127.0.0.1:8080/twilio)
  --signed-url URL    the wss:// URL Twilio would have been given (what TWILIO_AUTH_TOKEN signs; default: --url as wss)
  --token TOKEN       a client token, sent as the stream parameter "token"
  --out FILE          write the reply as a μ-law WAV
  --timeout SEC       how long to wait for the reply (default 30)

With TWILIO_AUTH_TOKEN in the environment the upgrade carries Twilio's signature.`;

/** A reply is over once no audio came for this long. */
const QUIET_MS = 1500;
/** μ-law silence, 1 s: sent after the speech so that the server's turn detection ends the turn. */
const TRAILING_SILENCE = Buffer.alloc(8000, 0xff);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      wav: { type: 'string' },
      url: { type: 'string', default: 'ws://127.0.0.1:8080/twilio' },
      'signed-url': { type: 'string' },
      token: { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.wav === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const speech = await mulawOf(values.wav);
  const authToken = process.env.TWILIO_AUTH_TOKEN;
  const caller = await TwilioCaller.connect(values.url, {
    ...(authToken ? { authToken, signedUrl: values['signed-url'] ?? values.url.replace(/^ws:/, 'wss:') } : {}),
  });
  caller.start(values.token === undefined ? {} : { customParameters: { token: values.token } });
  process.stdout.write(`streaming ${speech.length / 8} ms as ${caller.streamSid}\n`);
  await caller.stream(Buffer.concat([speech, TRAILING_SILENCE]));

  const deadline = Date.now() + Number(values.timeout) * 1000;
  const lastMedia = (): number => caller.received.findLast((m) => m.event === 'media')?.at ?? 0;
  while (Date.now() < deadline && caller.socket.readyState === caller.socket.OPEN) {
    if (lastMedia() > 0 && performance.now() - lastMedia() > QUIET_MS) break;
    caller.sendMedia(TRAILING_SILENCE.subarray(0, 160));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reply = caller.receivedAudio();
  const count = (event: string): number => caller.received.filter((m) => m.event === event).length;
  process.stdout.write(`reply: ${reply.length / 8} ms in ${count('media')} media, ${count('mark')} marks, ${count('clear')} clears\n`);
  if (values.out !== undefined) await writeFile(values.out, encodeG711Wav(reply, 'g711_ulaw'));
  if (caller.socket.readyState === caller.socket.OPEN) await caller.hangUp();
  const closed = await caller.closed;
  process.stdout.write(`closed: ${closed.code} ${closed.reason}\n`);
  return reply.length > 0 ? 0 : 1;
}

/** The file's audio as μ-law 8 kHz: a μ-law 8 kHz file as it is, anything else resampled and encoded. */
async function mulawOf(path: string): Promise<Buffer> {
  const wav = readWav(await readFile(path));
  if (wav.encoding === 'g711_ulaw' && wav.g711 !== undefined) return Buffer.from(wav.g711);
  const resampler = createResampler(wav.rate, 8000);
  const pcm = wav.rate === 8000 ? samplesToPcm16(wav.samples) : Buffer.concat([resampler.push(samplesToPcm16(wav.samples)), resampler.flush()]);
  return Buffer.from(ulawEncode(pcm16ToSamples(pcm)));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
