// The one live conversation: its socket, the audio each way, the server's messages, the page's state.
// The wire protocol is described in docs/protocol.md; this file uses nothing beyond it.
import { audioAvailable, clearPlayback, connectAudio, openAudioContext, openMicrophone, playChunk, stopMicrophone } from './audio.js';
import { audioStartFailure, closeSentence, errorSentence, MICROPHONE_DISCONNECTED, NEEDS_SECURE_PAGE, renewalNote, shutdownWarning } from './texts.js';
import {
  addItem,
  addNote,
  addPendingUserItem,
  appendText,
  clearErrors,
  finishItem,
  setText,
  settleUserItem,
  showError,
  showLevel,
  showState,
  takeTypedText,
  writeUserTranscript,
} from './view.js';

const PLAYBACK_REPORT_MS = 250;
const MAX_PENDING_FRAMES = 100; // 2 s of 20 ms frames held while the socket opens
const MAX_BUFFERED_BYTES = 512 * 1024; // drop microphone frames rather than build up latency
const MAX_EVENT_NAMES = 1000;

/** Counters for the debug object (and nothing else). */
export const stats = { audioFramesReceived: 0, audioBytesReceived: 0, audioFramesSent: 0, framesDropped: 0, events: [], interruptions: 0 };

/** The one live conversation, or null. */
let session = null;

/** Starts a conversation: audio, microphone, socket. Does nothing while one runs. */
export async function start(base) {
  if (session) return;
  clearErrors();
  if (!audioAvailable()) {
    showError(NEEDS_SECURE_PAGE);
    return;
  }
  // Created inside the click so that autoplay rules let it run.
  const context = await openAudioContext();
  const s = {
    context,
    socket: null,
    stream: null,
    capture: null,
    playback: null,
    connected: false,
    closing: false,
    pending: [],
    userSpeaking: false,
    currentResponse: null, // id of the response whose audio frames are arriving
    responses: new Map(), // id → { received, played, ended, interrupted, reportedMs, item }
    userItem: null,
    reportTimer: 0,
    fatalShown: false,
    shutdownShown: false,
  };
  session = s;
  render();
  try {
    s.stream = await openMicrophone(context);
  } catch (error) {
    showError(audioStartFailure(error));
    teardown(s);
    return;
  }
  if (session !== s) return teardown(s); // Stop was pressed meanwhile

  const nodes = connectAudio(context, s.stream, {
    onFrame: (message) => onCaptureFrame(s, message),
    onPlayed: (message) => onPlaybackMessage(s, message),
    onMicrophoneEnded: () => stop(MICROPHONE_DISCONNECTED),
  });
  s.capture = nodes.capture;
  s.playback = nodes.playback;

  openSocket(s, base);
  s.reportTimer = setInterval(() => reportPlayback(s, false), PLAYBACK_REPORT_MS);
  await context.resume();
}

function openSocket(s, base) {
  const rate = String(s.context.sampleRate);
  const params = new URLSearchParams({ inputRate: rate, outputRate: rate });
  const token = new URLSearchParams(location.search).get('token');
  if (token) params.set('token', token);
  const url = new URL(base);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = `?${params}`;
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  s.socket = socket;
  socket.addEventListener('open', () => {
    for (const frame of s.pending) sendFrame(s, frame);
    s.pending = [];
  });
  socket.addEventListener('message', (event) => {
    if (session !== s) return;
    if (typeof event.data === 'string') onJson(s, event.data);
    else onAudio(s, event.data);
  });
  socket.addEventListener('close', (event) => {
    if (session !== s) return;
    // After a fatal error or a ServerShuttingDown notice the user already knows why: one message, not two.
    const explained = s.closing || s.fatalShown || (s.shutdownShown && event.code === 1001);
    if (!explained && event.code !== 1000) showError(closeSentence(event.code));
    teardown(s);
  });
}

/** Ends the conversation, showing `reason` when given. */
export function stop(reason) {
  const s = session;
  if (!s) return;
  if (reason) showError(reason);
  s.closing = true;
  if (s.socket && s.socket.readyState <= WebSocket.OPEN) s.socket.close(1000, 'user stopped');
  teardown(s);
}

function teardown(s) {
  clearInterval(s.reportTimer);
  stopMicrophone(s.capture, s.stream);
  if (s.socket && s.socket.readyState <= WebSocket.OPEN) s.socket.close(1000);
  for (const response of s.responses.values()) finishItem(response.item);
  // A turn cut off by Stop or by the server going away gets no transcript any more: no "You …" left waiting.
  settlePendingUserItem(s, '(cut off)');
  void s.context.close().catch(() => undefined);
  if (session === s) session = null;
  showLevel(0);
  render();
}

// --- microphone → socket ---

function onCaptureFrame(s, message) {
  if (message.type !== 'frame') return;
  showLevel(Math.min(1, message.level * 4));
  if (!s.socket || s.socket.readyState === WebSocket.CONNECTING) {
    s.pending.push(message.pcm);
    if (s.pending.length > MAX_PENDING_FRAMES) s.pending.shift();
  } else if (s.socket.readyState === WebSocket.OPEN) {
    sendFrame(s, message.pcm);
  }
}

function sendFrame(s, pcm) {
  if (s.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    stats.framesDropped++;
    return;
  }
  s.socket.send(pcm);
  stats.audioFramesSent++;
}

// --- socket → speaker ---

function onAudio(s, data) {
  stats.audioFramesReceived++;
  stats.audioBytesReceived += data.byteLength;
  const response = s.responses.get(s.currentResponse);
  if (!response || response.interrupted) return; // the proxy stops these; belt and braces
  const usable = data.byteLength - (data.byteLength % 2);
  if (usable === 0) return;
  const pcm = usable === data.byteLength ? data : data.slice(0, usable);
  response.received += usable / 2;
  playChunk(s.playback, s.currentResponse, pcm);
  render();
}

function onPlaybackMessage(s, message) {
  if (message.type === 'played') {
    const response = s.responses.get(message.responseId);
    if (response) response.played += message.samples;
  }
  for (const [id, response] of s.responses) {
    if (response.ended && response.played >= response.received) {
      reportPlayback(s, true, id);
      s.responses.delete(id);
    }
  }
  render();
}

/** Sends `playback` for the response being played (every tick while it advances, and once at the end). */
function reportPlayback(s, final, id = s.currentResponse) {
  const response = s.responses.get(id);
  // Nothing played yet is no news: a stale 0 would tell the proxy the user heard nothing.
  if (!response || response.interrupted || response.played === 0) return;
  const playedMs = Math.round((response.played * 1000) / s.context.sampleRate);
  if (!final && playedMs === response.reportedMs) return;
  response.reportedMs = playedMs;
  send(s, { type: 'playback', responseId: id, playedMs });
}

// --- JSON messages ---

function onJson(s, text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  const label = message.type === 'event' ? message.name : message.type;
  stats.events.push(label);
  if (stats.events.length > MAX_EVENT_NAMES) stats.events.shift();

  switch (label) {
    case 'AIConnected':
      s.connected = true;
      break;
    case 'AISpeechDetected':
      s.userSpeaking = true;
      s.userItem ??= addPendingUserItem();
      break;
    case 'AISpeechEnded':
      s.userSpeaking = false;
      break;
    case 'transcriptDelta':
    case 'UserTranscript': {
      const final = label === 'UserTranscript';
      const item = writeUserTranscript(String(message.itemId), s.userItem, message.text, final);
      if (final && s.userItem === item) s.userItem = null;
      break;
    }
    case 'AIResponseStart':
      s.currentResponse = message.responseId;
      s.responses.set(message.responseId, { received: 0, played: 0, ended: false, interrupted: false, reportedMs: -1, item: addItem('assistant', 'Assistant', '') });
      break;
    case 'textDelta': {
      const response = s.responses.get(message.responseId);
      if (response && !response.interrupted) appendText(response.item, message.text);
      break;
    }
    case 'AIInterrupted': {
      stats.interruptions++;
      clearPlayback(s.playback);
      const response = s.responses.get(message.responseId);
      if (response) {
        response.interrupted = true;
        finishItem(response.item, 'interrupted');
        if (response.ended) s.responses.delete(message.responseId);
      }
      break;
    }
    case 'AIResponseEnd':
      onResponseEnd(s, message);
      break;
    case 'error':
      if (message.fatal === true) s.fatalShown = true; // the close that follows needs no second message
      showError(errorSentence(message));
      break;
    case 'SessionRenewed':
      // Informational: the conversation moved to a new AI session on the same socket (docs/renewal.md).
      addNote(renewalNote(message));
      break;
    case 'ServerShuttingDown':
      s.shutdownShown = true;
      showError(shutdownWarning(message));
      break;
    default:
      break;
  }
  render();
}

function onResponseEnd(s, message) {
  const response = s.responses.get(message.responseId);
  if (!response) return;
  response.ended = true;
  if (typeof message.finalText === 'string' && message.finalText !== '') setText(response.item, message.finalText);
  const cut = message.reason ? `${message.status}: ${String(message.reason).replaceAll('_', ' ')}` : message.status;
  const note = response.interrupted || message.status === 'cancelled' ? 'interrupted' : message.status === 'completed' ? '' : cut;
  finishItem(response.item, note);
  if (response.interrupted || response.played >= response.received) {
    reportPlayback(s, true, message.responseId);
    s.responses.delete(message.responseId);
  }
  // A spoken turn whose transcript never came (transcription off) keeps a neutral label.
  if (!s.userSpeaking) settlePendingUserItem(s, '(spoken)');
}

/** Gives the pending user turn its final label when no transcript will come for it. */
function settlePendingUserItem(s, label) {
  if (!s.userItem) return;
  settleUserItem(s.userItem, label);
  s.userItem = null;
}

/** Sends the typed message, once connected. */
export function sendText() {
  const s = session;
  if (!s || !s.connected) return;
  const text = takeTypedText();
  if (text === '') return;
  send(s, { type: 'text', text });
  addItem('user', 'You (typed)', text);
}

function send(s, message) {
  if (s.socket && s.socket.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify(message));
}

function deriveState() {
  const s = session;
  if (!s) return 'disconnected';
  if (!s.connected) return 'connecting';
  if (s.userSpeaking) return 'user-speaking';
  for (const response of s.responses.values()) {
    if (!response.interrupted && (!response.ended || response.played < response.received)) return 'assistant-speaking';
  }
  return 'listening';
}

/** Shows the page's state as the conversation has it now. */
export function render() {
  showState(deriveState());
}
