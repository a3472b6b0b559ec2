// What the demo page says in words: the protocol's error codes and close codes, its states and its notices.
// test/errors/index.test.ts checks that ERROR_SENTENCES has a sentence for every error code and no other.

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

/** The status line's words for each state of the page. */
export const STATE_LABELS = {
  disconnected: 'Disconnected',
  connecting: 'Connecting\u2026',
  listening: 'Listening',
  'user-speaking': 'You are speaking',
  'assistant-speaking': 'Assistant speaking',
};

/** Said when the browser has no microphone API or no AudioWorklet. */
export const NEEDS_SECURE_PAGE = 'This page needs a secure address (https:// or localhost) and a current browser to use the microphone.';

/** Said when the microphone track ends while talking (unplugged, or revoked). */
export const MICROPHONE_DISCONNECTED = 'The microphone was disconnected.';

/** The sentence for a failed microphone or audio start. */
export function audioStartFailure(error) {
  const denied = error && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
  return denied ? 'The microphone is blocked. Allow it for this page and press Start again.' : `Could not start the microphone or audio: ${error.message ?? error}`;
}

/** The sentence for an `error` message from the server. */
export function errorSentence(message) {
  return ERROR_SENTENCES[message.code] ?? `Error: ${message.message ?? message.code}`;
}

/** The sentence for a socket closed with `code` that nothing else explained. */
export function closeSentence(code) {
  return CLOSE_SENTENCES[code] ?? `The connection closed (code ${code}).`;
}

/** The conversation's note for a `SessionRenewed` event (docs/renewal.md). */
export function renewalNote(message) {
  return message.reason === 'upstream_lost'
    ? `Reconnected to the AI service (${message.replayedItems} earlier messages carried over).`
    : `Continued in a new AI session (${message.replayedItems} earlier messages carried over).`;
}

/** The warning for a `ServerShuttingDown` event: a restart, or the conversation's time limit. */
export function shutdownWarning(message) {
  const seconds = Math.max(1, Math.round(Number(message.graceMs) / 1000) || 0);
  return message.reason === 'max_session'
    ? `This conversation reaches its time limit in about ${seconds} s.`
    : `The server is restarting; this conversation will end within ${seconds} s. Press Start again afterwards.`;
}
