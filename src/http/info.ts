/** The `/info` document: what operators and frontends may know about this server. Never a secret or a header. */
import { readFileSync } from 'node:fs';
import { PCM16_RATES } from '../audio/formats.js';
import type { Config, UpstreamConfig } from '../config/index.js';

const VERSION = readVersion();

/** What `/info` tells operators and frontends: no secrets, no headers. */
export function buildInfo(config: Config, upstream: UpstreamConfig, workers: number): Record<string, unknown> {
  return {
    name: 'realtime-voice-proxy',
    version: VERSION,
    protocolVersion: 1,
    workers,
    upstream: { kind: upstream.kind, model: upstream.model, simulated: upstream.kind === 'local' },
    audio: {
      formats: ['pcm16', 'g711_ulaw', 'g711_alaw'],
      pcm16Rates: PCM16_RATES,
      g711Rates: [8000],
      upstreamFormat: 'audio/pcm 24000 Hz, or G.711 passed through when input and output use the same law',
      paths: {
        passthrough: 'same G.711 law in and out, or pcm16 at 24000 Hz both ways: bytes relayed unchanged',
        transcode: 'any other combination: decoded, resampled to and from 24000 Hz, and encoded',
      },
    },
    limits: {
      maxFrameBytes: config.maxFrameBytes,
      preopenBufferMs: config.preopenBufferMs,
      maxConnections: config.limits.maxConnections,
      maxConnectionsPerIp: config.limits.maxConnectionsPerIp,
      maxSessionsPerUser: config.limits.maxSessionsPerUser,
      // Where the per-IP and per-user counts live: this server alone, or a store shared with other instances.
      counted: config.sharedStore === null ? 'instance' : 'shared',
      maxSessionSeconds: config.limits.maxSessionSeconds,
      idleTimeoutSeconds: config.limits.idleTimeoutSeconds,
      controlMessagesPerSecond: config.limits.controlMessagesPerSecond,
      shutdownGraceMs: config.shutdownGraceMs,
    },
    clientConfigKeys: config.limits.clientConfigKeys,
    auth: config.auth.secret !== null ? 'jwt' : config.auth.token !== null ? 'token' : 'none',
    recording: config.saveAudio,
    // How a Twilio stream proves itself (docs/telephony.md): never the token itself.
    telephony: {
      twilio: {
        path: config.twilio.path,
        auth: [
          ...(config.twilio.authToken === null ? [] : ['signature']),
          ...(config.auth.secret !== null || config.auth.token !== null ? ['token'] : []),
          ...(config.twilio.allowUnsigned ? ['unsigned'] : []),
        ],
      },
    },
  };
}

/** The addresses to print for humans: the listen address, or loopback when it listens on every interface. */
export function serverUrls(host: string, port: number): { url: string; httpUrl: string } {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `ws://${shown}:${port}/`, httpUrl: `http://${shown}:${port}` };
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
