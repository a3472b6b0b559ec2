// The demo page's audio: an AudioContext at a rate the proxy takes, the microphone through capture-worklet.js,
// replies through playback-worklet.js. Nothing here knows the socket.

const SUPPORTED_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/** Whether this browser can capture and play here (a secure page, a current browser). */
export function audioAvailable() {
  return Boolean(navigator.mediaDevices && window.AudioWorkletNode);
}

/** An AudioContext at the device's rate when the proxy takes it, else at 48 kHz. Call it inside a click (autoplay rules). */
export async function openAudioContext() {
  const context = new AudioContext();
  if (SUPPORTED_RATES.includes(context.sampleRate)) return context;
  await context.close();
  return new AudioContext({ sampleRate: 48000 });
}

/** Loads both worklets and asks for the microphone; resolves with its stream, rejects when either fails. */
export async function openMicrophone(context) {
  await Promise.all([context.audioWorklet.addModule('./capture-worklet.js'), context.audioWorklet.addModule('./playback-worklet.js')]);
  return navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
  });
}

/**
 * Connects microphone → capture node and playback node → speaker. `onFrame` gets each capture message
 * (`{type: 'frame', pcm, level}`), `onPlayed` each playback message, `onMicrophoneEnded` fires when a track ends.
 */
export function connectAudio(context, stream, { onFrame, onPlayed, onMicrophoneEnded }) {
  const playback = new AudioWorkletNode(context, 'playback-processor', { numberOfInputs: 0, outputChannelCount: [1] });
  playback.port.onmessage = (event) => onPlayed(event.data);
  playback.connect(context.destination);

  const capture = new AudioWorkletNode(context, 'capture-processor', { numberOfOutputs: 1, outputChannelCount: [1] });
  capture.port.onmessage = (event) => onFrame(event.data);
  // The capture node writes silence; connecting it to the destination keeps it pulled in every browser.
  context.createMediaStreamSource(stream).connect(capture).connect(context.destination);
  stream.getAudioTracks().forEach((track) => track.addEventListener('ended', () => onMicrophoneEnded()));
  return { capture, playback };
}

/** Queues a response's PCM16 chunk for gap-free playback; `pcm` is transferred. */
export function playChunk(playback, responseId, pcm) {
  playback.port.postMessage({ type: 'chunk', responseId, pcm }, [pcm]);
}

/** Drops every queued chunk (barge-in). */
export function clearPlayback(playback) {
  playback.port.postMessage({ type: 'clear' });
}

/** Stops the capture worklet and releases the microphone; either may be null. */
export function stopMicrophone(capture, stream) {
  if (capture) capture.port.postMessage({ type: 'stop' });
  if (stream) stream.getTracks().forEach((track) => track.stop());
}
