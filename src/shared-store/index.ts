/**
 * The store that several instances share (Redis, when `REDIS_URL` is set): one client per serving process tree
 * (the single process, or a cluster's primary), its connection and reconnection, outage detection (logged once
 * per outage, counted, reported to `/ready`), a key prefix, and Lua scripts run atomically. Admission keeps its
 * session leases here; per-user budgets can keep their spend in the same store through the same `run`.
 *
 * The client is the official `redis` client's core (`@redis/client`): it reconnects on its own, and with its
 * offline queue off a command fails at once while the connection is down, so a caller decides (open or closed)
 * without waiting for a reconnection.
 */
import { createClient } from '@redis/client';
import { createHash } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SharedStoreConfig, StoreFailureMode } from '../config/index.js';
import type { Logger } from '../logger/index.js';

/** What the store needs of REDIS_*: the URL (credentials never logged), the key prefix, the failure mode. */
export type SharedStoreSettings = Pick<SharedStoreConfig, 'url' | 'keyPrefix' | 'failureMode'>;

/** The store as `/ready` and `/health` report it. */
export interface StoreHealth {
  readonly reachable: boolean;
  readonly failureMode: StoreFailureMode;
}

/** A Lua script, sent by its digest (EVALSHA) and loaded on the first NOSCRIPT. */
export interface StoreScript {
  readonly source: string;
  readonly sha1: string;
}

/** Defines a script once, at module load. */
export function storeScript(source: string): StoreScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** A command gets this long, queued and sent, before it counts as failed (a hung Redis must not hang upgrades). */
const COMMAND_TIMEOUT_MS = 1000;
/** Reconnection: 100 ms, doubling, at most 2 s between attempts, for as long as it takes. */
const RECONNECT_MAX_DELAY_MS = 2000;

export class SharedStore {
  private readonly client: ReturnType<typeof createClient>;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  private downSince = Date.now();
  private closed = false;
  private readonly up: Gauge;
  private readonly errors: Counter;
  private readonly outages: Counter;
  private readonly firstContact: Promise<void>;

  constructor(
    readonly settings: SharedStoreSettings,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    const registers = [registry];
    this.up = new Gauge({ name: 'audio_proxy_shared_store_up', help: 'Whether the shared store (Redis) is reachable: 1 or 0.', registers });
    this.errors = new Counter({
      name: 'audio_proxy_shared_store_errors_total',
      help: 'Failed shared-store operations: connection attempts and commands (each one, not once per outage).',
      registers,
    });
    this.outages = new Counter({ name: 'audio_proxy_shared_store_outages_total', help: 'Times the shared store became unreachable.', registers });
    this.client = createClient({
      url: settings.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: COMMAND_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, RECONNECT_MAX_DELAY_MS),
      },
    });
    this.client.on('ready', () => this.reached());
    this.client.on('error', (error: unknown) => this.failed(error));
    this.firstContact = new Promise((resolve) => {
      this.client.once('ready', resolve);
      this.client.once('error', resolve);
    });
    // Never awaited: the server serves (by REDIS_FAILURE_MODE) while the store is away, and the client keeps
    // trying until it is there.
    this.client.connect().catch((error: unknown) => this.failed(error));
  }

  /** Resolves once the first connection attempt has succeeded or failed, so the first decisions see its outcome. */
  connected(): Promise<void> {
    return this.firstContact;
  }

  /** True while the last contact with the store succeeded. */
  get reachable(): boolean {
    return this.state === 'up';
  }

  health(): StoreHealth {
    return { reachable: this.reachable, failureMode: this.settings.failureMode };
  }

  /** `parts` joined under the key prefix. */
  key(...parts: string[]): string {
    return this.settings.keyPrefix + parts.join(':');
  }

  /** Runs a script atomically; rejects when the store is unreachable or slower than the command timeout. */
  async run(script: StoreScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const options = { timeout: COMMAND_TIMEOUT_MS, rejectInFlight: true };
    const tail = [String(keys.length), ...keys, ...args];
    try {
      let reply: unknown;
      try {
        reply = await this.client.sendCommand(['EVALSHA', script.sha1, ...tail], options);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        // Redis restarted (or flushed its scripts): send the body once, which caches it again.
        reply = await this.client.sendCommand(['EVAL', script.source, ...tail], options);
      }
      // A command that timed out marked the store down without the connection dropping: an answer brings it back.
      if (this.state !== 'up') this.reached();
      return reply;
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  /** Closes the connection (pending commands finish first). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.client.isReady) await this.client.close();
      else this.client.destroy();
    } catch {
      this.client.destroy();
    }
  }

  private reached(): void {
    const was = this.state;
    this.state = 'up';
    this.up.set(1);
    if (was === 'down') this.logger.info({ outageMs: Date.now() - this.downSince }, 'shared store reachable again');
    else if (was === 'connecting') this.logger.info({ store: this.describe() }, 'shared store connected');
  }

  /** Every failure is counted; only the first of an outage is logged. */
  private failed(error: unknown): void {
    if (this.closed) return;
    this.errors.inc();
    if (this.state === 'down') return;
    this.state = 'down';
    this.downSince = Date.now();
    this.up.set(0);
    this.outages.inc();
    const err = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err, store: this.describe(), failureMode: this.settings.failureMode }, 'shared store unreachable');
  }

  /** Host and port for the logs (never the credentials in the URL). */
  private describe(): string {
    try {
      const url = new URL(this.settings.url);
      return `${url.protocol}//${url.host}`;
    } catch {
      return '(unparsable REDIS_URL)';
    }
  }
}
