/** The local realtime emulator: a WebSocket server speaking the OpenAI Realtime GA protocol. */
export { createEmulator, REALTIME_PATH } from './server.js';
export { thresholdToDbfs } from './vad.js';
