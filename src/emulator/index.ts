/** The local realtime emulator: a WebSocket server speaking the OpenAI Realtime GA protocol. */
import type { Logger } from 'pino';
import { createEmulator, type Emulator } from './server.js';

export { createEmulator, REALTIME_PATH, AZURE_REALTIME_PATH } from './server.js';
export type { Emulator, EmulatorOptions, EmulatorSessionRecord, Refusal } from './server.js';
export { INSTANT, REALISTIC_MODEL_LATENCY_MS } from './behaviour.js';
export type { ResponseFault, SessionBehaviour } from './behaviour.js';
export { thresholdToDbfs } from './vad.js';
export type { HeldItem } from './conversation.js';

/** The emulator `UPSTREAM=local` runs on: started on a free loopback port, with a warning that its replies are simulated. */
export async function startBuiltInEmulator(logger: Logger): Promise<Emulator> {
  const emulator = await createEmulator({ port: 0, host: '127.0.0.1', logger: logger.child({ component: 'emulator' }) });
  logger.warn({ url: emulator.url }, 'UPSTREAM=local: replies come from the built-in emulator and are SIMULATED (your audio echoed back)');
  return emulator;
}
