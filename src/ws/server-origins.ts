/**
 * The server's own origins: the pages it serves itself (the demo page) may always open a WebSocket. They come from
 * configuration only, never from the request: a `Host` header names whatever the browser was pointed at, so a page
 * at `http://evil.example:8080` whose name an attacker rebinds to this server's address would send
 * `Origin: http://evil.example:8080` with `Host: evil.example:8080` and pass a Host-based check (DNS rebinding).
 */
import { networkInterfaces } from 'node:os';

export interface ListenAddress {
  /** `HOST` as configured (`0.0.0.0` and `::` listen on every interface). */
  readonly host: string;
  /** The port actually bound (PORT=0 picks one). */
  readonly port: number;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * Origins of pages this server serves itself: `PUBLIC_ORIGIN` if set (the address users know it by, e.g. behind a
 * TLS proxy), the loopback names, and the listen address; when that is a wildcard, every address of this machine's
 * interfaces (an address literal cannot be rebound, unlike a name).
 */
export function serverOrigins(listen: ListenAddress, publicOrigin: string | null, interfaces = networkInterfaces()): string[] {
  const hosts = new Set(LOOPBACK_HOSTS);
  if (!WILDCARD_HOSTS.has(listen.host)) hosts.add(hostForUrl(listen.host));
  else {
    for (const addresses of Object.values(interfaces)) {
      for (const address of addresses ?? []) hosts.add(hostForUrl(address.address));
    }
  }
  // A browser leaves the default port out of its Origin header.
  const port = listen.port === 80 ? '' : `:${listen.port}`;
  const origins = [...hosts].map((host) => `http://${host}${port}`);
  return publicOrigin === null ? origins : [publicOrigin, ...origins];
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host.toLowerCase();
}
