import { describe, expect, it } from 'vitest';
import { chooseUpstreamFormat, upstreamBytesPerMs, upstreamBytesPerSample, upstreamRate } from '../../src/audio/upstream-formats.js';
import { ALAW, pcm, ULAW, UP_PCM, UP_PCMA, UP_PCMU } from '../helpers/audio-formats.js';

describe('chooseUpstreamFormat', () => {
  it('keeps G.711 upstream only when the same law goes both ways', () => {
    expect(chooseUpstreamFormat(ULAW, ULAW)).toEqual({ input: UP_PCMU, output: UP_PCMU, passThrough: true });
    expect(chooseUpstreamFormat(ALAW, ALAW)).toEqual({ input: UP_PCMA, output: UP_PCMA, passThrough: true });
    expect(chooseUpstreamFormat(ULAW, ALAW)).toEqual({ input: UP_PCM, output: UP_PCM, passThrough: false });
    expect(chooseUpstreamFormat(ALAW, ULAW)).toEqual({ input: UP_PCM, output: UP_PCM, passThrough: false });
    expect(chooseUpstreamFormat(ULAW, pcm(8000))).toEqual({ input: UP_PCM, output: UP_PCM, passThrough: false });
    expect(chooseUpstreamFormat(pcm(16000), pcm(16000))).toEqual({ input: UP_PCM, output: UP_PCM, passThrough: false });
    expect(chooseUpstreamFormat(pcm(24000), pcm(24000))).toEqual({ input: UP_PCM, output: UP_PCM, passThrough: true });
    expect(chooseUpstreamFormat(pcm(24000), pcm(48000)).passThrough).toBe(false);
  });
});

describe('sizes of the upstream formats', () => {
  it('24 kHz PCM16 is 48 bytes a ms, G.711 8', () => {
    expect([UP_PCM, UP_PCMU, UP_PCMA].map((f) => [upstreamRate(f), upstreamBytesPerSample(f), upstreamBytesPerMs(f)])).toEqual([
      [24000, 2, 48],
      [8000, 1, 8],
      [8000, 1, 8],
    ]);
  });
});
