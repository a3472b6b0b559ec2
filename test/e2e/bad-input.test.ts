import { describe, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { rawHttpGet } from '../helpers/raw-client.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

async function connected(query = '', env: Record<string, string> = {}): Promise<TestClient> {
  t.proxy = await startProxy({ env });
  t.client = await TestClient.connect(`${t.proxy.url}${query}`);
  await t.client.waitForType('AIConnected');
  return t.client;
}

/** Sends a frame, expects one non-fatal error with `code`, and proves the session still works. */
async function expectRecoverableError(c: TestClient, send: () => void, code: string): Promise<void> {
  const before = c.json.length;
  send();
  const error = await c.waitFor((m) => m.type === 'error', 5000, before);
  expect(error).toMatchObject({ code, fatal: false });
  expect(typeof error.message).toBe('string');
  c.sendJson({ type: 'ping', id: code });
  await c.waitFor((m) => m.type === 'pong' && m.id === code);
}

describe('bad client input gets a clear error and the session goes on', () => {
  it.each([
    ['malformed JSON', '{"type": "ping"', 'invalid_json'],
    ['a JSON array', '[1,2]', 'invalid_message'],
    ['no type', '{"id":1}', 'invalid_message'],
    ['an unknown type', '{"type":"launch_rockets"}', 'unknown_message_type'],
    ['text without text', '{"type":"text"}', 'invalid_message'],
    ['empty text', '{"type":"text","text":"   "}', 'invalid_message'],
    ['audio that is not base64', '{"type":"audio","audio":"!!notbase64!!"}', 'invalid_message'],
    ['playback without responseId', '{"type":"playback","playedMs":10}', 'invalid_message'],
    ['cancel with a negative playedMs', '{"type":"cancel","playedMs":-5}', 'invalid_message'],
    ['config with an unknown key', '{"type":"config","temperature":0.2}', 'invalid_message'],
    ['config with a bad voice', '{"type":"config","voice":"robot"}', 'invalid_message'],
    ['config with both modalities', '{"type":"config","outputModalities":["audio","text"]}', 'invalid_message'],
    ['config with a threshold above 1', '{"type":"config","turnDetection":{"type":"server_vad","threshold":3}}', 'invalid_message'],
  ])('%s → %s', async (_label, frame, code) => {
    const c = await connected();
    await expectRecoverableError(c, () => c.socket.send(frame), code);
  });

  it('an odd-length PCM16 frame → invalid_audio_frame', async () => {
    const c = await connected();
    await expectRecoverableError(c, () => c.sendBinary(Buffer.alloc(321)), 'invalid_audio_frame');
  });

  it('any length of G.711 is valid (no error for an odd frame)', async () => {
    const c = await connected('?inputFormat=g711_ulaw');
    c.sendBinary(Buffer.alloc(161, 0xff));
    c.sendJson({ type: 'ping', id: 'g711' });
    await c.waitFor((m) => m.type === 'pong');
    expect(c.json.some((m) => m.type === 'error')).toBe(false);
  });

  it('a frame over MAX_FRAME_BYTES closes with 1009', async () => {
    const c = await connected('', { MAX_FRAME_BYTES: '4096' });
    c.sendBinary(Buffer.alloc(4098));
    expect((await c.waitForClose()).code).toBe(1009);
  });

  it.each([
    ['?inputRate=17000', 'inputRate'],
    ['?inputFormat=mp3', 'mp3'],
    ['?inputFormat=g711_ulaw&inputRate=16000', '8000'],
    ['?outputRate=abc', 'outputRate'],
  ])('invalid query %s → invalid_audio_format, then close 1008', async (query, mentions) => {
    t.proxy = await startProxy();
    t.client = await TestClient.connect(`${t.proxy.url}${query}`);
    const error = await t.client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'invalid_audio_format', fatal: true });
    expect(String(error.message)).toContain(mentions);
    expect((await t.client.waitForClose()).code).toBe(1008);
    expect(t.proxy.emulator.sessions).toHaveLength(0);
  });
});

describe('client strings are echoed cut to 40 characters', () => {
  /** The message quotes the first 40 characters of `echoed`, then `…`, and never more of it. */
  function expectCut(message: unknown, echoed: string): void {
    expect(String(message)).toContain(`${echoed.slice(0, 40)}…`);
    expect(String(message)).not.toContain(echoed.slice(0, 41));
  }

  it.each([
    ['inputFormat', (long: string) => `?inputFormat=${long}`],
    ['outputFormat', (long: string) => `?outputFormat=${long}`],
    ['inputRate', (long: string) => `?inputRate=${long}`],
  ])('a 3,000-character %s in invalid_audio_format', async (_name, query) => {
    const long = 'q'.repeat(2999) + 'Z';
    t.proxy = await startProxy();
    t.client = await TestClient.connect(`${t.proxy.url}${query(long)}`);
    const error = await t.client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'invalid_audio_format' });
    expectCut(error.message, long);
  });

  it('an unknown type, a config with many long unknown keys, a long ping id; and an HTTP 404 path', async () => {
    const c = await connected();
    const long = 'k'.repeat(3000);
    c.sendJson({ type: long });
    expectCut((await c.waitFor((m) => m.code === 'unknown_message_type')).message, long);
    const keys = Array.from({ length: 200 }, (_, i) => `key${i}_${'k'.repeat(100)}`);
    c.sendJson({ type: 'config', ...Object.fromEntries(keys.map((key) => [key, 1])) });
    const config = await c.waitFor((m) => m.code === 'invalid_message');
    expectCut(config.message, keys.join(', '));
    // A pong echoes the id whole: a longer id is refused, never cut.
    c.sendJson({ type: 'ping', id: 'i'.repeat(41) });
    expect((await c.waitFor((m) => m.type === 'error' && String(m.message).includes('ping'))).code).toBe('invalid_message');
    c.sendJson({ type: 'ping', id: 'i'.repeat(40) });
    await c.waitFor((m) => m.type === 'pong' && m.id === 'i'.repeat(40));
    expect(c.json.filter((m) => m.type === 'pong')).toHaveLength(1);

    const path = `/${'p'.repeat(3000)}`;
    const missing = await fetch(`${t.proxy?.httpUrl}${path}`);
    expect(missing.status).toBe(404);
    expectCut(((await missing.json()) as { error: { message: string } }).error.message, path);
  });
});

describe('the upgrade gate', () => {
  it('refuses other paths with 404', async () => {
    t.proxy = await startProxy();
    await expect(TestClient.connect(`${t.proxy.url}v1/realtime`)).rejects.toEqual(new UpgradeRejected(404));
  });

  it('DNS rebinding: a page whose name points at the proxy is refused, whatever Host says; own origins come from configuration', async () => {
    t.proxy = await startProxy({ env: { PUBLIC_ORIGIN: 'https://voice.example.com' } });
    const port = t.proxy.server.port;
    const upgrade = (origin: string, host: string): Promise<number> =>
      rawHttpGet(port, '/', { upgrade: true, headers: { Host: host, Origin: origin } }).then((answer) => answer.status);
    expect(await upgrade(`http://evil.example:${port}`, `evil.example:${port}`)).toBe(403);
    expect(await upgrade(`https://evil.example`, 'evil.example')).toBe(403);
    // The listen address, the loopback names and PUBLIC_ORIGIN pass, whatever the Host header.
    expect(await upgrade(`http://127.0.0.1:${port}`, 'anything.example')).toBe(101);
    expect(await upgrade(`http://localhost:${port}`, `localhost:${port}`)).toBe(101);
    expect(await upgrade('https://voice.example.com', 'voice.example.com')).toBe(101);
    const rejected = (await t.proxy.server.metrics.upgradesRejected.get()).values;
    expect(rejected.find((sample) => sample.labels.reason === 'origin')?.value).toBe(2);
  });

  it('refuses a browser origin that is not allowed with 403 (logged with the origin and ALLOWED_ORIGINS), allows listed and same-origin pages', async () => {
    const logs: string[] = [];
    t.proxy = await startProxy({ env: { ALLOWED_ORIGINS: 'https://app.example', LOG_LEVEL: 'info' }, logStream: { write: (line) => void logs.push(line) } });
    await expect(TestClient.connect(t.proxy.url, { origin: 'https://evil.example' })).rejects.toEqual(new UpgradeRejected(403));
    const refused = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'upgrade refused');
    expect(refused).toMatchObject({ status: 403, reason: 'origin', origin: 'https://evil.example' });
    expect(JSON.stringify(refused)).toContain('ALLOWED_ORIGINS');
    t.client = await TestClient.connect(t.proxy.url, { origin: 'https://app.example' });
    await t.client.waitForType('AIConnected');
    t.client.close();
    t.client = await TestClient.connect(t.proxy.url, { origin: t.proxy.httpUrl });
    await t.client.waitForType('AIConnected');
  });
});
