/** The local realtime emulator: a WebSocket server speaking the OpenAI Realtime GA protocol. */
export { createEmulator, REALTIME_PATH, AZURE_REALTIME_PATH } from './server.js';
export type { Emulator, EmulatorOptions, EmulatorSessionRecord, Refusal } from './server.js';
export { INSTANT, REALISTIC_MODEL_LATENCY_MS } from './behaviour.js';
export type { ResponseFault, SessionBehaviour } from './behaviour.js';
export { thresholdToDbfs } from './vad.js';
