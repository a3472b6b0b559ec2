/** The local realtime emulator: a WebSocket server speaking the OpenAI Realtime GA protocol. */
export { createEmulator, REALTIME_PATH } from './server.js';
export type { Emulator, EmulatorOptions, EmulatorSessionRecord } from './server.js';
export { thresholdToDbfs } from './vad.js';
