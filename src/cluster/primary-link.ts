/** A worker's line to its primary: questions with answers (and a timeout), notices, and the order to drain. */
import type { Answers, PrimaryMessage, Question, WorkerMessage } from './messages.js';
import { isPrimaryMessage } from './messages.js';

interface Pending {
  resolve(answer: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** How long a worker waits for the primary; prom-client's own aggregation gives up after 5 s, so a bit more. */
const ANSWER_TIMEOUT_MS = 6000;

export class PrimaryLink {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private drainHandler: (() => void) | undefined;
  private drainOrdered = false;
  private collect: (() => Promise<unknown[]>) | undefined;

  constructor(private readonly channel: NodeJS.Process = process) {
    channel.on('message', (message: unknown) => {
      if (isPrimaryMessage(message)) this.receive(message);
    });
    channel.on('disconnect', () => {
      for (const [id, pending] of this.pending) this.settle(id, pending, new Error('the primary is gone'));
    });
  }

  /** Asks the primary; rejects when it does not answer in time or the channel closes. */
  ask<K extends Question['kind']>(question: Extract<Question, { kind: K }>): Promise<Answers[K]> {
    if (!this.channel.connected) return Promise.reject(new Error('the primary is gone'));
    const id = this.nextId++;
    return new Promise<Answers[K]>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, this.pending.get(id), new Error(`no answer to ${question.kind}`)), ANSWER_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve, reject, timer });
      this.tell({ type: 'proxy:ask', id, question });
    });
  }

  /** Tells the primary something that needs no answer (dropped when the channel is closed). */
  tell(message: WorkerMessage): void {
    if (this.channel.connected) this.channel.send?.(message);
  }

  /** Runs `handler` when the primary orders a drain (at once if it already has: a worker still starting). */
  onDrain(handler: () => void): void {
    this.drainHandler = handler;
    if (this.drainOrdered) handler();
  }

  /** Answers the primary's metric collections with `collect()`. */
  onCollect(collect: () => Promise<unknown[]>): void {
    this.collect = collect;
  }

  private receive(message: PrimaryMessage): void {
    if (message.type === 'proxy:drain') {
      this.drainOrdered = true;
      this.drainHandler?.();
      return;
    }
    if (message.type === 'proxy:collect') {
      const { id } = message;
      // A worker that cannot collect yet says nothing; the primary's timeout fails that scrape.
      this.collect?.().then(
        (metrics) => this.tell({ type: 'proxy:collected', id, metrics }),
        () => undefined,
      );
      return;
    }
    const pending = this.pending.get(message.id);
    if (message.type === 'proxy:answer') this.settle(message.id, pending, undefined, message.answer);
    else this.settle(message.id, pending, new Error(message.error));
  }

  private settle(id: number, pending: Pending | undefined, error?: Error, answer?: unknown): void {
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(answer);
  }
}
