/**
 * Twilio Media Streams messages, as Twilio documents them ("Media Streams - WebSocket Messages",
 * https://www.twilio.com/docs/voice/media-streams/websocket-messages): what Twilio sends (`connected`, `start`,
 * `media`, `dtmf`, `mark`, `stop`), read into one typed union without ever throwing, and what a bidirectional stream
 * sends back (`media`, `mark`, `clear`). Every message is a JSON text frame; audio is base64 μ-law at 8 kHz.
 */

/** The only media format Twilio streams: `start.mediaFormat` says so, and the proxy checks it. */
const TWILIO_MEDIA_FORMAT = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } as const;

/** A `start` message's stream metadata. */
export interface TwilioStart {
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid: string;
  readonly tracks: readonly string[];
  readonly mediaFormat: { readonly encoding: string; readonly sampleRate: number; readonly channels: number };
  /** The `<Parameter>`s of the `<Stream>` noun (Twilio's stream URL takes no query string: these replace it). */
  readonly customParameters: Readonly<Record<string, string>>;
}

/** A message from Twilio, or `unread` for one the proxy cannot use (logged, never answered: Twilio reads no errors). */
export type TwilioInbound =
  | { readonly event: 'connected'; readonly protocol: string; readonly version: string }
  | { readonly event: 'start'; readonly start: TwilioStart }
  /** `payload`: the decoded μ-law bytes; `track`: `inbound` is the caller (the only track `<Connect><Stream>` sends). */
  | { readonly event: 'media'; readonly track: string; readonly payload: Buffer }
  | { readonly event: 'dtmf'; readonly digit: string }
  /** A mark the proxy sent, acknowledged: the audio before it has played (or was cleared). */
  | { readonly event: 'mark'; readonly name: string }
  | { readonly event: 'stop' }
  | { readonly event: 'unread'; readonly why: string };

/** What the proxy sends Twilio on a bidirectional stream. */
export type TwilioOutbound =
  | { readonly event: 'media'; readonly streamSid: string; readonly media: { readonly payload: string } }
  | { readonly event: 'mark'; readonly streamSid: string; readonly mark: { readonly name: string } }
  | { readonly event: 'clear'; readonly streamSid: string };

/** Reads one text frame from Twilio. */
export function parseTwilioMessage(text: string): TwilioInbound {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return unread('not JSON');
  }
  if (!isRecord(value)) return unread('not an object');
  switch (value.event) {
    case 'connected':
      return { event: 'connected', protocol: stringOr(value.protocol, ''), version: stringOr(value.version, '') };
    case 'start':
      return readStart(value.start);
    case 'media': {
      const media = value.media;
      if (!isRecord(media) || typeof media.payload !== 'string') return unread('media without a payload');
      return { event: 'media', track: stringOr(media.track, 'inbound'), payload: Buffer.from(media.payload, 'base64') };
    }
    case 'dtmf': {
      const digit = isRecord(value.dtmf) ? value.dtmf.digit : undefined;
      return typeof digit === 'string' && /^[0-9*#A-D]$/.test(digit) ? { event: 'dtmf', digit } : unread('dtmf without a digit');
    }
    case 'mark': {
      const name = isRecord(value.mark) ? value.mark.name : undefined;
      return typeof name === 'string' ? { event: 'mark', name } : unread('mark without a name');
    }
    case 'stop':
      return { event: 'stop' };
    default:
      return unread('unknown event');
  }
}

function readStart(start: unknown): TwilioInbound {
  if (!isRecord(start) || typeof start.streamSid !== 'string' || start.streamSid === '') return unread('start without a streamSid');
  const format = isRecord(start.mediaFormat) ? start.mediaFormat : {};
  const parameters: Record<string, string> = {};
  if (isRecord(start.customParameters)) {
    for (const [name, parameter] of Object.entries(start.customParameters)) if (typeof parameter === 'string') parameters[name] = parameter;
  }
  return {
    event: 'start',
    start: {
      streamSid: start.streamSid,
      callSid: stringOr(start.callSid, ''),
      accountSid: stringOr(start.accountSid, ''),
      tracks: Array.isArray(start.tracks) ? start.tracks.filter((track): track is string => typeof track === 'string') : [],
      mediaFormat: {
        encoding: stringOr(format.encoding, ''),
        sampleRate: typeof format.sampleRate === 'number' ? format.sampleRate : 0,
        channels: typeof format.channels === 'number' ? format.channels : 0,
      },
      customParameters: parameters,
    },
  };
}

/** True when the stream's audio is what the proxy passes through: μ-law, 8 kHz, mono. */
export function isTwilioMulaw(format: TwilioStart['mediaFormat']): boolean {
  return (
    format.encoding === TWILIO_MEDIA_FORMAT.encoding &&
    format.sampleRate === TWILIO_MEDIA_FORMAT.sampleRate &&
    format.channels === TWILIO_MEDIA_FORMAT.channels
  );
}

function unread(why: string): TwilioInbound {
  return { event: 'unread', why };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
