/**
 * The TwiML that wires a phone number to this server in one step (https://www.twilio.com/docs/voice/twiml/stream):
 * `<Connect><Stream>` opens a bidirectional stream to the proxy and holds the call until the stream ends; then Twilio
 * goes on with the next verb, a `<Say>` goodbye, and hangs up at the end of the document. `<Stream url>` takes no
 * query string, so anything for the stream (a token) goes in `<Parameter>`s, which arrive in `start.customParameters`.
 */

export interface TwimlOptions {
  /** The `wss://` URL of this server's Twilio path. */
  readonly streamUrl: string;
  /** `<Parameter name value>` pairs for the stream. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Said after the stream ends; empty: none. */
  readonly goodbye: string;
}

/** The `<Response>` document for an incoming call. */
export function connectStreamTwiml(options: TwimlOptions): string {
  const parameters = Object.entries(options.parameters ?? {})
    .map(([name, value]) => `\n      <Parameter name="${xmlEscape(name)}" value="${xmlEscape(value)}" />`)
    .join('');
  const goodbye = options.goodbye === '' ? '' : `\n  <Say>${xmlEscape(options.goodbye)}</Say>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<Response>\n' +
    '  <Connect>\n' +
    `    <Stream url="${xmlEscape(options.streamUrl)}">${parameters}${parameters === '' ? '' : '\n    '}</Stream>\n` +
    '  </Connect>' +
    `${goodbye}\n` +
    '</Response>\n'
  );
}

/** The five XML special characters, escaped for text and attribute values alike. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * The `wss://` URL Twilio connects to for `path`: from `PUBLIC_ORIGIN` when set (behind TLS termination, the address
 * Twilio is given), else from the request's `Host`. Twilio connects only over `wss`, so the scheme is always that.
 * This is also the URL whose signature `X-Twilio-Signature` carries.
 */
export function publicStreamUrl(publicOrigin: string | null, host: string | undefined, pathAndQuery: string): string {
  const authority = publicOrigin === null ? (host ?? 'localhost') : new URL(publicOrigin).host;
  return `wss://${authority}${pathAndQuery}`;
}
