/** A WebSocket peer's liveness: a ping every interval, and a ping still unanswered at the next tick means it is gone. */

export interface HeartbeatPeer {
  ping(): void;
  /** The last ping went unanswered for a whole interval. The heartbeat has stopped. */
  gone(): void;
}

export class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private awaitingPong = false;

  constructor(intervalMs: number, peer: HeartbeatPeer) {
    this.timer = setInterval(() => {
      if (this.awaitingPong) {
        this.stop();
        peer.gone();
        return;
      }
      this.awaitingPong = true;
      peer.ping();
    }, intervalMs);
    this.timer.unref();
  }

  /** The peer answered (a pong). */
  answered(): void {
    this.awaitingPong = false;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
