import { join, relative, isAbsolute } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ID_LENGTH,
  fileTimestamp,
  formatSuffix,
  rawDurationMs,
  rawFormatOf,
  recordingBaseName,
  sanitizeId,
} from '../../src/recorder/file-names.js';

const PCM = rawFormatOf({ type: 'audio/pcm', rate: 24000 });

describe('recording file names', () => {
  it('state the import settings of each upstream format', () => {
    expect(formatSuffix(PCM)).toBe('24000hz_s16le_mono');
    expect(formatSuffix(rawFormatOf({ type: 'audio/pcmu' }))).toBe('8000hz_mulaw_mono');
    expect(formatSuffix(rawFormatOf({ type: 'audio/pcma' }))).toBe('8000hz_alaw_mono');
  });

  it('compute durations from bytes: 48 bytes per ms at 24 kHz s16le, 8 for G.711', () => {
    expect(rawDurationMs(48_000, PCM)).toBe(1000);
    expect(rawDurationMs(100, PCM)).toBeCloseTo(100 / 48, 12);
    expect(rawDurationMs(8000, rawFormatOf({ type: 'audio/pcmu' }))).toBe(1000);
  });

  it('put the UTC time, the session, the part and the format in the name', () => {
    const at = new Date(Date.UTC(2026, 10, 24, 6, 59, 41, 123));
    expect(fileTimestamp(at)).toBe('2026-11-24T06-59-41-123Z');
    expect(recordingBaseName({ at, sessionId: 'abc-123', part: 'resp_Xy9', format: PCM })).toBe(
      '2026-11-24T06-59-41-123Z_abc-123_resp_Xy9_24000hz_s16le_mono',
    );
  });

  it('sanitise identifiers: only [A-Za-z0-9_-], capped, never empty', () => {
    expect(sanitizeId('../../etc/passwd')).toBe('etcpasswd');
    expect(sanitizeId('resp_ABC-def_123')).toBe('resp_ABC-def_123');
    expect(sanitizeId('/..\\.. \u0000')).toBe('unknown');
    expect(sanitizeId('')).toBe('unknown');
    expect(sanitizeId('x'.repeat(500))).toHaveLength(MAX_ID_LENGTH);
  });

  it('never let an identifier escape the directory (property)', () => {
    const dir = '/recordings';
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), (sessionId, part) => {
        const name = recordingBaseName({ at: new Date(0), sessionId, part, format: PCM });
        const rel = relative(dir, join(dir, `${name}.raw`));
        return (
          /^[A-Za-z0-9_-]+$/.test(name) &&
          name.length <= 24 + 1 + MAX_ID_LENGTH + 1 + MAX_ID_LENGTH + 1 + 18 &&
          !rel.startsWith('..') &&
          !isAbsolute(rel) &&
          !rel.includes('/')
        );
      }),
    );
  });
});
