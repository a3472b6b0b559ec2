import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FdDestination } from '../../src/logger/fd-destination.js';

let dir: string | undefined;
const fds: number[] = [];

afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tempDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'fd-destination-'));
  return dir;
}

function line(n: number, width = 100): string {
  return `${JSON.stringify({ n, pad: 'x'.repeat(Math.max(0, width - 20)) })}\n`;
}

/** Writes to a non-blocking pipe until the kernel refuses more; returns what was written. */
function fillPipe(fd: number): string {
  let written = '';
  for (;;) {
    try {
      written += 'x'.repeat(writeSync(fd, 'x'.repeat(4096)));
    } catch {
      return written;
    }
  }
}

/** Everything a non-blocking pipe holds right now. */
function readAvailable(fd: number): string {
  const chunk = Buffer.alloc(65536);
  let text = '';
  for (;;) {
    try {
      const bytes = readSync(fd, chunk);
      if (bytes === 0) return text;
      text += chunk.toString('utf8', 0, bytes);
    } catch {
      return text;
    }
  }
}

describe('FdDestination', () => {
  it('writes every line, in order; flush resolves once they are out', async () => {
    const path = join(tempDir(), 'log');
    const fd = openSync(path, 'w');
    fds.push(fd);
    const destination = new FdDestination(fd);
    const lines = Array.from({ length: 500 }, (_, n) => line(n));
    for (const text of lines) destination.write(text);
    await destination.flush(5000);
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
  });

  it('a reader that stalls: lines past the bound are dropped and counted, never queued without limit', async () => {
    // A FIFO nobody reads yet, opened non-blocking: once the kernel's 64 KiB are full, writes answer EAGAIN.
    const fifo = join(tempDir(), 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    fds.push(fd);
    const backlog = fillPipe(fd);
    const destination = new FdDestination(fd, 10_000);
    for (let n = 0; n < 2000; n += 1) destination.write(line(n));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The reader catches up: read until the destination has written everything it kept, then what is left.
    let flushed = false;
    void destination.flush(10_000).then(() => (flushed = true));
    let received = '';
    while (!flushed) {
      received += readAvailable(fd);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    received += readAvailable(fd);
    expect(received.slice(0, backlog.length)).toBe(backlog);
    received = received.slice(backlog.length);
    const records = received.trim().split('\n').map((text) => JSON.parse(text) as { n?: number; droppedLines?: number });
    const note = records.find((record) => record.droppedLines !== undefined);
    const kept = records.filter((record) => record.n !== undefined).length;
    expect(note?.droppedLines).toBeGreaterThan(0);
    expect(kept + (note?.droppedLines ?? 0)).toBe(2000);
  });

  it('a reader that is gone (EPIPE): nothing throws, lines are dropped from then on, flush does not wait', async () => {
    const fifo = join(tempDir(), 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    fds.push(fd);
    closeSync(reader);
    const destination = new FdDestination(fd);
    destination.write(line(1));
    await destination.flush(10_000);
    destination.write(line(2));
    await destination.flush(10_000);
  });
});
