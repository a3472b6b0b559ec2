import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildWasm, WASM_PATH } from '../../src/audio/build-wasm.js';
import { createResampler } from '../../src/audio/resampler.js';
import { samplesToBuffer, toneSamples } from '../helpers/signals.js';

describe('polyphase-simd.wasm', () => {
  it('is exactly what polyphase-simd.wat builds to (npm run build:wasm)', async () => {
    const built = await buildWasm();
    expect(Buffer.from(readFileSync(WASM_PATH)).equals(Buffer.from(built))).toBe(true);
  });

  it('is copied next to the compiled loader by npm run build (test/global-setup.ts builds dist/ first)', () => {
    const compiled = new URL('../../dist/audio/polyphase-simd.wasm', import.meta.url);
    expect(Buffer.from(readFileSync(compiled)).equals(Buffer.from(readFileSync(WASM_PATH)))).toBe(true);
  });

  it('serves interleaved resamplers of different rate pairs as if each ran alone (one shared scratch area)', () => {
    const pairs: [number, number][] = [
      [16000, 24000],
      [24000, 16000],
      [48000, 24000],
      [24000, 44100],
    ];
    const inputs = pairs.map(([from], i) => samplesToBuffer(toneSamples({ rate: from, ms: 200, hz: 300 + 500 * i, dbfs: -6 })));
    const chunk = (from: number): number => (from * 20) / 1000;
    const alone = pairs.map(([from, to], i) => {
      const resampler = createResampler(from, to);
      const input = inputs[i] as Buffer;
      const parts: Buffer[] = [];
      for (let at = 0; at < input.length; at += chunk(from) * 2) parts.push(resampler.push(input.subarray(at, at + chunk(from) * 2)));
      return Buffer.concat([...parts, resampler.flush()]);
    });
    const resamplers = pairs.map(([from, to]) => createResampler(from, to));
    const together: Buffer[][] = pairs.map(() => []);
    for (let frame = 0; frame < 10; frame++) {
      pairs.forEach(([from], i) => {
        const at = frame * chunk(from) * 2;
        together[i]?.push((resamplers[i] as ReturnType<typeof createResampler>).push((inputs[i] as Buffer).subarray(at, at + chunk(from) * 2)));
      });
    }
    pairs.forEach((_, i) => {
      expect(Buffer.concat([...(together[i] as Buffer[]), (resamplers[i] as ReturnType<typeof createResampler>).flush()]).equals(alone[i] as Buffer)).toBe(true);
    });
  });
});
