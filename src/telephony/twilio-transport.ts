/**
 * A Twilio Media Stream as a session's client (`ClientTransport`): the caller's μ-law reaches the session as audio,
 * response audio leaves as `media` messages, each followed by a `mark` whose acknowledgement says how much of the
 * response the caller has heard (fed to the session as `played`, so a barge-in truncates the model's memory of the
 * reply where the caller stopped hearing it). A barge-in (`AIInterrupted`) is a `clear`: Twilio drops the audio it
 * still holds, and the marks it then returns for it are ignored, since that audio never played. DTMF becomes a typed
 * turn (TWILIO_DTMF=text); `stop` is the caller hanging up.
 *
 * Twilio has no message for the rest of the session's events (transcripts, text, errors, SessionUpdated, the drain's
 * ServerShuttingDown, and any event added later): they are logged and dropped. What a caller notices of them is the
 * stream closing, after which Twilio goes on with the TwiML (the goodbye).
 */
import type WebSocket from 'ws';
import type { DtmfMode } from '../config/index.js';
import type { Logger } from '../logger/index.js';
import { abandonSocket, type ClientInput, type ClientTransport } from '../ws/client-transport.js';
import type { ServerEvent } from '../ws/server-events.js';
import { parseTwilioMessage, type TwilioInbound, type TwilioOutbound, type TwilioStart } from './twilio-messages.js';

/** μ-law at 8 kHz: one byte per sample, 8 per ms. */
const MULAW_BYTES_PER_MS = 8;

/** The response whose audio is going to the caller: bytes sent so far, and whether its playback was cleared. */
interface Playing {
  readonly responseId: string;
  sentBytes: number;
  cleared: boolean;
}

export class TwilioTransport implements ClientTransport {
  private playing: Playing | undefined;
  private input: ClientInput | undefined;
  private closedReported = false;
  /** The fixed start of every `media` message (its JSON built once; only the payload changes per frame). */
  private readonly mediaPrefix: string;

  constructor(
    private readonly socket: WebSocket,
    readonly stream: TwilioStart,
    private readonly options: { readonly dtmf: DtmfMode; readonly log: Logger },
  ) {
    this.mediaPrefix = `{"event":"media","streamSid":${JSON.stringify(stream.streamSid)},"media":{"payload":"`;
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(event: ServerEvent): void {
    if (event.type === 'error') {
      this.options.log.info({ code: event.code, fatal: event.fatal }, 'session error (not expressible to Twilio)');
      return;
    }
    if (event.type !== 'event') return;
    switch (event.name) {
      case 'AIResponseStart':
        this.playing = { responseId: event.responseId, sentBytes: 0, cleared: false };
        return;
      case 'AIInterrupted':
        if (this.playing?.responseId === event.responseId) this.playing.cleared = true;
        this.sendMessage({ event: 'clear', streamSid: this.stream.streamSid });
        return;
      default:
        this.options.log.trace({ name: event.name }, 'event not expressible to Twilio');
    }
  }

  sendAudio(frame: Buffer): void {
    const playing = this.playing;
    if (!this.isOpen || playing === undefined) return;
    // A mark before the first frame: acknowledged once earlier audio has played, it says "none of this one yet".
    if (playing.sentBytes === 0) this.sendMark(playing);
    this.socket.send(`${this.mediaPrefix}${frame.toString('base64')}"}}`);
    playing.sentBytes += frame.length;
    this.sendMark(playing);
  }

  close(code: number, reason: string): void {
    if (this.isOpen) this.socket.close(code, reason);
  }

  abandon(): void {
    abandonSocket(this.socket);
  }

  listen(input: ClientInput): void {
    this.input = input;
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.options.log.debug('binary frame on a Twilio stream ignored');
      else this.onMessage(input, parseTwilioMessage(data.toString('utf8')));
    });
    this.socket.on('ping', () => input.ping());
    this.socket.on('error', (error) => input.error(error.message));
    this.socket.on('close', (code) => this.reportClosed(code));
  }

  private onMessage(input: ClientInput, message: TwilioInbound): void {
    switch (message.event) {
      case 'media':
        // `<Connect><Stream>` sends the caller's track only; any other track is not the user speaking.
        if (message.track === 'inbound') input.audio(message.payload);
        return;
      case 'mark':
        this.onMarkPlayed(input, message.name);
        return;
      case 'dtmf':
        this.options.log.info({ digit: message.digit }, 'dtmf');
        if (this.options.dtmf === 'text') {
          input.control({ ok: true, message: { type: 'text', text: `The caller pressed ${message.digit} on the phone keypad.` } });
        }
        return;
      case 'stop':
        // The call (or the stream) ended on Twilio's side: the caller hung up.
        this.reportClosed(1000);
        return;
      case 'unread':
        this.options.log.debug({ why: message.why }, 'Twilio message not read');
        return;
      case 'connected':
      case 'start':
        // Already read before the session opened (twilio-endpoint.ts); a second one changes nothing.
        return;
    }
  }

  /** A mark came back: the audio before it has played, unless it came back because its playback was cleared. */
  private onMarkPlayed(input: ClientInput, name: string): void {
    const split = name.lastIndexOf(':');
    const responseId = name.slice(0, split);
    const bytes = Number(name.slice(split + 1));
    const playing = this.playing;
    if (split < 0 || !Number.isInteger(bytes) || playing?.responseId !== responseId || playing.cleared) return;
    input.played(responseId, Math.floor(bytes / MULAW_BYTES_PER_MS));
  }

  private sendMark(playing: Playing): void {
    this.sendMessage({ event: 'mark', streamSid: this.stream.streamSid, mark: { name: `${playing.responseId}:${playing.sentBytes}` } });
  }

  private sendMessage(message: TwilioOutbound): void {
    if (this.isOpen) this.socket.send(JSON.stringify(message));
  }

  /** `stop` and the socket's close both end the stream; the session hears it once. */
  private reportClosed(code: number): void {
    if (this.closedReported) return;
    this.closedReported = true;
    this.input?.closed(code);
  }
}
