import { describe, expect, it } from 'vitest';
import { EnergyVad, thresholdToDbfs } from '../../src/emulator/vad.js';
import type { VadEvent, VadSettings } from '../../src/emulator/vad.js';
import { concatSamples, silenceSamples, speechLikeSamples, toneSamples } from '../helpers/signals.js';

const RATE = 24000;
const DEFAULTS: VadSettings = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };

/** Runs the VAD over `samples` in 20 ms pushes, as a client streams them. */
function run(samples: Int16Array, settings: VadSettings = DEFAULTS, rate = RATE): VadEvent[] {
  const vad = new EnergyVad(rate, settings);
  const step = (rate * 20) / 1000;
  const events: VadEvent[] = [];
  for (let i = 0; i < samples.length; i += step) events.push(...vad.push(samples.subarray(i, i + step)));
  return events;
}

const tone = (ms: number, dbfs: number, rate = RATE): Int16Array => toneSamples({ rate, ms, hz: 300, dbfs });
const silence = (ms: number, rate = RATE): Int16Array => silenceSamples(rate, ms);

/** Deterministic white noise at roughly `dbfs` RMS. */
function noise(ms: number, dbfs: number): Int16Array {
  const out = new Int16Array((RATE * ms) / 1000);
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(amplitude * ((seed / 0x7fffffff) * 2 - 1));
  }
  return out;
}

describe('thresholdToDbfs', () => {
  it('maps 0..1 linearly onto −60..−10 dBFS', () => {
    expect(thresholdToDbfs(0)).toBe(-60);
    expect(thresholdToDbfs(0.5)).toBe(-35);
    expect(thresholdToDbfs(1)).toBe(-10);
  });
});

describe('EnergyVad', () => {
  it('hears a −20 dBFS tone: start at onset minus prefix padding, stop once the silence duration has passed', () => {
    const events = run(concatSamples(silence(1000), tone(1000, -20), silence(700)));
    expect(events).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2500 },
    ]);
  });

  it('hears speech-like audio', () => {
    const events = run(concatSamples(silence(500), speechLikeSamples(RATE, 1200), silence(800)));
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
  });

  it('ignores silence and −60 dBFS noise at the default threshold', () => {
    expect(run(silence(2000))).toEqual([]);
    expect(run(noise(2000, -60))).toEqual([]);
  });

  it('honours the threshold: −40 dBFS speaks at 0.3 (−45 dBFS) but not at 0.5 (−35 dBFS)', () => {
    const audio = concatSamples(silence(200), tone(600, -40), silence(700));
    expect(run(audio)).toEqual([]);
    expect(run(audio, { ...DEFAULTS, threshold: 0.3 }).map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
  });

  it('honours prefix_padding_ms and floors the start at 0', () => {
    const audio = concatSamples(silence(500), tone(500, -20), silence(600));
    expect(run(audio, { ...DEFAULTS, prefixPaddingMs: 100 })[0]).toEqual({ type: 'speech_started', audioStartMs: 400 });
    expect(run(audio, { ...DEFAULTS, prefixPaddingMs: 800 })[0]).toEqual({ type: 'speech_started', audioStartMs: 0 });
  });

  it('honours silence_duration_ms: a pause shorter than it does not end the turn', () => {
    const audio = concatSamples(silence(200), tone(400, -20), silence(300), tone(400, -20), silence(1000));
    const long = run(audio, { ...DEFAULTS, silenceDurationMs: 500 });
    expect(long).toEqual([
      { type: 'speech_started', audioStartMs: 0 },
      { type: 'speech_stopped', audioEndMs: 1800 },
    ]);
    const short = run(audio, { ...DEFAULTS, silenceDurationMs: 200 });
    expect(short.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped', 'speech_started', 'speech_stopped']);
    expect(short[1]).toEqual({ type: 'speech_stopped', audioEndMs: 800 });
  });

  it('does not start on a single 10 ms click', () => {
    expect(run(concatSamples(silence(300), tone(10, -6), silence(700)))).toEqual([]);
  });

  it('works at 8 kHz and with pushes of any size', () => {
    const samples = concatSamples(silence(600, 8000), tone(800, -20, 8000), silence(600, 8000));
    const vad = new EnergyVad(8000, DEFAULTS);
    const events: VadEvent[] = [];
    for (let i = 0; i < samples.length; i += 37) events.push(...vad.push(samples.subarray(i, i + 37)));
    expect(events).toEqual([
      { type: 'speech_started', audioStartMs: 300 },
      { type: 'speech_stopped', audioEndMs: 1900 },
    ]);
  });

  it('counts time from originMs and forgets speech on reset', () => {
    const vad = new EnergyVad(RATE, DEFAULTS, 5000);
    expect(vad.push(concatSamples(silence(400), tone(200, -20)))).toEqual([{ type: 'speech_started', audioStartMs: 5100 }]);
    expect(vad.inSpeech).toBe(true);
    vad.reset();
    expect(vad.inSpeech).toBe(false);
    expect(vad.push(silence(1000))).toEqual([]);
  });
});
