/** The standalone emulator's environment: read once, every variable validated, all problems reported together. */
import type { LevelWithSilent } from 'pino';
import { EnvReader } from '../config/env-reader.js';
import type { EmulatorOptions } from './server.js';

export interface EmulatorConfig {
  readonly options: Readonly<Omit<EmulatorOptions, 'logger'>>;
  readonly logLevel: LevelWithSilent;
}

export type ConfigResult = { ok: true; config: EmulatorConfig } | { ok: false; problems: string[] };

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** The switches take these words only (stricter than the proxy's booleans, as they always were). */
const FLAG_WORDS = ['1', '0', 'true', 'false'] as const;
type FlagWord = (typeof FLAG_WORDS)[number];

/** Parses the EMULATOR_* variables and LOG_LEVEL from `env` (with the proxy's reader: the same rules and messages). */
export function readEmulatorConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const r = new EnvReader(env);
  const options: Omit<EmulatorOptions, 'logger'> = {};
  const flag = (name: string): boolean | undefined => {
    const value = r.oneOf<'' | FlagWord>(name, '', FLAG_WORDS);
    return value === '' ? undefined : value === '1' || value === 'true';
  };
  const optionalInt = (name: string, min: number, max: number): number | undefined => (r.optional(name) === undefined ? undefined : r.int(name, min, min, max));

  options.port = r.int('EMULATOR_PORT', 8090, 0, 65535);
  options.host = r.optional('EMULATOR_HOST') ?? '127.0.0.1';
  const apiKey = r.optional('EMULATOR_API_KEY');
  if (apiKey !== undefined) options.apiKey = apiKey;

  const pace = r.optional('EMULATOR_AUDIO_PACE');
  if (pace?.toLowerCase() === 'infinity') options.audioPace = Infinity;
  else if (pace !== undefined) options.audioPace = r.number('EMULATOR_AUDIO_PACE', 1, Number.MIN_VALUE, Number.MAX_VALUE);

  const loopback = flag('EMULATOR_LOOPBACK');
  if (loopback !== undefined) options.loopback = loopback;
  const replyMs = optionalInt('EMULATOR_LOOPBACK_REPLY_MS', 1, 600_000);
  if (replyMs !== undefined) options.loopbackReplyMs = replyMs;
  const chunkMs = optionalInt('EMULATOR_REPLY_CHUNK_MS', 1, 10_000);
  if (chunkMs !== undefined) options.replyChunkMs = chunkMs;
  const maxSeconds = optionalInt('EMULATOR_MAX_SESSION_SECONDS', 1, 24 * 3600);
  if (maxSeconds !== undefined) options.maxSessionMs = maxSeconds * 1000;
  const latency = optionalInt('EMULATOR_EVENT_LATENCY_MS', 0, 60_000);
  if (latency !== undefined) options.eventLatencyMs = latency;
  const refuse = optionalInt('EMULATOR_REFUSE_STATUS', 400, 599);
  if (refuse !== undefined) options.refuseHandshakeStatus = refuse;
  const thinkMs = optionalInt('EMULATOR_MODEL_LATENCY_MS', 0, 60_000);
  if (thinkMs !== undefined) options.behaviour = { modelLatencyMs: thinkMs };
  const keyAfter = flag('EMULATOR_REFUSE_KEY_AFTER_UPGRADE');
  if (keyAfter !== undefined) options.refuseKeyAfterUpgrade = keyAfter;

  const logLevel = r.oneOf<LevelWithSilent>('LOG_LEVEL', 'info', LEVELS);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, config: Object.freeze({ options: Object.freeze(options), logLevel }) };
}
