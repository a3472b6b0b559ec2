/**
 * Forces a full GC in another Node process through its inspector (the process runs with
 * `--inspect=127.0.0.1:0`), so idle-memory readings do not depend on when V8 happens to collect. No change to the
 * proxy's code is needed: `--expose-gc` alone would not help, since nothing in the proxy calls `gc()`.
 */
import WebSocket from 'ws';

/** The inspector's WebSocket URL from the process's "Debugger listening on ws://..." line, if any. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: unknown };
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message.error === undefined ? message.result : undefined);
      this.pending.delete(message.id);
    });
  }

  static async open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorSession(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, 10000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second picks up what finalizers of the first released). */
  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
  }

  /** V8 heap in use (bytes), or NaN. */
  async heapUsedBytes(): Promise<number> {
    const result = (await this.call('Runtime.getHeapUsage')) as { usedSize?: number } | undefined;
    return result?.usedSize ?? Number.NaN;
  }

  /** `process.memoryUsage()` of the inspected process (bytes), or undefined. */
  async memoryUsage(): Promise<NodeJS.MemoryUsage | undefined> {
    const result = (await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as
      | { result?: { value?: unknown } }
      | undefined;
    const value = result?.result?.value;
    return typeof value === 'string' ? (JSON.parse(value) as NodeJS.MemoryUsage) : undefined;
  }

  close(): void {
    this.socket.close();
  }
}
