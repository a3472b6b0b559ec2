/**
 * What the primary and its workers say to each other over the cluster's IPC channel. prom-client's metric
 * aggregation uses the same channel with its own message types; ours all start with `proxy:`.
 */
import type { AdmissionRequest } from '../admission/index.js';
import type { RemoteAdmission } from '../admission/remote.js';
import type { ServerStatus } from '../http/routes.js';
import type { BudgetState, Spend } from '../usage/budget.js';

/** A question a worker asks the primary, which answers with the matching `Answers` entry. */
export type Question =
  | { readonly kind: 'admit'; readonly request: AdmissionRequest }
  | { readonly kind: 'status' }
  | { readonly kind: 'metrics' }
  /** A session's usage, for its user's budget (kept by the primary, in Redis or in its memory). */
  | { readonly kind: 'charge'; readonly userId: string; readonly spend: Spend };

export interface Answers {
  readonly admit: RemoteAdmission;
  readonly status: ServerStatus;
  /** Prometheus text of the whole server. */
  readonly metrics: string;
  readonly charge: BudgetState;
}

export type WorkerMessage =
  | { readonly type: 'proxy:listening'; readonly port: number }
  | { readonly type: 'proxy:ask'; readonly id: number; readonly question: Question }
  | { readonly type: 'proxy:release'; readonly leaseId: number }
  | { readonly type: 'proxy:sessions'; readonly count: number }
  /** This worker's metrics, as `registry.getMetricsAsJSON()` gives them, for the primary to aggregate. */
  | { readonly type: 'proxy:collected'; readonly id: number; readonly metrics: unknown[] };

export type PrimaryMessage =
  | { readonly type: 'proxy:answer'; readonly id: number; readonly answer: Answers[keyof Answers] }
  | { readonly type: 'proxy:failed'; readonly id: number; readonly error: string }
  | { readonly type: 'proxy:drain' }
  | { readonly type: 'proxy:collect'; readonly id: number };

/** What the primary tells a worker at fork time, in its environment (`PROXY_CLUSTER_WORKER`, JSON). */
export interface WorkerPlacement {
  /** 0 … workers−1; a replacement takes the slot of the worker it replaces. */
  readonly slot: number;
  readonly workers: number;
  /** The primary's emulator, for UPSTREAM=local. */
  readonly emulatorUrl?: string;
}

export const PLACEMENT_ENV = 'PROXY_CLUSTER_WORKER';

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return isProxyMessage(message);
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return isProxyMessage(message);
}

function isProxyMessage(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('proxy:');
}

/** Reads the placement the primary put in this worker's environment. */
export function readPlacement(env: NodeJS.ProcessEnv): WorkerPlacement {
  const raw = env[PLACEMENT_ENV];
  const parsed = raw === undefined ? undefined : (JSON.parse(raw) as Partial<WorkerPlacement>);
  if (typeof parsed?.slot !== 'number' || typeof parsed.workers !== 'number') throw new Error(`${PLACEMENT_ENV} is missing or malformed`);
  return { slot: parsed.slot, workers: parsed.workers, ...(typeof parsed.emulatorUrl === 'string' ? { emulatorUrl: parsed.emulatorUrl } : {}) };
}
