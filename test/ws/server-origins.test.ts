import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { serverOrigins } from '../../src/ws/server-origins.js';

const INTERFACES: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [{ address: '127.0.0.1', family: 'IPv4' } as NetworkInterfaceInfo, { address: '::1', family: 'IPv6' } as NetworkInterfaceInfo],
  eth0: [{ address: '192.168.1.10', family: 'IPv4' } as NetworkInterfaceInfo, { address: 'fd00::10', family: 'IPv6' } as NetworkInterfaceInfo],
};

describe('serverOrigins', () => {
  it('a specific listen address: it and the loopback names', () => {
    expect(serverOrigins({ host: '10.0.0.5', port: 8080 }, null, INTERFACES).sort()).toEqual(
      ['http://10.0.0.5:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080', 'http://localhost:8080'].sort(),
    );
  });

  it('a wildcard listen address: every interface address (literals cannot be rebound), never a name', () => {
    const origins = serverOrigins({ host: '0.0.0.0', port: 8080 }, null, INTERFACES);
    expect(origins).toContain('http://192.168.1.10:8080');
    expect(origins).toContain('http://[fd00::10]:8080');
    expect(origins.filter((origin) => !/\/\/(\d|\[|localhost)/.test(origin))).toEqual([]);
  });

  it('PUBLIC_ORIGIN comes first; port 80 is left out as browsers do', () => {
    expect(serverOrigins({ host: '127.0.0.1', port: 80 }, 'https://voice.example.com', INTERFACES)).toEqual([
      'https://voice.example.com',
      'http://localhost',
      'http://127.0.0.1',
      'http://[::1]',
    ]);
  });
});
