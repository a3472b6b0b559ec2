/** The proxy and client of the current test, torn down after each test of the file that asks for them. */
import { afterEach } from 'vitest';
import type { TestProxy } from './proxy.js';
import type { TestClient } from './ws-client.js';

export interface PerTest {
  proxy: TestProxy | undefined;
  client: TestClient | undefined;
}

/**
 * Registers the teardown (client dropped, then the proxy closed, which also fails the test on any upstream refusal),
 * then `andThen`: what else the file started (a fault upstream, a temporary directory), released after the proxy.
 */
export function perTest(andThen?: () => void | Promise<void>): PerTest {
  const current: PerTest = { proxy: undefined, client: undefined };
  afterEach(async () => {
    current.client?.close();
    current.client = undefined;
    await current.proxy?.close();
    current.proxy = undefined;
    await andThen?.();
  });
  return current;
}
