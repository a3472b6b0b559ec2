import type { RealtimeClientEvent } from 'openai/resources/realtime/realtime';
import { describe, expect, it } from 'vitest';
import type { UpstreamRequest } from '../../src/upstream/requests.js';
import type { UnnamedFields } from '../helpers/vendor-types.js';

// What the proxy sends, held against OpenAI's own GA client events (test/helpers/vendor-types.ts says why): a field
// of ours the vendor does not name fails to compile.
type Mismatches = UnnamedFields<UpstreamRequest, RealtimeClientEvent>;
const everyFieldNamedByTheVendor: [Mismatches] extends [never] ? true : Mismatches = true;

describe('what the proxy sends upstream, against the GA types of the openai package', () => {
  it('every request type and field is one the vendor names (checked by the compiler)', () => {
    expect(everyFieldNamedByTheVendor).toBe(true);
  });
});
