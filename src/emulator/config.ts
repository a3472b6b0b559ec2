/** The standalone emulator's environment: read once, every variable validated, all problems reported together. */
import type { LevelWithSilent } from 'pino';
import type { EmulatorOptions } from './server.js';

export interface EmulatorConfig {
  readonly options: Readonly<Omit<EmulatorOptions, 'logger'>>;
  readonly logLevel: LevelWithSilent;
}

export type ConfigResult = { ok: true; config: EmulatorConfig } | { ok: false; problems: string[] };

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the EMULATOR_* variables and LOG_LEVEL from `env`. */
export function readEmulatorConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = [];
  const options: Omit<EmulatorOptions, 'logger'> = {};

  const integer = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return undefined;
    }
    return value;
  };

  options.port = integer('EMULATOR_PORT', 0, 65535) ?? 8090;
  options.host = env.EMULATOR_HOST || '127.0.0.1';
  if (env.EMULATOR_API_KEY) options.apiKey = env.EMULATOR_API_KEY;

  const pace = env.EMULATOR_AUDIO_PACE;
  if (pace !== undefined && pace !== '') {
    const value = pace.toLowerCase() === 'infinity' ? Infinity : Number(pace);
    if (Number.isNaN(value) || value <= 0) problems.push(`EMULATOR_AUDIO_PACE must be a positive number or "Infinity" (got "${pace}")`);
    else options.audioPace = value;
  }

  const loopback = env.EMULATOR_LOOPBACK;
  if (loopback !== undefined && loopback !== '') {
    if (!['1', '0', 'true', 'false'].includes(loopback)) problems.push(`EMULATOR_LOOPBACK must be true, false, 1 or 0 (got "${loopback}")`);
    else options.loopback = loopback === '1' || loopback === 'true';
  }

  const replyMs = integer('EMULATOR_LOOPBACK_REPLY_MS', 1, 600_000);
  if (replyMs !== undefined) options.loopbackReplyMs = replyMs;
  const chunkMs = integer('EMULATOR_REPLY_CHUNK_MS', 1, 10_000);
  if (chunkMs !== undefined) options.replyChunkMs = chunkMs;

  const maxSeconds = integer('EMULATOR_MAX_SESSION_SECONDS', 1, 24 * 3600);
  if (maxSeconds !== undefined) options.maxSessionMs = maxSeconds * 1000;
  const latency = integer('EMULATOR_EVENT_LATENCY_MS', 0, 60_000);
  if (latency !== undefined) options.eventLatencyMs = latency;
  const refuse = integer('EMULATOR_REFUSE_STATUS', 400, 599);
  if (refuse !== undefined) options.refuseHandshakeStatus = refuse;
  const thinkMs = integer('EMULATOR_MODEL_LATENCY_MS', 0, 60_000);
  if (thinkMs !== undefined) options.behaviour = { modelLatencyMs: thinkMs };
  const keyAfter = env.EMULATOR_REFUSE_KEY_AFTER_UPGRADE;
  if (keyAfter !== undefined && keyAfter !== '') {
    if (!['1', '0', 'true', 'false'].includes(keyAfter)) {
      problems.push(`EMULATOR_REFUSE_KEY_AFTER_UPGRADE must be true, false, 1 or 0 (got "${keyAfter}")`);
    } else options.refuseKeyAfterUpgrade = keyAfter === '1' || keyAfter === 'true';
  }

  const level = env.LOG_LEVEL || 'info';
  if (!(LEVELS as readonly string[]).includes(level)) problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')} (got "${level}")`);

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: Object.freeze({ options: Object.freeze(options), logLevel: level as LevelWithSilent }) };
}
