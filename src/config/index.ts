/**
 * Configuration: read the environment once, validate every variable, report every problem by name, freeze.
 * `.env.example` lists the same variables with their defaults.
 */
import { readFileSync } from 'node:fs';
import { VOICES, CLIENT_CONFIG_KEYS, type ClientConfigKey } from './constants.js';
import { EnvReader } from './env-reader.js';
import { DEFAULT_PRICES, parsePriceTable, type PriceTable } from './prices.js';

export type UpstreamKind = 'openai' | 'azure' | 'local';
export type TurnDetectionMode = 'server_vad' | 'semantic_vad' | 'none';
export type SaveAudioMode = 'off' | 'response' | 'both';
/** What a decision that needs the shared store does while it is unreachable: admit (open) or refuse (closed). */
export type StoreFailureMode = 'open' | 'closed';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface UpstreamConfig {
  readonly kind: UpstreamKind;
  /** WebSocket URL without the model query (for `local`, filled in once the emulator listens). */
  readonly url: string;
  readonly model: string;
  /** Request headers for the upstream handshake (hold the secret: never log or expose). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface SessionDefaults {
  readonly voice: string;
  readonly instructions: string;
  readonly turnDetection: TurnDetectionMode;
  readonly vadThreshold: number;
  readonly vadPrefixPaddingMs: number;
  readonly vadSilenceMs: number;
  /** Transcription model for the user's speech (on Azure: a deployment name), or null for none. */
  readonly transcriptionModel: string | null;
  /**
   * The model used when a client turns transcription on without naming one: the configured model, else OpenAI's
   * default; null on Azure without TRANSCRIPTION_MODEL (no deployment is known, so the request has no effect).
   */
  readonly clientTranscriptionModel: string | null;
}

/** The store that several instances share their limits in (Redis). */
export interface SharedStoreConfig {
  /** `redis://` or `rediss://`; may hold a password: never log or expose. */
  readonly url: string;
  /** Every key this server writes starts with it, so several deployments can share one Redis. */
  readonly keyPrefix: string;
  readonly failureMode: StoreFailureMode;
  /** Lifetime of a session lease without renewal: how long a dead instance's leases keep counting. */
  readonly leaseTtlMs: number;
}

/** A spending limit per user (the signed token's `sub`) per UTC period, in tokens or US dollars. */
export interface BudgetConfig {
  readonly unit: 'tokens' | 'usd';
  readonly limit: number;
  readonly period: 'day' | 'month';
}

/** Usage accounting (docs/cost.md). */
export interface UsageConfig {
  /** Prices per model: the defaults, with USAGE_PRICES_FILE's models replacing theirs. */
  readonly prices: PriceTable;
  /** Whether `AIResponseEnd` carries the response's usage (USAGE_IN_RESPONSE_END). */
  readonly inResponseEnd: boolean;
  /** Null: no budget (the default). */
  readonly budget: BudgetConfig | null;
}

/** What DTMF key presses on a phone call do: a typed turn for the model, or nothing (they are logged either way). */
export type DtmfMode = 'text' | 'ignore';

/** The Twilio Media Streams endpoint. */
export interface TwilioConfig {
  /** The WebSocket path Twilio's `<Connect><Stream>` connects to; the TwiML helper is served at `<path>/twiml`. */
  readonly path: string;
  /** The account's auth token, which signs every stream (`X-Twilio-Signature`); null: signatures are not checked. */
  readonly authToken: string | null;
  /** Accept streams with neither a valid signature nor a token (development only). */
  readonly allowUnsigned: boolean;
  readonly dtmf: DtmfMode;
  /** Said by Twilio after the stream ends (the TwiML helper's `<Say>`); empty: the call simply hangs up. */
  readonly goodbye: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Processes serving clients: 1 (no cluster), a number, or `auto` (the CPUs this process may use). */
  readonly workers: number | 'auto';
  readonly upstream: UpstreamConfig;
  /** Allowed browser origins; `*` only when set explicitly. The server's own origins are always allowed. */
  readonly allowedOrigins: readonly string[];
  /** The origin users reach this server at (e.g. `https://voice.example.com` behind TLS), or null. */
  readonly publicOrigin: string | null;
  readonly session: SessionDefaults;
  readonly preopenBufferMs: number;
  readonly maxFrameBytes: number;
  readonly shutdownGraceMs: number;
  readonly logLevel: LogLevel;
  readonly saveAudio: SaveAudioMode;
  readonly audioOutputDir: string;
  readonly auth: { readonly token: string | null; readonly secret: string | null };
  /** Null: every limit is counted in this server alone (REDIS_URL unset). */
  readonly sharedStore: SharedStoreConfig | null;
  readonly usage: UsageConfig;
  /** Conversations that outlive an upstream session (docs/renewal.md). */
  readonly upstreamRenewal: UpstreamRenewalConfig;
  /** Twilio Media Streams (docs/telephony.md). */
  readonly twilio: TwilioConfig;
  readonly limits: {
    readonly maxConnections: number;
    readonly maxConnectionsPerIp: number;
    /** Sessions per user (the signed token's `sub`) at once; 0: no limit. */
    readonly maxSessionsPerUser: number;
    readonly trustProxy: boolean;
    readonly maxSessionSeconds: number;
    readonly idleTimeoutSeconds: number;
    /** Control (text) messages allowed per second per session, sustained. */
    readonly controlMessagesPerSecond: number;
    readonly clientConfigKeys: readonly ClientConfigKey[];
    readonly heartbeatIntervalMs: number;
    readonly upstreamConnectTimeoutMs: number;
    /** Response audio the client may have unread in its socket before the proxy drops audio. */
    readonly clientHighWaterMs: number;
  };
}

export interface UpstreamRenewalConfig {
  /** The AI service's own cap on a session (it closes at it with 1001); renewed a margin before. */
  readonly maxSessionSeconds: number;
  readonly renewMarginSeconds: number;
  /** Connection attempts after an upstream drop (0: a drop ends the session), all within `reconnectWindowSeconds`. */
  readonly reconnectAttempts: number;
  readonly reconnectWindowSeconds: number;
  /** Most conversation items a new upstream session is given (oldest dropped first). */
  readonly replayMaxItems: number;
}

/** `variables`: every environment variable the configuration reads. */
export type ConfigResult = ({ readonly ok: true; readonly config: Config } | { readonly ok: false; readonly errors: string[] }) & {
  readonly variables: readonly string[];
};

const DEFAULT_OPENAI_URL = 'wss://api.openai.com/v1/realtime';
/** OpenAI's transcription model. Azure has no default: there the field names a deployment of the resource. */
const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/** Parses and validates the environment; returns every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const r = new EnvReader(env);

  const port = r.int('PORT', 8080, 0, 65535);
  const host = r.string('HOST', '0.0.0.0');
  const apiKey = r.optional('OPENAI_API_KEY');
  const upstreamKind = r.oneOf<UpstreamKind>('UPSTREAM', apiKey ? 'openai' : 'local', ['openai', 'azure', 'local']);
  const model = r.string('OPENAI_MODEL', 'gpt-realtime');
  const openaiUrl = r.wsUrl('OPENAI_REALTIME_URL', DEFAULT_OPENAI_URL);
  const orgId = r.optional('OPENAI_ORG_ID');
  const projectId = r.optional('OPENAI_PROJECT_ID');
  const azureEndpoint = r.optional('AZURE_OPENAI_ENDPOINT');
  const azureKey = r.optional('AZURE_OPENAI_API_KEY');
  const azureDeployment = r.optional('AZURE_OPENAI_DEPLOYMENT');

  let upstream: UpstreamConfig = { kind: 'local', url: '', model, headers: {} };
  if (upstreamKind === 'openai') {
    if (!apiKey) r.problem('OPENAI_API_KEY', 'is required when UPSTREAM=openai');
    const headers: Record<string, string> = { Authorization: `Bearer ${apiKey ?? ''}` };
    if (orgId) headers['OpenAI-Organization'] = orgId;
    if (projectId) headers['OpenAI-Project'] = projectId;
    upstream = { kind: 'openai', url: openaiUrl, model, headers };
  } else if (upstreamKind === 'azure') {
    if (!azureEndpoint) r.problem('AZURE_OPENAI_ENDPOINT', 'is required when UPSTREAM=azure');
    if (!azureKey) r.problem('AZURE_OPENAI_API_KEY', 'is required when UPSTREAM=azure');
    if (!azureDeployment) r.problem('AZURE_OPENAI_DEPLOYMENT', 'is required when UPSTREAM=azure');
    upstream = {
      kind: 'azure',
      url: azureEndpoint ? azureRealtimeUrl(azureEndpoint, r) : '',
      model: azureDeployment ?? '',
      headers: { 'api-key': azureKey ?? '' },
    };
  }

  const turnDetection = r.oneOf<TurnDetectionMode>('TURN_DETECTION', 'server_vad', ['server_vad', 'semantic_vad', 'none']);
  // On Azure the model names a deployment: a model name that is not one fails every turn's transcription.
  const transcription = r.string('TRANSCRIPTION_MODEL', upstreamKind === 'azure' ? 'none' : DEFAULT_TRANSCRIPTION_MODEL);
  const transcriptionModel = transcription === '' || transcription === 'none' ? null : transcription;
  const session: SessionDefaults = {
    voice: r.oneOf('VOICE', 'marin', VOICES),
    instructions: r.string('INSTRUCTIONS', 'You are a helpful, concise voice assistant.'),
    turnDetection,
    vadThreshold: r.number('VAD_THRESHOLD', 0.5, 0, 1),
    vadPrefixPaddingMs: r.int('VAD_PREFIX_PADDING_MS', 300, 0, 5000),
    vadSilenceMs: r.int('VAD_SILENCE_MS', 500, 0, 10000),
    transcriptionModel,
    clientTranscriptionModel: transcriptionModel ?? (upstreamKind === 'azure' ? null : DEFAULT_TRANSCRIPTION_MODEL),
  };

  const config: Config = {
    port,
    host,
    workers: r.countOrAuto('WORKERS', 1, 1, 64),
    upstream,
    allowedOrigins: r.list('ALLOWED_ORIGINS', ['http://localhost:5173']),
    publicOrigin: r.origin('PUBLIC_ORIGIN'),
    session,
    preopenBufferMs: r.int('PREOPEN_BUFFER_MS', 5000, 0, 60000),
    maxFrameBytes: r.int('MAX_FRAME_BYTES', 262144, 64, 16 * 1024 * 1024),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    saveAudio: r.oneOf<SaveAudioMode>('SAVE_AUDIO', 'off', ['off', 'response', 'both']),
    audioOutputDir: r.string('AUDIO_OUTPUT_DIR', 'openai_audio_output'),
    auth: { token: r.secret('PROXY_AUTH_TOKEN'), secret: r.secret('PROXY_AUTH_SECRET') },
    sharedStore: readSharedStore(r),
    usage: readUsage(r),
    upstreamRenewal: {
      maxSessionSeconds: r.int('UPSTREAM_MAX_SESSION_SECONDS', 3600, 2, 86400),
      renewMarginSeconds: r.int('UPSTREAM_RENEW_MARGIN_SECONDS', 120, 1, 3600),
      reconnectAttempts: r.int('UPSTREAM_RECONNECT_ATTEMPTS', 3, 0, 20),
      reconnectWindowSeconds: r.int('UPSTREAM_RECONNECT_WINDOW_SECONDS', 15, 1, 600),
      replayMaxItems: r.int('CONTEXT_REPLAY_MAX_ITEMS', 50, 0, 1000),
    },
    twilio: readTwilio(r),
    limits: {
      maxConnections: r.int('MAX_CONNECTIONS', 300, 1, 100000),
      maxConnectionsPerIp: r.int('MAX_CONNECTIONS_PER_IP', 50, 1, 100000),
      maxSessionsPerUser: r.int('MAX_SESSIONS_PER_USER', 0, 0, 100000),
      trustProxy: r.bool('TRUST_PROXY', false),
      maxSessionSeconds: r.int('MAX_SESSION_SECONDS', 3600, 1, 86400),
      idleTimeoutSeconds: r.int('IDLE_TIMEOUT_SECONDS', 300, 1, 86400),
      controlMessagesPerSecond: r.int('CONTROL_RATE_LIMIT', 20, 1, 10000),
      clientConfigKeys: r.subsetOf(
        'CLIENT_CONFIG_KEYS',
        CLIENT_CONFIG_KEYS.filter((key) => key !== 'instructions'),
        CLIENT_CONFIG_KEYS,
      ),
      heartbeatIntervalMs: r.int('HEARTBEAT_INTERVAL_MS', 15000, 100, 600000),
      upstreamConnectTimeoutMs: r.int('UPSTREAM_CONNECT_TIMEOUT_MS', 10000, 100, 120000),
      clientHighWaterMs: r.int('CLIENT_HIGH_WATER_MS', 2000, 100, 60000),
    },
  };
  if (config.auth.token && config.auth.secret) {
    r.problem('PROXY_AUTH_TOKEN', 'and PROXY_AUTH_SECRET are mutually exclusive; set one');
  }
  if (config.limits.maxSessionsPerUser > 0 && config.auth.secret === null) {
    r.problem('MAX_SESSIONS_PER_USER', "needs PROXY_AUTH_SECRET: a user is a signed token's sub, and without one no session has a user");
  }
  if (config.upstreamRenewal.renewMarginSeconds >= config.upstreamRenewal.maxSessionSeconds) {
    r.problem('UPSTREAM_RENEW_MARGIN_SECONDS', 'must be less than UPSTREAM_MAX_SESSION_SECONDS');
  }
  if (config.usage.budget !== null && config.auth.secret === null) {
    r.problem(config.usage.budget.unit === 'usd' ? 'USER_BUDGET_USD' : 'USER_BUDGET_TOKENS', "needs PROXY_AUTH_SECRET: a budget belongs to a user, a signed token's sub");
  }
  if (config.auth.secret !== null && config.auth.secret.length < 32) {
    r.problem('PROXY_AUTH_SECRET', 'must be at least 32 characters');
  }

  const errors = r.problems;
  const variables = [...r.names];
  return errors.length > 0 ? { ok: false, errors, variables } : { ok: true, config: deepFreeze(config), variables };
}

/** REDIS_URL and its companions (read even when it is unset, so every name is known and validated). */
function readSharedStore(r: EnvReader): SharedStoreConfig | null {
  const url = r.secret('REDIS_URL');
  const keyPrefix = r.string('REDIS_KEY_PREFIX', 'voice-proxy:');
  const failureMode = r.oneOf<StoreFailureMode>('REDIS_FAILURE_MODE', 'open', ['open', 'closed']);
  const leaseTtlMs = r.int('REDIS_LEASE_TTL_MS', 10000, 500, 600000);
  if (url === null) return null;
  try {
    const protocol = new URL(url).protocol;
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new Error(protocol);
  } catch {
    // The value itself may hold a password: not echoed.
    r.problem('REDIS_URL', 'must be a redis:// or rediss:// URL (redis://[user:password@]host:port[/db])');
    return null;
  }
  return { url, keyPrefix, failureMode, leaseTtlMs };
}

/** USAGE_* and USER_BUDGET_*: prices (defaults, then the operator's file), the client switch, the budget. */
function readUsage(r: EnvReader): UsageConfig {
  const pricesFile = r.optional('USAGE_PRICES_FILE');
  let prices: PriceTable = DEFAULT_PRICES;
  if (pricesFile !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(pricesFile, 'utf8');
    } catch (error) {
      r.problem('USAGE_PRICES_FILE', `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)} (${pricesFile})`);
    }
    const parsed = text === undefined ? undefined : parsePriceTable(text);
    if (parsed?.ok === false) r.problem('USAGE_PRICES_FILE', parsed.problem);
    else if (parsed?.ok) prices = { ...DEFAULT_PRICES, ...parsed.table };
  }
  const inResponseEnd = r.bool('USAGE_IN_RESPONSE_END', true);
  const tokens = r.optional('USER_BUDGET_TOKENS');
  const usd = r.optional('USER_BUDGET_USD');
  const period = r.oneOf<BudgetConfig['period']>('USER_BUDGET_PERIOD', 'day', ['day', 'month']);
  let budget: BudgetConfig | null = null;
  if (tokens !== undefined && usd !== undefined) {
    r.problem('USER_BUDGET_TOKENS', 'and USER_BUDGET_USD are mutually exclusive; set one');
  } else if (tokens !== undefined) {
    const limit = r.int('USER_BUDGET_TOKENS', 0, 1, Number.MAX_SAFE_INTEGER);
    budget = { unit: 'tokens', limit, period };
  } else if (usd !== undefined) {
    const limit = r.number('USER_BUDGET_USD', 0, 0.000001, 1_000_000_000);
    budget = { unit: 'usd', limit, period };
  }
  return { prices, inResponseEnd, budget };
}

/** TWILIO_*: the Media Streams endpoint. */
function readTwilio(r: EnvReader): TwilioConfig {
  const path = r.string('TWILIO_PATH', '/twilio');
  if (!/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/.test(path) || path.includes('//')) {
    r.problem('TWILIO_PATH', `must be a path such as /twilio (not / and without a query), got "${path}"`);
  }
  return {
    path,
    authToken: r.secret('TWILIO_AUTH_TOKEN'),
    allowUnsigned: r.bool('TWILIO_ALLOW_UNSIGNED', false),
    dtmf: r.oneOf<DtmfMode>('TWILIO_DTMF', 'text', ['text', 'ignore']),
    goodbye: r.string('TWILIO_GOODBYE', 'Goodbye.'),
  };
}

/** Azure GA endpoint: `wss://<resource>.openai.azure.com/openai/v1/realtime` (no api-version). */
function azureRealtimeUrl(endpoint: string, r: EnvReader): string {
  try {
    const url = new URL(endpoint);
    url.protocol = url.protocol === 'http:' || url.protocol === 'ws:' ? 'ws:' : 'wss:';
    url.pathname = '/openai/v1/realtime';
    url.search = '';
    return url.toString();
  } catch {
    r.problem('AZURE_OPENAI_ENDPOINT', `is not a URL: ${endpoint}`);
    return '';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export { CLIENT_CONFIG_KEYS, VOICES, type ClientConfigKey };
