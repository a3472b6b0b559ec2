import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERRORS, SESSION_OUTCOMES, UPGRADE_REJECTIONS, clientError, endingFor } from '../../src/errors/index.js';
import { DROP_REASONS } from '../../src/metrics/index.js';
import { codeSpans, readRepoFile, section, tableRows } from '../helpers/markdown.js';

const protocol = readRepoFile('docs/protocol.md');
const metricsDoc = readRepoFile('docs/metrics.md');

/** The label values docs/metrics.md lists for one metric (its row's labels cell, the label's own name left out). */
function documentedLabels(metric: string, label: string): string[] {
  const row = tableRows(metricsDoc).find((cells) => cells[0] === `\`${metric}\``);
  if (row === undefined) throw new Error(`docs/metrics.md has no row for ${metric}`);
  return codeSpans(row[2] ?? '').filter((value) => value !== label && /^[a-z_]+$/.test(value));
}

describe('the error table', () => {
  const eventRows = ERROR_CODES.map((code) => [code, ERRORS[code]] as const);

  it('every fatal code says how it ends the session; the busy close only where a cause can be an overloaded service', () => {
    for (const [code, spec] of eventRows) {
      if (spec.fatal) expect(spec.ends, code).toBeDefined();
    }
    expect(endingFor('upstream_unavailable')).toEqual({ close: 1011, outcome: 'upstream_error' });
    expect(endingFor('upstream_unavailable', true)).toEqual({ close: 1013, outcome: 'upstream_error' });
    expect(endingFor('session_expired', true)).toEqual({ close: 1001, outcome: 'expired' });
  });

  it('an error event is fatal as the table says, or when the sender is about to close', () => {
    expect(clientError('invalid_json')).toEqual({ type: 'error', code: 'invalid_json', message: 'The text frame is not valid JSON.', fatal: false });
    expect(clientError('upstream_error', 'Boom.', 'boom', true)).toEqual({ type: 'error', code: 'upstream_error', message: 'Boom.', fatal: true, upstreamCode: 'boom' });
  });

  it('docs/protocol.md lists every error code, with the fatal and close columns of the table, and no other', () => {
    const rows = tableRows(section(protocol, '4. Errors'));
    const documented = new Map(rows.map((cells) => [codeSpans(cells[0] ?? '')[0] ?? '', cells]));
    expect([...documented.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const [code, spec] of eventRows) {
      const [, fatalCell, closeCell] = documented.get(code) ?? [];
      expect(fatalCell, code).toBe(spec.fatal ? 'yes' : 'no');
      const closes = [...(closeCell ?? '').matchAll(/\b\d{4}\b/g)].map((match) => Number(match[0]));
      const expected = spec.ends === undefined ? [] : [spec.ends.close, ...(spec.ends.closeWhenBusy === undefined ? [] : [spec.ends.closeWhenBusy])];
      expect(closes, `${code}: ${closeCell ?? ''}`).toEqual(expected);
    }
  });

  it('docs/protocol.md lists the HTTP status of every upgrade refusal, and no other', () => {
    const statuses = tableRows(section(protocol, 'When the handshake is refused')).map((cells) => Number(cells[0]));
    const refusals = Object.values(ERRORS).flatMap((spec) => (spec.kind === 'refusal' ? [spec.status] : []));
    expect([...new Set(statuses)].sort()).toEqual([...new Set(refusals)].sort());
  });

  it('docs/metrics.md lists the closed label sets: error codes, session outcomes, upgrade reasons, drop reasons', () => {
    expect(documentedLabels('audio_proxy_errors_total', 'code').sort()).toEqual([...ERROR_CODES].sort());
    expect(documentedLabels('audio_proxy_sessions_total', 'outcome')).toEqual([...SESSION_OUTCOMES]);
    expect(documentedLabels('audio_proxy_upgrades_rejected_total', 'reason').sort()).toEqual([...UPGRADE_REJECTIONS].sort());
    expect(documentedLabels('audio_proxy_audio_dropped_bytes_total', 'reason')).toEqual([...DROP_REASONS]);
    const reasons = Object.values(ERRORS).flatMap((spec) => (spec.kind === 'refusal' ? [spec.reason] : []));
    expect([...new Set(reasons)].sort()).toEqual([...UPGRADE_REJECTIONS].sort());
  });

  it('the demo page has a sentence for every error code, and none for a code that does not exist', () => {
    const page = readRepoFile('src/http/public/texts.js');
    const block = /const ERROR_SENTENCES = \{([\s\S]*?)\n\};/.exec(page)?.[1] ?? '';
    const keys = [...block.matchAll(/^\s+([a-z_]+):/gm)].map((match) => match[1]);
    expect(keys.sort()).toEqual([...ERROR_CODES].sort());
  });
});
