import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/ws/server-events.js';
import { readRepoFile, section, tableRows } from '../helpers/markdown.js';

/** What tells one server message from another: the `name` of an event, else its `type`. */
type KeyOf<E> = E extends { type: 'event'; name: infer N extends string } ? N : E extends { type: infer T extends string } ? T : never;
type EventOf<K> = Extract<ServerEvent, { name: K }> | Extract<Exclude<ServerEvent, { type: 'event' }>, { type: K }>;
type Fields<E> = Exclude<keyof E, 'type' | 'name'> & string;
/** A field as the catalog writes it: `name`, or `name?` when the event may leave it out. */
type FieldEntry<E> = { [F in Fields<E>]-?: object extends Pick<E, F> ? `${F}?` : F }[Fields<E>];
type Catalog = { readonly [K in KeyOf<ServerEvent>]: readonly FieldEntry<EventOf<K>>[] };

/** Every field of every server message: the compiler holds it to the union (below), the test to the docs. */
const FIELDS = {
  AIConnected: ['sessionId', 'input', 'output', 'audioPath'],
  AISpeechDetected: ['audioStartMs'],
  AISpeechEnded: ['audioEndMs'],
  transcriptDelta: ['itemId', 'text'],
  UserTranscript: ['itemId', 'text'],
  AIResponseStart: ['responseId'],
  textDelta: ['responseId', 'text'],
  AIInterrupted: ['responseId', 'playedMs'],
  AIResponseEnd: ['responseId', 'status', 'finalText', 'reason?', 'usage?'],
  SessionUpdated: ['session'],
  pong: ['id?'],
  error: ['code', 'message', 'fatal', 'upstreamCode?'],
  SessionRenewed: ['reason', 'replayedItems', 'gapMs'],
  ServerShuttingDown: ['graceMs', 'reason?'],
} as const satisfies Catalog;

// Compile-time: no field of the union is missing from the catalog (`satisfies` already refuses one it does not have).
type Missing = { [K in keyof Catalog]: Exclude<FieldEntry<EventOf<K>>, (typeof FIELDS)[K][number]> }[keyof Catalog];
const nothingMissing: [Missing] extends [never] ? true : Missing = true;

/**
 * A documented message such as `{"type":"event","name":"AIResponseEnd","responseId","status","finalText","reason"?}`:
 * its key and its top-level fields (`?` kept), nested objects skipped.
 */
function readDocumented(shape: string): { key: string; fields: string[] } {
  const body = shape.trim().replace(/^\{/, '').replace(/\}$/, '');
  const parts: string[] = [];
  let depth = 0;
  let part = '';
  for (const char of body) {
    if (char === '{') depth += 1;
    if (char === '}') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(part);
      part = '';
    } else part += char;
  }
  parts.push(part);
  let type = '';
  let name: string | undefined;
  const fields: string[] = [];
  for (const entry of parts) {
    const match = /^"([A-Za-z]+)"(\?)?(?::(.*))?$/.exec(entry.trim());
    if (match === null) throw new Error(`cannot read "${entry}" in ${shape}`);
    const [, field = '', optional, value] = match;
    if (field === 'type') type = JSON.parse(value ?? '""') as string;
    else if (field === 'name') name = JSON.parse(value ?? '""') as string;
    else fields.push(`${field}${optional ?? ''}`);
  }
  return { key: type === 'event' ? (name ?? '') : type, fields };
}

describe('server events against docs/protocol.md', () => {
  const documented = tableRows(section(readRepoFile('docs/protocol.md'), 'JSON events')).map((cells) =>
    readDocumented(/`(\{.*\})`/.exec(cells[0] ?? '')?.[1] ?? ''),
  );

  it('the catalog names every field of the union', () => {
    expect(nothingMissing).toBe(true);
  });

  it('every message the server sends is documented with exactly its fields, and nothing else is', () => {
    expect(Object.fromEntries(documented.map(({ key, fields }) => [key, fields]))).toEqual(
      Object.fromEntries(Object.entries(FIELDS).map(([key, fields]) => [key, [...fields]])),
    );
    expect(documented).toHaveLength(Object.keys(FIELDS).length);
  });
});
