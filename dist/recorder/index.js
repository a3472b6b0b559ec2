import { createRecorderFactory } from './session-recorder.js';
export { createRecorderFactory, createSessionRecorder } from './session-recorder.js';
/** The `createRecorder` option of `startServer`: undefined when recording is off. */
export function recorderFor(settings, deps) {
    if (settings.saveAudio === 'off')
        return undefined;
    return createRecorderFactory({ dir: settings.audioOutputDir, mode: settings.saveAudio, metrics: deps.metrics, logger: deps.logger });
}
