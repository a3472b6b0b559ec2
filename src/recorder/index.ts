/** `SAVE_AUDIO` recording: the factory the server hands to every session bridge. */
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import { createRecorderFactory, type RecorderFactory, type RecordingMode } from './session-recorder.js';

export { createRecorderFactory, createSessionRecorder, type RecorderFactory, type RecorderOptions, type RecordingMode } from './session-recorder.js';
export type { ResponseSummary, SessionRecorder } from './types.js';

/** The `createRecorder` option of `startServer`: undefined when recording is off. */
export function recorderFor(
  settings: { readonly saveAudio: 'off' | RecordingMode; readonly audioOutputDir: string },
  deps: { readonly metrics: Metrics; readonly logger: Logger },
): RecorderFactory | undefined {
  if (settings.saveAudio === 'off') return undefined;
  return createRecorderFactory({ dir: settings.audioOutputDir, mode: settings.saveAudio, metrics: deps.metrics, logger: deps.logger });
}
