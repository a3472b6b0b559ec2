// Demo page for the realtime voice proxy: microphone → WebSocket → speaker, with barge-in.
// The wire protocol is described in docs/protocol.md; this file uses nothing beyond it.

const SUPPORTED_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
const PLAYBACK_REPORT_MS = 250;
const MAX_PENDING_FRAMES = 100; // 2 s of 20 ms frames held while the socket opens
const MAX_BUFFERED_BYTES = 512 * 1024; // drop microphone frames rather than build up latency
const MAX_EVENT_NAMES = 1000;
const PLACEHOLDER = '\u2026'; // a user turn whose transcript has not arrived yet
// The page may be served under a sub-path (a reverse proxy at https://example.com/voice/): every address it uses
// is relative to the page, the socket's too.
const BASE = new URL('.', location.href);

const ERROR_SENTENCES = {
  invalid_json: 'The page sent a message the server could not read.',
  unknown_message_type: 'The page sent a message the server does not know.',
  invalid_message: 'The page sent a message with a missing or wrong field.',
  invalid_audio_frame: 'The page sent a broken piece of audio; it was ignored.',
  invalid_audio_format: 'The server does not support this browser\u2019s audio format or sample rate.',
  audio_buffer_overflow: 'Some of what you said before the assistant was ready was lost. Please repeat it.',
  message_buffer_overflow: 'Some messages sent before the assistant was ready were lost. Please send them again.',
  config_key_locked: 'That setting is fixed by the server operator.',
  rate_limited: 'The page sent too many messages at once; some were ignored.',
  rate_limit_exceeded: 'The page kept sending too many messages, so the server ended the conversation.',
  client_too_slow: 'Some of the assistant\u2019s audio was skipped because the connection is too slow.',
  response_text_truncated: 'The assistant\u2019s answer was too long to show in full; you can still hear it.',
  client_stalled: 'The connection stopped keeping up with the audio, so the server ended the conversation.',
  upstream_error: 'The AI service reported a problem with the last request.',
  upstream_rate_limited: 'The AI service is busy right now and did not answer. Please try again in a moment.',
  upstream_quota: 'The AI service did not answer: the server\u2019s usage quota is used up. Please tell the operator.',
  upstream_failed: 'The AI service failed to answer. Please try again.',
  upstream_incomplete: 'The AI service stopped the answer early.',
  upstream_unavailable: 'The AI service cannot be reached right now. Please try again later.',
  upstream_auth_failed: 'The server could not sign in to the AI service. Please tell the operator.',
  upstream_closed: 'The AI service ended the conversation unexpectedly.',
  session_expired: 'The conversation reached its time limit. Press Start to begin a new one.',
  idle_timeout: 'The conversation ended because nothing was said for a while. Press Start to begin again.',
  budget_exhausted: 'Your usage allowance for this period is used up, so the conversation ended. It renews at the start of the next period.',
  internal_error: 'Something went wrong in the server.',
};

const CLOSE_SENTENCES = {
  1001: 'The server ended the conversation (it is restarting, or the time limit was reached).',
  1006: 'Lost the connection to the server, or the server refused it (check the address and any access token).',
  1008: 'The server refused the conversation\u2019s settings.',
  1009: 'The page sent a piece of audio that was too large.',
  1011: 'The AI service failed.',
  1013: 'The server is too busy right now. Please try again later.',
};

const STATE_LABELS = {
  disconnected: 'Disconnected',
  connecting: 'Connecting\u2026',
  listening: 'Listening',
  'user-speaking': 'You are speaking',
  'assistant-speaking': 'Assistant speaking',
};

const $ = (id) => document.getElementById(id);
const ui = {
  start: $('start'),
  stop: $('stop'),
  status: $('status'),
  statusBox: $('status-box'),
  level: $('level'),
  errors: $('errors'),
  transcript: $('transcript'),
  emptyHint: $('empty-hint'),
  form: $('text-form'),
  input: $('text-input'),
  send: $('send'),
  hint: $('text-hint'),
  endpoint: $('endpoint'),
  simulated: $('simulated'),
};

// Counters for the debug object (and nothing else).
const stats = { audioFramesReceived: 0, audioBytesReceived: 0, audioFramesSent: 0, framesDropped: 0, events: [], interruptions: 0 };
let state = null; // set by the first render()

/** The one live conversation, or null. */
let session = null;

// For automated tests: a read-only view of what the page has received. Not part of the protocol.
Object.defineProperty(window, 'voiceProxyDemo', {
  value: Object.freeze({
    get state() {
      return state;
    },
    get stats() {
      return Object.freeze({ ...stats, events: Object.freeze([...stats.events]) });
    },
  }),
});

ui.endpoint.textContent = location.host || 'this server';
void showUpstream();
ui.start.addEventListener('click', () => void start());
ui.stop.addEventListener('click', () => stop());
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  sendText();
});

async function start() {
  if (session) return;
  clearErrors();
  if (!navigator.mediaDevices || !window.AudioWorkletNode) {
    showError('This page needs a secure address (https:// or localhost) and a current browser to use the microphone.');
    return;
  }
  // Created inside the click so that autoplay rules let it run.
  let context = new AudioContext();
  if (!SUPPORTED_RATES.includes(context.sampleRate)) {
    await context.close();
    context = new AudioContext({ sampleRate: 48000 });
  }
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
    await Promise.all([context.audioWorklet.addModule('./capture-worklet.js'), context.audioWorklet.addModule('./playback-worklet.js')]);
    s.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
    });
  } catch (error) {
    const denied = error && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
    showError(denied ? 'The microphone is blocked. Allow it for this page and press Start again.' : `Could not start the microphone or audio: ${error.message ?? error}`);
    teardown(s);
    return;
  }
  if (session !== s) return teardown(s); // Stop was pressed meanwhile

  s.playback = new AudioWorkletNode(context, 'playback-processor', { numberOfInputs: 0, outputChannelCount: [1] });
  s.playback.port.onmessage = (event) => onPlaybackMessage(s, event.data);
  s.playback.connect(context.destination);

  s.capture = new AudioWorkletNode(context, 'capture-processor', { numberOfOutputs: 1, outputChannelCount: [1] });
  s.capture.port.onmessage = (event) => onCaptureFrame(s, event.data);
  // The capture node writes silence; connecting it to the destination keeps it pulled in every browser.
  context.createMediaStreamSource(s.stream).connect(s.capture).connect(context.destination);
  s.stream.getAudioTracks().forEach((track) => track.addEventListener('ended', () => stop('The microphone was disconnected.')));

  openSocket(s);
  s.reportTimer = setInterval(() => reportPlayback(s, false), PLAYBACK_REPORT_MS);
  await context.resume();
}

/** Says so when the server's replies come from its built-in emulator (an echo, not an AI model). */
async function showUpstream() {
  try {
    const info = await (await fetch(new URL('info', BASE))).json();
    ui.simulated.hidden = info?.upstream?.simulated !== true;
  } catch {
    // No /info (an older server, or a proxy in front that hides it): say nothing rather than guess.
  }
}

function openSocket(s) {
  const rate = String(s.context.sampleRate);
  const params = new URLSearchParams({ inputRate: rate, outputRate: rate });
  const token = new URLSearchParams(location.search).get('token');
  if (token) params.set('token', token);
  const url = new URL(BASE);
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
    if (!explained && event.code !== 1000) showError(CLOSE_SENTENCES[event.code] ?? `The connection closed (code ${event.code}).`);
    teardown(s);
  });
}

function stop(reason) {
  const s = session;
  if (!s) return;
  if (reason) showError(reason);
  s.closing = true;
  if (s.socket && s.socket.readyState <= WebSocket.OPEN) s.socket.close(1000, 'user stopped');
  teardown(s);
}

function teardown(s) {
  clearInterval(s.reportTimer);
  if (s.capture) s.capture.port.postMessage({ type: 'stop' });
  if (s.stream) s.stream.getTracks().forEach((track) => track.stop());
  if (s.socket && s.socket.readyState <= WebSocket.OPEN) s.socket.close(1000);
  for (const response of s.responses.values()) finishItem(response);
  // A turn cut off by Stop or by the server going away gets no transcript any more: no "You …" left waiting.
  settleUserItem(s, '(cut off)');
  void s.context.close().catch(() => undefined);
  if (session === s) session = null;
  ui.level.value = 0;
  render();
}

// --- microphone → socket ---

function onCaptureFrame(s, message) {
  if (message.type !== 'frame') return;
  ui.level.value = Math.min(1, message.level * 4);
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
  s.playback.port.postMessage({ type: 'chunk', responseId: s.currentResponse, pcm }, [pcm]);
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
      s.userItem ??= addItem('user', 'You', PLACEHOLDER);
      break;
    case 'AISpeechEnded':
      s.userSpeaking = false;
      break;
    case 'transcriptDelta':
    case 'UserTranscript':
      onUserTranscript(s, message, label === 'UserTranscript');
      break;
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
      s.playback.port.postMessage({ type: 'clear' });
      const response = s.responses.get(message.responseId);
      if (response) {
        response.interrupted = true;
        finishItem(response, 'interrupted');
        if (response.ended) s.responses.delete(message.responseId);
      }
      break;
    }
    case 'AIResponseEnd':
      onResponseEnd(s, message);
      break;
    case 'error':
      if (message.fatal === true) s.fatalShown = true; // the close that follows needs no second message
      showError(ERROR_SENTENCES[message.code] ?? `Error: ${message.message ?? message.code}`);
      break;
    case 'SessionRenewed':
      // Informational: the conversation moved to a new AI session on the same socket (docs/renewal.md).
      addNote(
        message.reason === 'upstream_lost'
          ? `Reconnected to the AI service (${message.replayedItems} earlier messages carried over).`
          : `Continued in a new AI session (${message.replayedItems} earlier messages carried over).`,
      );
      break;
    case 'ServerShuttingDown': {
      s.shutdownShown = true;
      const seconds = Math.max(1, Math.round(Number(message.graceMs) / 1000) || 0);
      showError(
        message.reason === 'max_session'
          ? `This conversation reaches its time limit in about ${seconds} s.`
          : `The server is restarting; this conversation will end within ${seconds} s. Press Start again afterwards.`,
      );
      break;
    }
    default:
      break;
  }
  render();
}

function onUserTranscript(s, message, final) {
  const id = String(message.itemId);
  let item = [...ui.transcript.querySelectorAll('li.user')].find((li) => li.dataset.itemId === id);
  if (!item && s.userItem && s.userItem.dataset.itemId === undefined) item = s.userItem;
  item ??= addItem('user', 'You', '');
  item.dataset.itemId = id;
  const text = item.querySelector('.text');
  if (final) text.textContent = message.text;
  else text.textContent = (text.textContent === PLACEHOLDER ? '' : text.textContent) + message.text;
  if (final && s.userItem === item) s.userItem = null;
}

function onResponseEnd(s, message) {
  const response = s.responses.get(message.responseId);
  if (!response) return;
  response.ended = true;
  if (typeof message.finalText === 'string' && message.finalText !== '') setText(response.item, message.finalText);
  const cut = message.reason ? `${message.status}: ${String(message.reason).replaceAll('_', ' ')}` : message.status;
  const note = response.interrupted || message.status === 'cancelled' ? 'interrupted' : message.status === 'completed' ? '' : cut;
  finishItem(response, note);
  if (response.interrupted || response.played >= response.received) {
    reportPlayback(s, true, message.responseId);
    s.responses.delete(message.responseId);
  }
  // A spoken turn whose transcript never came (transcription off) keeps a neutral label.
  if (!s.userSpeaking) settleUserItem(s, '(spoken)');
}

/** Gives the pending user turn its final label when no transcript will come for it. */
function settleUserItem(s, label) {
  if (!s.userItem) return;
  const text = s.userItem.querySelector('.text');
  if (text.textContent === PLACEHOLDER) text.textContent = label;
  s.userItem = null;
}

function sendText() {
  const s = session;
  const text = ui.input.value.trim();
  if (!s || !s.connected || text === '') return;
  send(s, { type: 'text', text });
  addItem('user', 'You (typed)', text);
  ui.input.value = '';
}

function send(s, message) {
  if (s.socket && s.socket.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify(message));
}

// --- view ---

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

/** Brings the controls and the status line up to date; touches the DOM only when something changed. */
function render() {
  const next = deriveState();
  if (next === state) return;
  state = next;
  ui.status.textContent = STATE_LABELS[state];
  ui.statusBox.dataset.state = state;
  const running = state !== 'disconnected';
  const connected = running && state !== 'connecting';
  const focused = document.activeElement;
  ui.start.disabled = running;
  ui.stop.disabled = !running;
  // Keyboard users keep their place: focus moves from the button that just became disabled to its partner.
  if (focused === ui.start && running) ui.stop.focus();
  else if (focused === ui.stop && !running) ui.start.focus();
  ui.input.disabled = !connected;
  ui.send.disabled = !connected;
  ui.hint.textContent = connected ? 'Press Enter or Send. The assistant answers out loud.' : 'Available once connected.';
}

function addItem(kind, who, text) {
  ui.emptyHint.hidden = true;
  const item = document.createElement('li');
  item.className = kind;
  const label = document.createElement('span');
  label.className = 'who';
  label.textContent = who;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(label, body);
  if (kind === 'assistant') item.setAttribute('aria-busy', 'true');
  ui.transcript.append(item);
  scrollToEnd();
  return item;
}

function appendText(item, text) {
  item.querySelector('.text').textContent += text;
  scrollToEnd();
}

function scrollToEnd() {
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

/** A small line in the conversation that is neither the user's nor the assistant's. */
function addNote(text) {
  ui.emptyHint.hidden = true;
  const item = document.createElement('li');
  item.className = 'note';
  item.textContent = text;
  ui.transcript.append(item);
  scrollToEnd();
}

function setText(item, text) {
  item.querySelector('.text').textContent = text;
}

/** Marks an assistant message as complete, with an optional note; the audio may still be playing. */
function finishItem(response, note) {
  response.item.setAttribute('aria-busy', 'false');
  if (note && !response.item.querySelector('.note')) {
    const span = document.createElement('span');
    span.className = 'note';
    span.textContent = ` (${note})`;
    response.item.append(span);
  }
}

function showError(sentence) {
  const p = document.createElement('p');
  p.textContent = sentence;
  ui.errors.append(p);
  while (ui.errors.childElementCount > 3) ui.errors.firstElementChild.remove();
}

function clearErrors() {
  ui.errors.replaceChildren();
}

render();
