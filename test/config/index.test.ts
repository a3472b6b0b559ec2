import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('defaults to the local emulator without a key, with the documented defaults', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.upstream.kind).toBe('local');
    expect(config.preopenBufferMs).toBe(5000);
    expect(config.maxFrameBytes).toBe(262144);
    expect(config.shutdownGraceMs).toBe(10000);
    expect(config.session).toMatchObject({ voice: 'marin', turnDetection: 'server_vad', vadThreshold: 0.5 });
    expect(config.limits.clientConfigKeys).not.toContain('instructions');
    expect(config.workers).toBe(1);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('upstream renewal: the documented defaults; a margin not below the cap, or a bad count, is reported by name', () => {
    expect(loadConfig({})).toMatchObject({
      ok: true,
      config: { upstreamRenewal: { maxSessionSeconds: 3600, renewMarginSeconds: 120, reconnectAttempts: 3, reconnectWindowSeconds: 15, replayMaxItems: 50 } },
    });
    const margin = loadConfig({ UPSTREAM_MAX_SESSION_SECONDS: '60', UPSTREAM_RENEW_MARGIN_SECONDS: '60' });
    expect(margin.ok ? [] : margin.errors).toEqual(['UPSTREAM_RENEW_MARGIN_SECONDS must be less than UPSTREAM_MAX_SESSION_SECONDS']);
    const bad = loadConfig({ UPSTREAM_RECONNECT_ATTEMPTS: '-1', CONTEXT_REPLAY_MAX_ITEMS: 'many', UPSTREAM_RECONNECT_WINDOW_SECONDS: '0' });
    expect(bad.ok ? [] : bad.errors.map((e) => e.split(' ')[0])).toEqual(['UPSTREAM_RECONNECT_ATTEMPTS', 'UPSTREAM_RECONNECT_WINDOW_SECONDS', 'CONTEXT_REPLAY_MAX_ITEMS']);
    expect(loadConfig({ UPSTREAM_RECONNECT_ATTEMPTS: '0', CONTEXT_REPLAY_MAX_ITEMS: '0' }).ok).toBe(true);
  });

  it('WORKERS: a number from 1 to 64 or auto; anything else is reported by name', () => {
    expect(loadConfig({ WORKERS: '4' })).toMatchObject({ ok: true, config: { workers: 4 } });
    expect(loadConfig({ WORKERS: 'AUTO' })).toMatchObject({ ok: true, config: { workers: 'auto' } });
    for (const bad of ['0', '65', 'two', '1.5', '-1']) {
      const result = loadConfig({ WORKERS: bad });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toMatch(/^WORKERS /);
    }
  });

  it('TWILIO_*: defaults, and every bad value reported by name', () => {
    expect(loadConfig({})).toMatchObject({
      ok: true,
      config: { twilio: { path: '/twilio', authToken: null, allowUnsigned: false, dtmf: 'text', goodbye: 'Goodbye.' } },
    });
    expect(loadConfig({ TWILIO_PATH: '/phone/in', TWILIO_GOODBYE: '' })).toMatchObject({ ok: true, config: { twilio: { path: '/phone/in', goodbye: '' } } });
    for (const [name, bad] of [['TWILIO_PATH', '/'], ['TWILIO_PATH', 'twilio'], ['TWILIO_PATH', '/a?b=1'], ['TWILIO_PATH', '/a//b'], ['TWILIO_AUTH_TOKEN', ' '], ['TWILIO_ALLOW_UNSIGNED', 'yes please'], ['TWILIO_DTMF', 'speak']] as const) {
      const result = loadConfig({ [name]: bad });
      expect(result.ok, `${name}=${bad}`).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toMatch(new RegExp(`^${name} `));
    }
  });

  it('uses OpenAI when a key is set, with optional org and project headers', () => {
    const result = loadConfig({ OPENAI_API_KEY: 'sk-x', OPENAI_ORG_ID: 'org-1', OPENAI_PROJECT_ID: 'proj-1' });
    expect(result.ok && result.config.upstream).toEqual({
      kind: 'openai',
      url: 'wss://api.openai.com/v1/realtime',
      model: 'gpt-realtime',
      headers: { Authorization: 'Bearer sk-x', 'OpenAI-Organization': 'org-1', 'OpenAI-Project': 'proj-1' },
    });
  });

  it('builds the Azure GA URL with the api-key header and no api-version', () => {
    const result = loadConfig({
      UPSTREAM: 'azure',
      AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/',
      AZURE_OPENAI_API_KEY: 'az-key',
      AZURE_OPENAI_DEPLOYMENT: 'my-realtime',
    });
    expect(result.ok && result.config.upstream).toEqual({
      kind: 'azure',
      url: 'wss://res.openai.azure.com/openai/v1/realtime',
      model: 'my-realtime',
      headers: { 'api-key': 'az-key' },
    });
  });

  it('on Azure, transcription is off unless TRANSCRIPTION_MODEL names a deployment (a model name is no deployment)', () => {
    const azure = { UPSTREAM: 'azure', AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_DEPLOYMENT: 'rt' };
    const off = loadConfig(azure);
    expect(off.ok && off.config.session).toMatchObject({ transcriptionModel: null, clientTranscriptionModel: null });
    const named = loadConfig({ ...azure, TRANSCRIPTION_MODEL: 'my-transcribe' });
    expect(named.ok && named.config.session).toMatchObject({ transcriptionModel: 'my-transcribe', clientTranscriptionModel: 'my-transcribe' });
    // OpenAI keeps its default, and a client may still turn transcription on when the operator turned it off.
    const openai = loadConfig({ OPENAI_API_KEY: 'sk-x', TRANSCRIPTION_MODEL: 'none' });
    expect(openai.ok && openai.config.session).toMatchObject({ transcriptionModel: null, clientTranscriptionModel: 'gpt-4o-mini-transcribe' });
  });

  it('reports every problem at once, by variable name', () => {
    const result = loadConfig({
      PORT: '99999',
      UPSTREAM: 'openai',
      TURN_DETECTION: 'sometimes',
      VAD_SILENCE_MS: '1.5',
      CLIENT_CONFIG_KEYS: 'voice,temperature',
      TRUST_PROXY: 'maybe',
      OPENAI_REALTIME_URL: 'ftp://x',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    for (const name of ['PORT', 'OPENAI_API_KEY', 'TURN_DETECTION', 'VAD_SILENCE_MS', 'CLIENT_CONFIG_KEYS', 'TRUST_PROXY', 'OPENAI_REALTIME_URL']) {
      expect(text).toContain(name);
    }
    expect(result.errors).toHaveLength(7);
  });

  it('allows "*" origins only when set explicitly, and empty CLIENT_CONFIG_KEYS locks everything', () => {
    const result = loadConfig({ ALLOWED_ORIGINS: '*', CLIENT_CONFIG_KEYS: '' });
    expect(result.ok && result.config.allowedOrigins).toEqual(['*']);
    expect(result.ok && result.config.limits.clientConfigKeys).toEqual([]);
    const defaults = loadConfig({});
    expect(defaults.ok && defaults.config.allowedOrigins).toEqual(['http://localhost:5173']);
  });

  it('.env.example lists every variable the configuration reads, and only those', () => {
    const documented = [...readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual([...loadConfig({}).variables].sort());
  });

  it('.env.example shows each default as it is: setting every value it shows changes nothing', () => {
    const shown: Record<string, string> = {};
    for (const m of readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)) {
      shown[m[1] ?? ''] = m[2] ?? '';
    }
    expect(shown.CLIENT_CONFIG_KEYS).toBeDefined();
    const fromExample = loadConfig(shown);
    const defaults = loadConfig({});
    expect(fromExample.ok && defaults.ok && fromExample.config).toEqual(defaults.ok && defaults.config);
  });

  it('a security variable set but empty is an error by name, not a silent "auth off"', () => {
    for (const name of ['PROXY_AUTH_SECRET', 'PROXY_AUTH_TOKEN']) {
      for (const value of ['', '   ']) {
        const result = loadConfig({ [name]: value });
        expect(result.ok, `${name}=${JSON.stringify(value)}`).toBe(false);
        if (!result.ok) expect(result.errors).toEqual([`${name} is set but empty; unset it to turn this control off, or give it a value`]);
      }
    }
    const unset = loadConfig({});
    expect(unset.ok && unset.config.auth).toEqual({ token: null, secret: null });
  });

  it('PUBLIC_ORIGIN is an origin, normalised as browsers send it; anything more is an error by name', () => {
    const ok = loadConfig({ PUBLIC_ORIGIN: 'HTTPS://Voice.Example.com:443/' });
    expect(ok.ok && ok.config.publicOrigin).toBe('https://voice.example.com');
    const unset = loadConfig({});
    expect(unset.ok && unset.config.publicOrigin).toBeNull();
    for (const bad of ['voice.example.com', 'https://voice.example.com/app', 'ftp://voice.example.com', 'https://u:p@voice.example.com', 'https://x?y']) {
      const result = loadConfig({ PUBLIC_ORIGIN: bad });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.errors.join()).toContain('PUBLIC_ORIGIN');
    }
  });
});
