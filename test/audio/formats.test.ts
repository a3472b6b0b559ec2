import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesForMs, bytesPerMs, durationMs, PCM16_RATES, UPSTREAM_PCM_RATE, validateFormat, type AudioFormat } from '../../src/audio/formats.js';

const pcm = (rate: number): AudioFormat => ({ encoding: 'pcm16', rate });
const ULAW: AudioFormat = { encoding: 'g711_ulaw', rate: 8000 };
const ALAW: AudioFormat = { encoding: 'g711_alaw', rate: 8000 };

describe('audio formats', () => {
  it('lists the nine PCM16 rates and the upstream rate', () => {
    expect([...PCM16_RATES]).toEqual([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
    expect(UPSTREAM_PCM_RATE).toBe(24000);
  });

  it('computes bytes per ms, fractional where the rate is', () => {
    expect(bytesPerMs(pcm(24000))).toBe(48);
    expect(bytesPerMs(pcm(16000))).toBe(32);
    expect(bytesPerMs(pcm(44100))).toBeCloseTo(88.2, 10);
    expect(bytesPerMs(pcm(11025))).toBeCloseTo(22.05, 10);
    expect(bytesPerMs(ULAW)).toBe(8);
    expect(bytesPerMs(ALAW)).toBe(8);
  });

  it('converts bytes to duration', () => {
    expect(durationMs(960, pcm(24000))).toBe(20);
    expect(durationMs(160, ULAW)).toBe(20);
    expect(durationMs(1764, pcm(44100))).toBeCloseTo(20, 10);
  });

  it('rounds bytesForMs down to whole samples', () => {
    expect(bytesForMs(20, pcm(24000))).toBe(960);
    expect(bytesForMs(20, pcm(44100))).toBe(1764);
    expect(bytesForMs(20, pcm(11025))).toBe(440); // 220.5 samples → 220
    expect(bytesForMs(20, pcm(22050))).toBe(882);
    expect(bytesForMs(20, ULAW)).toBe(160);
    expect(bytesForMs(0.1, pcm(8000))).toBe(0);
    expect(bytesForMs(-5, pcm(8000))).toBe(0);
  });

  it('bytesForMs is always whole samples and never more than the duration (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PCM16_RATES), fc.double({ min: 0, max: 10_000, noNaN: true }), (rate, ms) => {
        const bytes = bytesForMs(ms, pcm(rate));
        return bytes % 2 === 0 && durationMs(bytes, pcm(rate)) <= ms + 1e-6 && durationMs(bytes + 2, pcm(rate)) > ms - 1e-6;
      }),
    );
  });

  it('validates encoding and rate, G.711 only at 8 kHz', () => {
    expect(validateFormat('pcm16', 16000)).toEqual({ ok: true, format: { encoding: 'pcm16', rate: 16000 } });
    expect(validateFormat('g711_ulaw', 8000)).toEqual({ ok: true, format: ULAW });
    expect(validateFormat('g711_alaw', 8000)).toEqual({ ok: true, format: ALAW });
    for (const rate of PCM16_RATES) expect(validateFormat('pcm16', rate).ok).toBe(true);
    const bad: [string, number][] = [
      ['pcm16', 96000],
      ['pcm16', 16000.5],
      ['pcm16', Number.NaN],
      ['g711_ulaw', 16000],
      ['g711_alaw', 24000],
      ['opus', 48000],
      ['', 8000],
    ];
    for (const [encoding, rate] of bad) {
      const result = validateFormat(encoding, rate);
      expect(result.ok, `${encoding}@${rate}`).toBe(false);
      if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
    }
    const g711 = validateFormat('g711_ulaw', 16000);
    expect(!g711.ok && g711.message).toContain('8000');
  });
});
