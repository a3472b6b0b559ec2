/**
 * Configuration: read the environment once, validate every variable, report every problem by name, freeze.
 * `.env.example` lists the same variables with their defaults.
 */
import { VOICES, CLIENT_CONFIG_KEYS } from './constants.js';
import { EnvReader } from './env-reader.js';
const DEFAULT_OPENAI_URL = 'wss://api.openai.com/v1/realtime';
/** Parses and validates the environment; returns every problem at once. */
export function loadConfig(env) {
    const r = new EnvReader(env);
    const port = r.int('PORT', 8080, 0, 65535);
    const host = r.string('HOST', '0.0.0.0');
    const apiKey = r.optional('OPENAI_API_KEY');
    const upstreamKind = r.oneOf('UPSTREAM', apiKey ? 'openai' : 'local', ['openai', 'azure', 'local']);
    const model = r.string('OPENAI_MODEL', 'gpt-realtime');
    const openaiUrl = r.wsUrl('OPENAI_REALTIME_URL', DEFAULT_OPENAI_URL);
    const orgId = r.optional('OPENAI_ORG_ID');
    const projectId = r.optional('OPENAI_PROJECT_ID');
    const azureEndpoint = r.optional('AZURE_OPENAI_ENDPOINT');
    const azureKey = r.optional('AZURE_OPENAI_API_KEY');
    const azureDeployment = r.optional('AZURE_OPENAI_DEPLOYMENT');
    let upstream = { kind: 'local', url: '', model, headers: {} };
    if (upstreamKind === 'openai') {
        if (!apiKey)
            r.problem('OPENAI_API_KEY', 'is required when UPSTREAM=openai');
        const headers = { Authorization: `Bearer ${apiKey ?? ''}` };
        if (orgId)
            headers['OpenAI-Organization'] = orgId;
        if (projectId)
            headers['OpenAI-Project'] = projectId;
        upstream = { kind: 'openai', url: openaiUrl, model, headers };
    }
    else if (upstreamKind === 'azure') {
        if (!azureEndpoint)
            r.problem('AZURE_OPENAI_ENDPOINT', 'is required when UPSTREAM=azure');
        if (!azureKey)
            r.problem('AZURE_OPENAI_API_KEY', 'is required when UPSTREAM=azure');
        if (!azureDeployment)
            r.problem('AZURE_OPENAI_DEPLOYMENT', 'is required when UPSTREAM=azure');
        upstream = {
            kind: 'azure',
            url: azureEndpoint ? azureRealtimeUrl(azureEndpoint, r) : '',
            model: azureDeployment ?? '',
            headers: { 'api-key': azureKey ?? '' },
        };
    }
    const turnDetection = r.oneOf('TURN_DETECTION', 'server_vad', ['server_vad', 'semantic_vad', 'none']);
    const transcription = r.string('TRANSCRIPTION_MODEL', 'gpt-4o-mini-transcribe');
    const session = {
        voice: r.oneOf('VOICE', 'marin', VOICES),
        instructions: r.string('INSTRUCTIONS', 'You are a helpful, concise voice assistant.'),
        turnDetection,
        vadThreshold: r.number('VAD_THRESHOLD', 0.5, 0, 1),
        vadPrefixPaddingMs: r.int('VAD_PREFIX_PADDING_MS', 300, 0, 5000),
        vadSilenceMs: r.int('VAD_SILENCE_MS', 500, 0, 10000),
        transcriptionModel: transcription === '' || transcription === 'none' ? null : transcription,
    };
    const config = {
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
        logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
        saveAudio: r.oneOf('SAVE_AUDIO', 'off', ['off', 'response', 'both']),
        audioOutputDir: r.string('AUDIO_OUTPUT_DIR', 'openai_audio_output'),
        auth: { token: r.secret('PROXY_AUTH_TOKEN'), secret: r.secret('PROXY_AUTH_SECRET') },
        limits: {
            maxConnections: r.int('MAX_CONNECTIONS', 300, 1, 100000),
            maxConnectionsPerIp: r.int('MAX_CONNECTIONS_PER_IP', 50, 1, 100000),
            trustProxy: r.bool('TRUST_PROXY', false),
            maxSessionSeconds: r.int('MAX_SESSION_SECONDS', 3600, 1, 86400),
            idleTimeoutSeconds: r.int('IDLE_TIMEOUT_SECONDS', 300, 1, 86400),
            controlMessagesPerSecond: r.int('CONTROL_RATE_LIMIT', 20, 1, 10000),
            clientConfigKeys: r.subsetOf('CLIENT_CONFIG_KEYS', CLIENT_CONFIG_KEYS.filter((key) => key !== 'instructions'), CLIENT_CONFIG_KEYS),
            heartbeatIntervalMs: r.int('HEARTBEAT_INTERVAL_MS', 15000, 100, 600000),
            upstreamConnectTimeoutMs: r.int('UPSTREAM_CONNECT_TIMEOUT_MS', 10000, 100, 120000),
            clientHighWaterMs: r.int('CLIENT_HIGH_WATER_MS', 2000, 100, 60000),
        },
    };
    if (config.auth.token && config.auth.secret) {
        r.problem('PROXY_AUTH_TOKEN', 'and PROXY_AUTH_SECRET are mutually exclusive; set one');
    }
    if (config.auth.secret !== null && config.auth.secret.length < 32) {
        r.problem('PROXY_AUTH_SECRET', 'must be at least 32 characters');
    }
    const errors = r.problems;
    const variables = [...r.names];
    return errors.length > 0 ? { ok: false, errors, variables } : { ok: true, config: deepFreeze(config), variables };
}
/** Azure GA endpoint: `wss://<resource>.openai.azure.com/openai/v1/realtime` (no api-version). */
function azureRealtimeUrl(endpoint, r) {
    try {
        const url = new URL(endpoint);
        url.protocol = url.protocol === 'http:' || url.protocol === 'ws:' ? 'ws:' : 'wss:';
        url.pathname = '/openai/v1/realtime';
        url.search = '';
        return url.toString();
    }
    catch {
        r.problem('AZURE_OPENAI_ENDPOINT', `is not a URL: ${endpoint}`);
        return '';
    }
}
function deepFreeze(value) {
    if (value && typeof value === 'object') {
        for (const child of Object.values(value))
            deepFreeze(child);
        Object.freeze(value);
    }
    return value;
}
export { CLIENT_CONFIG_KEYS, VOICES };
