/**
 * Twilio's request signature (`X-Twilio-Signature`): base64 of HMAC-SHA1, keyed with the account's auth token, over
 * the full URL Twilio requested followed by each POST parameter's name and value, names sorted
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security). A Media Streams WebSocket upgrade is a GET with no
 * body, so what is signed is the `wss://` URL alone. Like Twilio's own validator (twilio-node
 * `src/webhooks/webhooks.ts`, `validateRequest`), a signature over the URL with or without its default port passes:
 * Twilio has signed both forms (twilio-node also drops any other port; we keep it: it is part of what Twilio was
 * given). Our own ~40 lines rather than the `twilio` package (megabytes of REST client for
 * one HMAC); test/telephony/twilio-signature.test.ts holds them to Twilio's published example signatures.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature Twilio sends for `url` and POST `params` (none for a WebSocket upgrade). */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>> = {}): string {
  const data = Object.keys(params)
    .sort()
    .reduce((signed, name) => signed + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** True when `signature` is Twilio's for `url` (with or without its default port) and `params`; constant time. */
export function validTwilioSignature(authToken: string, signature: string, url: string, params: Readonly<Record<string, string>> = {}): boolean {
  const forms = urlForms(url);
  if (forms === undefined) return false;
  // Both compared, always: which form matched must not show in the timing either.
  const matches = forms.map((form) => sameText(signature, twilioSignature(authToken, form, params)));
  return matches.some(Boolean);
}

/** The URL as given, and its other form: the default port written out, or left out (another port is kept). */
function urlForms(url: string): [string, string] | undefined {
  // The authority is rewritten in the text itself: the path and query stay exactly as written (Twilio signs them as
  // it requested them, not re-encoded), and so does the host's case.
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/is.exec(url);
  if (match === null) return undefined;
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()];
  if (defaultPort === undefined) return [url, url];
  const port = /:(\d+)$/.exec(authority);
  if (port === null) return [url, `${scheme}//${authority}:${defaultPort}${rest}`];
  return port[1] === defaultPort ? [url, `${scheme}//${authority.slice(0, port.index)}${rest}`] : [url, url];
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'https:': '443', 'wss:': '443', 'http:': '80', 'ws:': '80' };

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
