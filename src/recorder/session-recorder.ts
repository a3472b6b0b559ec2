/**
 * The recorder of one session (`SAVE_AUDIO`): each response's audio exactly as the upstream sent it, in its own
 * raw file with a JSON sidecar, and with `both` the user's audio as sent upstream, one file per session.
 * Nothing here blocks or throws into the bridge: the first write error stops recording for the session, is
 * logged once and counted, and the conversation goes on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import { rawDurationMs, rawFormatOf, recordingBaseName, type RawFormat } from './file-names.js';
import { RawFile } from './raw-file.js';
import type { ResponseSummary, SessionRecorder } from './types.js';

export type RecordingMode = 'response' | 'both';

export interface UpstreamFormats {
  readonly input: UpstreamAudioFormat;
  readonly output: UpstreamAudioFormat;
}

export interface RecorderOptions {
  /** Where recordings go; created if missing. */
  readonly dir: string;
  /** `response`: response audio only; `both`: the user's audio too. */
  readonly mode: RecordingMode;
  readonly metrics: Pick<Metrics, 'recordedBytes' | 'recorderErrors'>;
  readonly logger: Logger;
  /** Bytes per file allowed to wait in memory when the disk is slow (default 1 MiB, about 21 s at 24 kHz). */
  readonly maxQueuedBytes?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** What the bridge calls once per session. */
export type RecorderFactory = (sessionId: string, formats: UpstreamFormats) => SessionRecorder;

const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

/** A factory that gives every session its own recorder, sharing the directory, metrics and logger. */
export function createRecorderFactory(options: RecorderOptions): RecorderFactory {
  return (sessionId, formats) => createSessionRecorder({ ...options, sessionId, formats });
}

/** The recorder of one session. */
export function createSessionRecorder(options: RecorderOptions & { sessionId: string; formats: UpstreamFormats }): SessionRecorder {
  return new FileSessionRecorder(options);
}

/** Why a response's file was closed. */
type EndedBy = 'response_done' | 'session_closed';

interface Recording {
  readonly file: RawFile;
  readonly baseName: string;
  readonly format: RawFormat;
  readonly firstAudioAt: Date;
}

interface OpenResponse {
  readonly id: string;
  readonly startedAt: Date;
  recording?: Recording;
}

type State = 'recording' | 'failed' | 'closed';

class FileSessionRecorder implements SessionRecorder {
  private state: State = 'recording';
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly maxQueuedBytes: number;
  private directory: Promise<void> | undefined;
  private readonly responses = new Map<string, OpenResponse>();
  private input: Recording | undefined;
  private readonly usedNames = new Set<string>();
  private readonly files = new Set<RawFile>();
  private readonly finishing = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RecorderOptions & { sessionId: string; formats: UpstreamFormats }) {
    this.log = options.logger.child({ sessionId: options.sessionId, component: 'recorder' });
    this.now = options.now ?? (() => new Date());
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  inputAudio(upstreamBytes: Buffer): void {
    if (this.options.mode !== 'both' || this.state !== 'recording' || upstreamBytes.length === 0) return;
    this.guard(() => {
      this.input ??= this.openRecording('input', this.options.formats.input, this.now());
      this.input.file.write(upstreamBytes);
    });
  }

  responseStarted(responseId: string): void {
    if (this.state !== 'recording' || this.responses.has(responseId)) return;
    this.responses.set(responseId, { id: responseId, startedAt: this.now() });
  }

  responseAudio(responseId: string, upstreamBytes: Buffer): void {
    if (this.state !== 'recording' || upstreamBytes.length === 0) return;
    this.guard(() => {
      let response = this.responses.get(responseId);
      if (response === undefined) {
        response = { id: responseId, startedAt: this.now() };
        this.responses.set(responseId, response);
      }
      response.recording ??= this.openRecording(responseId, this.options.formats.output, response.startedAt);
      response.recording.file.write(upstreamBytes);
    });
  }

  responseEnded(responseId: string, summary: ResponseSummary): void {
    const response = this.responses.get(responseId);
    if (response === undefined || this.closing !== undefined) return;
    this.responses.delete(responseId);
    this.track(this.finishResponse(response, summary, 'response_done'));
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const unfinished: ResponseSummary = { status: 'incomplete', finalText: '', interrupted: false };
    for (const response of this.responses.values()) this.track(this.finishResponse(response, unfinished, 'session_closed'));
    this.responses.clear();
    if (this.input !== undefined) this.track(this.finishInput(this.input));
    while (this.finishing.size > 0) await Promise.allSettled([...this.finishing]);
    if (this.state === 'recording') this.state = 'closed';
  }

  private openRecording(part: string, upstreamFormat: UpstreamAudioFormat, at: Date): Recording {
    const format = rawFormatOf(upstreamFormat);
    const baseName = this.uniqueName(recordingBaseName({ at, sessionId: this.options.sessionId, part, format }));
    this.directory ??= mkdir(this.options.dir, { recursive: true }).then(() => undefined);
    const file = new RawFile({
      path: join(this.options.dir, `${baseName}.raw`),
      directoryReady: this.directory,
      maxQueuedBytes: this.maxQueuedBytes,
      onWritten: (bytes) => this.options.metrics.recordedBytes.inc(bytes),
      onError: (error) => this.fail(error),
    });
    this.files.add(file);
    return { file, baseName, format, firstAudioAt: this.now() };
  }

  private async finishResponse(response: OpenResponse, summary: ResponseSummary, endedBy: EndedBy): Promise<void> {
    const recording = response.recording;
    if (recording === undefined) return;
    if (!(await this.endFile(recording))) return;
    await this.writeSidecar(recording, {
      kind: 'response',
      sessionId: this.options.sessionId,
      responseId: response.id,
      status: summary.status,
      finalText: summary.finalText,
      interrupted: summary.interrupted,
      interruptedAtMs: summary.interruptedAtMs ?? null,
      usage: summary.usage ?? null,
      endedBy,
      startedAt: response.startedAt.toISOString(),
      firstAudioAt: recording.firstAudioAt.toISOString(),
      endedAt: this.now().toISOString(),
    });
  }

  private async finishInput(recording: Recording): Promise<void> {
    if (!(await this.endFile(recording))) return;
    await this.writeSidecar(recording, {
      kind: 'input',
      sessionId: this.options.sessionId,
      startedAt: recording.firstAudioAt.toISOString(),
      endedAt: this.now().toISOString(),
    });
  }

  private async endFile(recording: Recording): Promise<boolean> {
    const complete = await recording.file.end();
    this.files.delete(recording.file);
    if (recording.file.droppedBytes > 0) {
      this.log.warn({ file: `${recording.baseName}.raw`, droppedBytes: recording.file.droppedBytes }, 'recording dropped audio: disk too slow');
    }
    return complete && this.state !== 'failed';
  }

  /** The `.json` beside the `.raw`: how to read the bytes, how many, and what the response was. */
  private async writeSidecar(recording: Recording, fields: Record<string, unknown>): Promise<void> {
    const { file, format, baseName } = recording;
    const sidecar = {
      file: `${baseName}.raw`,
      ...fields,
      format,
      byteCount: file.byteCount,
      durationMs: rawDurationMs(file.byteCount, format),
      droppedBytes: file.droppedBytes,
      sox: soxCommand(format, `${baseName}.raw`),
    };
    try {
      await writeFile(join(this.options.dir, `${baseName}.json`), `${JSON.stringify(sidecar, null, 2)}\n`, { flag: 'wx' });
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Stops recording for the rest of the session: once logged, once counted. */
  private fail(error: Error): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.options.metrics.recorderErrors.inc();
    this.log.warn({ err: error.message, code: (error as NodeJS.ErrnoException).code, dir: this.options.dir }, 'recording stopped: write failed');
    for (const file of this.files) file.abort();
    this.files.clear();
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error)))).finally(() => this.finishing.delete(tracked));
    this.finishing.add(tracked);
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.usedNames.has(name); n++) name = `${base}-${n}`;
    this.usedNames.add(name);
    return name;
  }
}

/** The `sox` command that turns the raw file into a WAV. */
function soxCommand(format: RawFormat, file: string): string {
  const encoding = format.encoding === 's16le' ? 'signed -b 16' : format.encoding === 'mulaw' ? 'mu-law -b 8' : 'a-law -b 8';
  return `sox -t raw -r ${format.sampleRateHz} -e ${encoding} -c 1 ${file} ${file.replace(/\.raw$/, '.wav')}`;
}
