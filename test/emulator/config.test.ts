import { describe, expect, it } from 'vitest';
import { readEmulatorConfig } from '../../src/emulator/config.js';

describe('readEmulatorConfig', () => {
  it('defaults to 127.0.0.1:8090 at info level', () => {
    expect(readEmulatorConfig({})).toEqual({ ok: true, config: { options: { port: 8090, host: '127.0.0.1' }, logLevel: 'info' } });
  });

  it('reads every variable', () => {
    const result = readEmulatorConfig({
      EMULATOR_PORT: '9000',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_API_KEY: 'sk-x',
      EMULATOR_AUDIO_PACE: 'Infinity',
      EMULATOR_LOOPBACK: 'true',
      EMULATOR_LOOPBACK_REPLY_MS: '3000',
      EMULATOR_REPLY_CHUNK_MS: '40',
      EMULATOR_MAX_SESSION_SECONDS: '30',
      EMULATOR_EVENT_LATENCY_MS: '25',
      EMULATOR_REFUSE_STATUS: '429',
      EMULATOR_MODEL_LATENCY_MS: '0',
      EMULATOR_REFUSE_KEY_AFTER_UPGRADE: '1',
      LOG_LEVEL: 'debug',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        logLevel: 'debug',
        options: {
          port: 9000,
          host: '0.0.0.0',
          apiKey: 'sk-x',
          audioPace: Infinity,
          loopback: true,
          loopbackReplyMs: 3000,
          replyChunkMs: 40,
          maxSessionMs: 30_000,
          eventLatencyMs: 25,
          refuseHandshakeStatus: 429,
          behaviour: { modelLatencyMs: 0 },
          refuseKeyAfterUpgrade: true,
        },
      },
    });
    if (result.ok) expect(Object.isFrozen(result.config.options)).toBe(true);
  });

  it('reports every bad variable by name at once', () => {
    const result = readEmulatorConfig({
      EMULATOR_PORT: '70000',
      EMULATOR_AUDIO_PACE: '0',
      EMULATOR_LOOPBACK: 'yes',
      EMULATOR_LOOPBACK_REPLY_MS: '0',
      EMULATOR_REPLY_CHUNK_MS: 'x',
      EMULATOR_MAX_SESSION_SECONDS: '1.5',
      EMULATOR_EVENT_LATENCY_MS: '-1',
      EMULATOR_REFUSE_STATUS: '200',
      EMULATOR_MODEL_LATENCY_MS: 'soon',
      EMULATOR_REFUSE_KEY_AFTER_UPGRADE: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'EMULATOR_PORT',
      'EMULATOR_AUDIO_PACE',
      'EMULATOR_LOOPBACK',
      'EMULATOR_LOOPBACK_REPLY_MS',
      'EMULATOR_REPLY_CHUNK_MS',
      'EMULATOR_MAX_SESSION_SECONDS',
      'EMULATOR_EVENT_LATENCY_MS',
      'EMULATOR_REFUSE_STATUS',
      'EMULATOR_MODEL_LATENCY_MS',
      'EMULATOR_REFUSE_KEY_AFTER_UPGRADE',
      'LOG_LEVEL',
    ]);
  });
});
