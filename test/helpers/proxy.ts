/** Starts the emulator and the proxy in-process on port 0, the way every end-to-end test needs them. */
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { initAudio } from '../../src/audio/resampler.js';
import { createLogger } from '../../src/logger/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/app.js';
import { createAuthenticator, createTokenChecker } from '../../src/auth/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { recorderFor } from '../../src/recorder/index.js';
import { openAdmission, type ServerAdmission } from '../../src/admission/server-admission.js';

export const TEST_API_KEY = 'sk-test-emulator-key';

export interface TestProxy {
  /** ws://127.0.0.1:PORT/ */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly httpUrl: string;
  readonly emulator: Emulator;
  readonly server: RunningServer;
  readonly config: Config;
  close(): Promise<void>;
}

/**
 * Starts an emulator (with an API key, recording client events) and a proxy that uses it as its `openai`
 * upstream. `env` overrides proxy variables (a function of the emulator when they need its address); `emulator`
 * overrides emulator options.
 */
export async function startProxy(
  options: {
    env?: Record<string, string> | ((emulator: Emulator) => Record<string, string>);
    emulator?: EmulatorOptions;
    /** Where the proxy's log lines go (at LOG_LEVEL), e.g. to grep them for secrets. */
    logStream?: { write(line: string): void };
    headersTimeoutMs?: number;
    /** Replaces the server's authenticator, recorder factory or admitter (e.g. with one that throws, or waits). */
    server?: Pick<ServerOptions, 'authenticate' | 'checkToken' | 'createRecorder' | 'admitter'>;
    /**
     * Upstream refusal codes this test provokes on purpose (through what its client sends). Any other `error` the
     * emulator sent in answer to one of the proxy's requests fails the test at `close()`.
     */
    allowRefusals?: readonly string[];
  } = {},
): Promise<TestProxy> {
  await initAudio();
  // UPSTREAM=local: the emulator stands in for the built-in one `npm start` runs (no key, default pace).
  const local = typeof options.env === 'object' && options.env.UPSTREAM === 'local';
  const emulator = await createEmulator(local ? { ...options.emulator } : { apiKey: TEST_API_KEY, recordEvents: true, audioPace: 20, ...options.emulator });
  const result = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    UPSTREAM: 'openai',
    OPENAI_API_KEY: TEST_API_KEY,
    OPENAI_REALTIME_URL: emulator.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(typeof options.env === 'function' ? options.env(emulator) : options.env),
  });
  if (!result.ok) {
    await emulator.close();
    throw new Error(`bad test config: ${result.errors.join('; ')}`);
  }
  const config = result.config;
  const logger = createLogger(config.logLevel, options.logStream);
  const metrics = createMetrics();
  // With a budget, admission opens as `npm start` opens it (the budget's spend in Redis when REDIS_URL is set).
  const admission: ServerAdmission | undefined =
    config.usage.budget === null || options.server?.admitter !== undefined
      ? undefined
      : await openAdmission(config.limits, config.sharedStore, { logger, registry: metrics.registry }, config.usage.budget);
  const server = await startServer(config, {
    logger,
    metrics,
    authenticate: createAuthenticator(config.auth),
    ...(createTokenChecker(config.auth) === undefined ? {} : { checkToken: createTokenChecker(config.auth) }),
    createRecorder: recorderFor(config, { metrics, logger }),
    ...(options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs }),
    ...(local ? { localUpstreamUrl: emulator.url } : {}),
    ...(admission === undefined ? {} : { admitter: admission.admitter, ...(admission.budget === undefined ? {} : { budget: admission.budget }) }),
    ...options.server,
  });
  return {
    url: server.url,
    httpUrl: server.httpUrl,
    emulator,
    server,
    config,
    close: async () => {
      await server.close();
      await admission?.close();
      await emulator.close();
      expectNoRefusals(emulator, options.allowRefusals ?? []);
    },
  };
}

/** Fails when the emulator refused a request of the proxy's (the real service would have refused it too). */
export function expectNoRefusals(emulator: Emulator, allowed: readonly string[]): void {
  const refused = emulator.sessions.flatMap((session) => session.refusals).filter((r) => !allowed.includes(r.code));
  if (refused.length > 0) {
    const list = refused.map((r) => `${r.eventType} → ${r.code}: ${r.message}`).join('; ');
    throw new Error(`the upstream refused ${refused.length} of the proxy's requests: ${list}`);
  }
}
