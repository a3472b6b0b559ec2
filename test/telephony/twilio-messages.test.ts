import { describe, expect, it } from 'vitest';
import { isTwilioMulaw, parseTwilioMessage } from '../../src/telephony/twilio-messages.js';

/**
 * The example messages of Twilio's "Media Streams - WebSocket Messages"
 * (https://www.twilio.com/docs/voice/media-streams/websocket-messages), as documented (ids shortened).
 */
const DOCUMENTED = {
  connected: { event: 'connected', protocol: 'Call', version: '1.0.0' },
  start: {
    event: 'start',
    sequenceNumber: '1',
    start: {
      accountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      callSid: 'CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { FirstName: 'Jane', LastName: 'Doe', RemoteParty: 'Bob' },
    },
    streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  },
  media: {
    event: 'media',
    sequenceNumber: '3',
    media: { track: 'inbound', chunk: '1', timestamp: '5', payload: 'no+JhoaJjpzSHxAKBgYJDhtEopGKh4aIjZm7JhILBQYIDBQsvqGPiIaHi5O4NBUMBgYIDRQq' },
    streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  },
  dtmf: { event: 'dtmf', streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', sequenceNumber: '5', dtmf: { track: 'inbound_track', digit: '1' } },
  mark: { event: 'mark', sequenceNumber: '4', streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', mark: { name: 'my label' } },
  stop: {
    event: 'stop',
    sequenceNumber: '5',
    stop: { accountSid: 'ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', callSid: 'CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' },
    streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
  },
};

const parse = (message: unknown): ReturnType<typeof parseTwilioMessage> => parseTwilioMessage(JSON.stringify(message));

describe('Twilio messages', () => {
  it('reads every documented message', () => {
    expect(parse(DOCUMENTED.connected)).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = parse(DOCUMENTED.start);
    expect(start).toEqual({ event: 'start', start: DOCUMENTED.start.start });
    expect(start.event === 'start' && isTwilioMulaw(start.start.mediaFormat)).toBe(true);
    const media = parse(DOCUMENTED.media);
    expect(media.event === 'media' && media.payload.equals(Buffer.from(DOCUMENTED.media.media.payload, 'base64'))).toBe(true);
    expect(media).toMatchObject({ event: 'media', track: 'inbound' });
    expect(parse(DOCUMENTED.dtmf)).toEqual({ event: 'dtmf', digit: '1' });
    expect(parse(DOCUMENTED.mark)).toEqual({ event: 'mark', name: 'my label' });
    expect(parse(DOCUMENTED.stop)).toEqual({ event: 'stop' });
  });

  it('anything else is unread, never thrown', () => {
    for (const text of ['', 'not json', '[]', 'null', '{"event":"media"}', '{"event":"start","start":{}}', '{"event":"dtmf","dtmf":{"digit":"12"}}', '{"event":"mark"}', '{"event":"closed"}']) {
      expect(parseTwilioMessage(text).event).toBe('unread');
    }
  });

  it('only μ-law 8 kHz mono is passed through', () => {
    expect(isTwilioMulaw({ encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 })).toBe(true);
    expect(isTwilioMulaw({ encoding: 'audio/x-mulaw', sampleRate: 16000, channels: 1 })).toBe(false);
    expect(isTwilioMulaw({ encoding: 'audio/x-l16', sampleRate: 8000, channels: 1 })).toBe(false);
    expect(isTwilioMulaw({ encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 2 })).toBe(false);
  });
});
