/**
 * The demo page in a real browser: Debian's Chromium, headless, with a fake microphone that plays a WAV
 * fixture, against the proxy and the emulator (which echoes what it hears). Without Chromium the suite is
 * skipped locally and fails under CI.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/client/wav.js';
import { startProxy } from '../helpers/proxy.js';
import type { TestProxy } from '../helpers/proxy.js';
import { silenceSamples } from '../helpers/signals.js';
import { startSubPathProxy } from '../helpers/sub-path-proxy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs/demo-page.png') : join(ROOT, 'test-results/demo-page.png');

type Json = Record<string, unknown>;

/** What `window.voiceProxyDemo` exposes (see src/http/public/app.js). */
interface DemoDebug {
  readonly state: string;
  readonly stats: {
    readonly audioFramesReceived: number;
    readonly audioBytesReceived: number;
    readonly audioFramesSent: number;
    readonly events: readonly string[];
    readonly interruptions: number;
  };
}

declare global {
  interface Window {
    voiceProxyDemo: DemoDebug;
  }
}

describe.skipIf(!HAVE_CHROMIUM && !process.env.CI)('demo page in headless Chromium', () => {
  let proxy: TestProxy;
  let dir: string;
  let context: BrowserContext | undefined;
  /** JSON frames the page sent and received on its WebSocket, for the current page. */
  let sentJson: Json[] = [];
  let receivedJson: Json[] = [];
  /** URLs of the WebSockets the current page opened. */
  let socketUrls: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium), as .ci/run does`);
    }
    // The barge-in fixture talks again 0.8 s after its first utterance ends (VAD silence 0.5 s included): with the
    // emulator's default 300 ms think time the reply would barely have started. A quicker model keeps it audible.
    proxy = await startProxy({ emulator: { behaviour: { modelLatencyMs: 100 } } });
    dir = mkdtempSync(join(tmpdir(), 'voice-browser-'));
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts Chromium with `wav` as its microphone (played once, then silence) and opens the demo page. */
  async function openPage(wav: string, url = `${proxy.httpUrl}/`): Promise<Page> {
    const profile = mkdtempSync(join(dir, 'profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 960, height: 780 },
      reducedMotion: 'reduce', // no colour transitions half-way through in the screenshot
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}%noloop`,
        '--autoplay-policy=no-user-gesture-required',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    sentJson = [];
    receivedJson = [];
    socketUrls = [];
    page.on('websocket', (socket) => {
      socketUrls.push(socket.url());
      socket.on('framesent', ({ payload }) => {
        if (typeof payload === 'string') sentJson.push(JSON.parse(payload) as Json);
      });
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string') receivedJson.push(JSON.parse(payload) as Json);
      });
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    expect(pageErrors).toEqual([]);
    return page;
  }

  const debug = (page: Page): Promise<DemoDebug> =>
    page.evaluate(() => ({ state: window.voiceProxyDemo.state, stats: window.voiceProxyDemo.stats }));

  /** Waits until the page's debug view satisfies `predicate`; the failure message shows what the page saw. */
  async function waitForDemo(page: Page, what: string, predicate: (d: DemoDebug) => boolean, timeoutMs = 20_000): Promise<DemoDebug> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await debug(page);
      if (predicate(seen)) return seen;
      if (Date.now() > deadline) {
        const events = seen.stats.events.filter((e) => e !== 'textDelta').join(', ');
        throw new Error(`timed out waiting for ${what}; state=${seen.state}; events: ${events}`);
      }
      await page.waitForTimeout(100);
    }
  }

  const count = (events: readonly string[], name: string): number => events.filter((e) => e === name).length;

  it('hears the user, plays the echoed reply, shows the text and returns to listening', { timeout: 60_000 }, async () => {
    const page = await openPage(join(ROOT, 'test/fixtures/speech-48k.wav'));
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Disconnected');
    // The upstream is a real (test) realtime server, not the built-in emulator: no "simulated" notice.
    await expect.poll(() => page.locator('#simulated').isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Start' }).click();
    await waitForDemo(page, 'the user to be heard', (d) => d.stats.events.includes('AISpeechDetected'));
    const done = await waitForDemo(
      page,
      'the reply to finish playing',
      (d) => d.stats.events.includes('AIResponseEnd') && d.state === 'listening',
    );

    expect(done.stats.events.slice(0, 1)).toEqual(['AIConnected']);
    for (const name of ['AISpeechEnded', 'AIResponseStart', 'textDelta']) expect(done.stats.events).toContain(name);
    expect(done.stats.interruptions).toBe(0);
    expect(done.stats.audioFramesSent).toBeGreaterThan(50);
    expect(done.stats.audioFramesReceived).toBeGreaterThan(0);
    // The echo of ~1.6 s of speech at 48 kHz PCM16 is well over one second of audio.
    expect(done.stats.audioBytesReceived).toBeGreaterThan(48_000 * 2);

    // Playback progress went back to the proxy while playing, and once at the end with everything played.
    const rate = Number((receivedJson.find((m) => m.name === 'AIConnected')?.output as Json | undefined)?.rate);
    const responseId = receivedJson.find((m) => m.name === 'AIResponseStart')?.responseId;
    const reports = sentJson.filter((m) => m.type === 'playback');
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(reports.every((r) => r.responseId === responseId)).toBe(true);
    const played = reports.map((r) => Number(r.playedMs));
    expect(played).toEqual([...played].sort((a, b) => a - b));
    const receivedMs = (done.stats.audioBytesReceived / 2 / rate) * 1000;
    expect(Math.abs((played.at(-1) ?? 0) - receivedMs)).toBeLessThanOrEqual(1);

    const assistant = page.locator('li.assistant .text').first();
    await expect.poll(() => assistant.textContent()).toMatch(/\S/);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Listening');
    await expect.poll(() => page.locator('li.user .text').first().textContent()).toMatch(/\S/);
    expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(true);


    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Disconnected');
    expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
  });

  it('stops the reply when the user talks over it, then carries on', { timeout: 60_000 }, async () => {
    const page = await openPage(join(ROOT, 'test/fixtures/barge-in-48k.wav'));
    await page.getByRole('button', { name: 'Start' }).click();

    const interrupted = await waitForDemo(page, 'AIInterrupted', (d) => d.stats.events.includes('AIInterrupted'));
    expect(interrupted.stats.interruptions).toBe(1);
    const beforeInterruption = interrupted.stats.events.slice(0, interrupted.stats.events.indexOf('AIInterrupted'));
    expect(beforeInterruption).toContain('AIResponseStart');
    expect(count(beforeInterruption, 'AISpeechDetected')).toBeGreaterThanOrEqual(1);
    // The proxy cut the assistant's item at what the page had played.
    const heard = Number(receivedJson.find((m) => m.name === 'AIInterrupted')?.playedMs);
    expect(heard).toBeGreaterThan(0);
    await expect
      .poll(() => proxy.emulator.sessions.at(-1)?.events.find((e) => e.type === 'conversation.item.truncate')?.audio_end_ms)
      .toBe(heard);

    // The second utterance gets its own reply, played to the end.
    const recovered = await waitForDemo(
      page,
      'the second reply to finish',
      (d) => count(d.stats.events, 'AIResponseEnd') >= 2 && d.state === 'listening',
    );
    expect(recovered.stats.interruptions).toBe(1);
    expect(count(recovered.stats.events, 'AISpeechDetected')).toBe(2);
    expect(count(recovered.stats.events, 'AIResponseStart')).toBe(2);
    await expect.poll(() => page.locator('li.assistant').first().textContent()).toContain('(interrupted)');
    await expect.poll(() => page.locator('li.assistant .text').nth(1).textContent()).toMatch(/\S/);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Listening');

    // The README's picture: two spoken turns, the first one interrupted.
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  const SPEECH = join(ROOT, 'test/fixtures/speech-48k.wav');

  it('served under a sub-path behind a reverse proxy, with the built-in emulator: says the replies are simulated, and talks there', { timeout: 60_000 }, async () => {
    let backendPort = 0;
    const front = await startSubPathProxy(() => backendPort, '/voice/');
    // Behind a reverse proxy the page's origin is the proxy's: the operator names it (PUBLIC_ORIGIN).
    const local = await startProxy({ env: { UPSTREAM: 'local', PUBLIC_ORIGIN: front.origin } });
    backendPort = local.server.port;
    try {
      const page = await openPage(SPEECH, front.url);
      await expect.poll(() => page.locator('#simulated').isVisible()).toBe(true);
      expect(await page.locator('#simulated').textContent()).toContain('Replies are simulated');
      await page.getByRole('button', { name: 'Start' }).click();
      await waitForDemo(page, 'the reply to finish playing', (d) => d.stats.events.includes('AIResponseEnd') && d.state === 'listening');
      expect(socketUrls[0]).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/voice/\\?`));
    } finally {
      await context?.close();
      context = undefined;
      await front.close();
      await local.close();
    }
  });

  it('Stop in the middle of an utterance leaves no "You …" waiting for a transcript', { timeout: 60_000 }, async () => {
    const page = await openPage(SPEECH);
    await page.getByRole('button', { name: 'Start' }).click();
    await waitForDemo(page, 'the user to be heard', (d) => d.stats.events.includes('AISpeechDetected'));
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Disconnected');
    const user = page.locator('li.user .text');
    expect(await user.count()).toBe(1);
    expect(await user.first().textContent()).toBe('(cut off)');
  });

  it('a server shutdown in the middle of an utterance: one message saying so, and no "You …" left waiting', { timeout: 60_000 }, async () => {
    const draining = await startProxy({ env: { SHUTDOWN_GRACE_MS: '1000' } });
    try {
      const page = await openPage(SPEECH, `${draining.httpUrl}/`);
      await page.getByRole('button', { name: 'Start' }).click();
      await waitForDemo(page, 'the user to be heard', (d) => d.stats.events.includes('AISpeechDetected'));
      await draining.server.close();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Disconnected');
      const messages = await page.locator('#errors p').allTextContents();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/The server is restarting; this conversation will end within 1 s/);
      expect(await page.locator('li.user .text').first().textContent()).not.toBe('\u2026');
    } finally {
      await context?.close();
      context = undefined;
      await draining.close();
    }
  });

  /** A fake microphone that hears nothing. */
  function silentWav(): string {
    const path = join(dir, 'silence-48k.wav');
    writeFileSync(path, encodeWav(silenceSamples(48000, 500), 48000));
    return path;
  }

  it('sends a typed message from the keyboard', { timeout: 60_000 }, async () => {
    const page = await openPage(silentWav());

    await page.keyboard.press('Tab'); // Start is the first control
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Start');
    await page.keyboard.press('Enter');
    await waitForDemo(page, 'AIConnected', (d) => d.state === 'listening');
    // Start is now disabled, so focus moved on to Stop rather than getting lost.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Stop');

    const box = page.getByLabel('Type a message instead of speaking');
    await box.fill('Hello from the keyboard');
    await box.press('Enter');
    await waitForDemo(page, 'the text reply', (d) => d.stats.events.includes('AIResponseEnd') && d.state === 'listening');
    await expect.poll(() => page.locator('li.assistant .text').first().textContent()).toContain('Hello from the keyboard');
    expect(await box.inputValue()).toBe('');
  });

  it('subprotocols as a browser offers them: one is always answered (auth off or on), so the handshake holds', { timeout: 60_000 }, async () => {
    const guarded = await startProxy({ env: { PROXY_AUTH_TOKEN: 'page-token' } });
    try {
      const page = await openPage(silentWav(), `${proxy.httpUrl}/health`);
      /** Opens a WebSocket from the page; the subprotocol it got, or the close code when the handshake failed. */
      const open = (url: string, protocols: string[]): Promise<string> =>
        page.evaluate(
          ([target, offered]) =>
            new Promise<string>((resolve) => {
              const socket = new WebSocket(target, offered);
              socket.onopen = () => {
                resolve(`open ${socket.protocol}`);
                socket.close();
              };
              socket.onclose = (event) => resolve(`closed ${event.code}`);
            }),
          [url, protocols] as const,
        );
      // Auth off: an offered name comes back (it used to get none, and Chromium failed the handshake: 1006).
      expect(await open(proxy.url, ['voice.v1'])).toBe('open voice.v1');
      expect(await open(proxy.url, [])).toBe('open ');
      // Auth on (a page of that server, so its origin is allowed), token as a subprotocol beside a name: the name
      // comes back, the token never does.
      await page.goto(`${guarded.httpUrl}/health`);
      expect(await open(guarded.url, ['voice.v1', 'token.page-token'])).toBe('open voice.v1');
      // A token alone cannot be answered without echoing it: refused (400), which a browser sees as 1006.
      expect(await open(guarded.url, ['token.page-token'])).toBe('closed 1006');
    } finally {
      await guarded.close();
    }
  });

  it('passes ?token= to the socket, and explains a refused connection in words', { timeout: 60_000 }, async () => {
    const guarded = await startProxy({ env: { PROXY_AUTH_TOKEN: 'page-token' } });
    try {
      const page = await openPage(silentWav(), `${guarded.httpUrl}/`);
      await page.getByRole('button', { name: 'Start' }).click();
      await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('Lost the connection to the server');
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Disconnected');

      await page.goto(`${guarded.httpUrl}/?token=page-token`);
      await page.getByRole('button', { name: 'Start' }).click();
      await waitForDemo(page, 'AIConnected', (d) => d.state === 'listening');
      expect(await page.locator('#errors').textContent()).toBe(''); // empty, so hidden
    } finally {
      await context?.close();
      context = undefined;
      await guarded.close();
    }
  });
});
