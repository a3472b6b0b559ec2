/**
 * Upstream input that is legal but awkward, over real sockets: audio deltas that split a sample, and a response
 * whose text never ends. Neither may corrupt what the client gets or grow the proxy's memory without bound.
 */
import { describe, expect, it } from 'vitest';
import { startFaultUpstream, toneBytes, type FaultOptions, type FaultUpstream } from '../helpers/fault-upstream.js';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';
import { MAX_RESPONSE_TEXT_CHARS } from '../../src/session/response-relay.js';

let upstream: FaultUpstream | undefined;

const t = perTest(async () => {
  await upstream?.close();
  upstream = undefined;
});

/** A client of a proxy whose upstream answers every `text` with the response `options` describe. */
async function clientOf(options: FaultOptions, query = '', env: Record<string, string> = {}): Promise<TestClient> {
  upstream = await startFaultUpstream(options);
  t.proxy = await startProxy({ env: { OPENAI_REALTIME_URL: upstream.url, ...env } });
  t.client = await TestClient.connect(`${t.proxy.url}${query}`);
  await t.client.waitForType('AIConnected');
  return t.client;
}

describe('odd-length audio deltas', () => {
  it('a 24 kHz PCM16 client (bytes passed through) gets whole samples only, and every byte in order', async () => {
    const deltas = 9;
    const deltaBytes = 1921;
    const c = await clientOf({ deltas, deltaBytes }, '?inputRate=24000');
    c.sendJson({ type: 'text', text: 'talk to me' });
    await c.waitForType('AIResponseEnd');
    const frames = c.binaryFrames;
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((frame) => frame.length % 2 !== 0)).toEqual([]);
    // Everything the upstream sent, but the half sample left over at the end of the response.
    const sent = toneBytes(deltas * deltaBytes);
    expect(Buffer.concat(frames).equals(sent.subarray(0, sent.length & ~1))).toBe(true);
  });

  it('a 16 kHz client (resampled) gets whole samples: the same audio as from the same tone in even deltas', async () => {
    const even = await clientOf({ deltas: 9, deltaBytes: 1920 }, '?inputRate=16000');
    even.sendJson({ type: 'text', text: 'talk to me' });
    await even.waitForType('AIResponseEnd');
    const expected = Buffer.concat(even.binaryFrames);
    even.close();
    await t.proxy?.close();
    await upstream?.close();

    // The same tone cut into odd deltas (8 × 2161 = 9 × 1920 + 8 bytes): the same samples must come out.
    const odd = await clientOf({ deltas: 8, deltaBytes: 2161 }, '?inputRate=16000');
    odd.sendJson({ type: 'text', text: 'talk to me' });
    await odd.waitForType('AIResponseEnd');
    expect(odd.binaryFrames.filter((frame) => frame.length % 2 !== 0)).toEqual([]);
    const received = Buffer.concat(odd.binaryFrames);
    expect(received.subarray(0, expected.length - 64).equals(expected.subarray(0, expected.length - 64))).toBe(true);
  });
});

describe('a response whose text never ends', () => {
  it('text past 100,000 characters is neither sent nor kept; the client is told once; the audio and the session go on', async () => {
    // 400 transcript deltas of 10,000 characters: 4 MB of text in one response.
    // A high-water mark far above the 768 KB of audio, so none of it is dropped for a busy test machine.
    const c = await clientOf({ deltas: 400, transcriptDeltaChars: 10_000, deltaPauseMs: 0 }, '?inputRate=24000', { CLIENT_HIGH_WATER_MS: '60000' });
    c.sendJson({ type: 'text', text: 'talk to me' });
    const end = await c.waitForType('AIResponseEnd', 15_000);
    expect(String(end.finalText)).toHaveLength(MAX_RESPONSE_TEXT_CHARS);
    const shown = c.json.filter((m) => m.type === 'textDelta').map((m) => String(m.text)).join('');
    expect(shown).toBe(end.finalText);
    const truncated = c.json.filter((m) => m.type === 'error');
    expect(truncated).toEqual([expect.objectContaining({ code: 'response_text_truncated', fatal: false })]);
    expect(Buffer.concat(c.binaryFrames)).toHaveLength(400 * 1920);
    c.sendJson({ type: 'ping', id: 'after' });
    await c.waitFor((m) => m.type === 'pong' && m.id === 'after');
  });
});
