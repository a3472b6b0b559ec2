// Demo page for the realtime voice proxy: microphone → WebSocket → speaker, with barge-in.
// This entry point wires the page together: session.js (the conversation and its socket), audio.js (the
// worklets), view.js (the DOM), texts.js (what the page says). The wire protocol is in docs/protocol.md.
import { render, sendText, start, stats, stop } from './session.js';
import { onControls, showEndpoint, showSimulated, shownState } from './view.js';

// The page may be served under a sub-path (a reverse proxy at https://example.com/voice/): every address it uses
// is relative to the page, the socket's too.
const BASE = new URL('.', location.href);

// For automated tests: a read-only view of what the page has received. Not part of the protocol.
Object.defineProperty(window, 'voiceProxyDemo', {
  value: Object.freeze({
    get state() {
      return shownState();
    },
    get stats() {
      return Object.freeze({ ...stats, events: Object.freeze([...stats.events]) });
    },
  }),
});

/** Says so when the server's replies come from its built-in emulator (an echo, not an AI model). */
async function showUpstream() {
  try {
    const info = await (await fetch(new URL('info', BASE))).json();
    showSimulated(info?.upstream?.simulated === true);
  } catch {
    // No /info (an older server, or a proxy in front that hides it): say nothing rather than guess.
  }
}

showEndpoint(location.host);
void showUpstream();
onControls({ start: () => void start(BASE), stop: () => stop(), sendText });
render();
