// The demo page's DOM: the controls, the status line, the conversation, the errors. Nothing here knows the socket.
import { STATE_LABELS } from './texts.js';

const PLACEHOLDER = '\u2026'; // a user turn whose transcript has not arrived yet

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

let shown = null; // the state last shown; set by the first showState()

/** Calls the handlers when Start, Stop or Send (the form) is used. */
export function onControls({ start, stop, sendText }) {
  ui.start.addEventListener('click', () => start());
  ui.stop.addEventListener('click', () => stop());
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    sendText();
  });
}

/** Names the server the page talks to, in the footer. */
export function showEndpoint(host) {
  ui.endpoint.textContent = host || 'this server';
}

/** Shows or hides the notice that replies come from the built-in emulator. */
export function showSimulated(simulated) {
  ui.simulated.hidden = !simulated;
}

/** The state the status line shows now. */
export function shownState() {
  return shown;
}

/** Brings the controls and the status line up to `state`; touches the DOM only when something changed. */
export function showState(state) {
  if (state === shown) return;
  shown = state;
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

/** Shows the microphone's level, 0 to 1. */
export function showLevel(level) {
  ui.level.value = level;
}

/** Takes the typed message out of the input box; '' when there is none. */
export function takeTypedText() {
  const text = ui.input.value.trim();
  if (text !== '') ui.input.value = '';
  return text;
}

/** Adds a message to the conversation and returns its element. */
export function addItem(kind, who, text) {
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

/** Adds the user's turn while they speak; its words come with the transcript. */
export function addPendingUserItem() {
  return addItem('user', 'You', PLACEHOLDER);
}

/** Writes the transcript of the user's item `itemId` (a delta or the final text); returns its element. */
export function writeUserTranscript(itemId, pending, text, final) {
  let item = [...ui.transcript.querySelectorAll('li.user')].find((li) => li.dataset.itemId === itemId);
  if (!item && pending && pending.dataset.itemId === undefined) item = pending;
  item ??= addItem('user', 'You', '');
  item.dataset.itemId = itemId;
  const body = item.querySelector('.text');
  if (final) body.textContent = text;
  else body.textContent = (body.textContent === PLACEHOLDER ? '' : body.textContent) + text;
  return item;
}

/** Gives a pending user turn `label` when no transcript will come for it. */
export function settleUserItem(item, label) {
  const body = item.querySelector('.text');
  if (body.textContent === PLACEHOLDER) body.textContent = label;
}

/** Adds streamed text to a message. */
export function appendText(item, text) {
  item.querySelector('.text').textContent += text;
  scrollToEnd();
}

/** Replaces a message's text. */
export function setText(item, text) {
  item.querySelector('.text').textContent = text;
}

function scrollToEnd() {
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

/** A small line in the conversation that is neither the user's nor the assistant's. */
export function addNote(text) {
  ui.emptyHint.hidden = true;
  const item = document.createElement('li');
  item.className = 'note';
  item.textContent = text;
  ui.transcript.append(item);
  scrollToEnd();
}

/** Marks an assistant message as complete, with an optional note; the audio may still be playing. */
export function finishItem(item, note) {
  item.setAttribute('aria-busy', 'false');
  if (note && !item.querySelector('.note')) {
    const span = document.createElement('span');
    span.className = 'note';
    span.textContent = ` (${note})`;
    item.append(span);
  }
}

/** Shows an error sentence; the three latest stay. */
export function showError(sentence) {
  const p = document.createElement('p');
  p.textContent = sentence;
  ui.errors.append(p);
  while (ui.errors.childElementCount > 3) ui.errors.firstElementChild.remove();
}

/** Removes the errors shown. */
export function clearErrors() {
  ui.errors.replaceChildren();
}
