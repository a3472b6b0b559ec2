import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawFile } from '../../src/recorder/raw-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raw-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bytes(length: number, fill: number): Buffer {
  return Buffer.alloc(length, fill);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function open(path: string, options: { directoryReady?: Promise<void>; maxQueuedBytes?: number; flags?: string } = {}) {
  const errors: Error[] = [];
  let written = 0;
  const file = new RawFile({
    path,
    directoryReady: options.directoryReady ?? Promise.resolve(),
    maxQueuedBytes: options.maxQueuedBytes ?? 1 << 20,
    onWritten: (n) => (written += n),
    onError: (error) => errors.push(error),
    ...(options.flags === undefined ? {} : { flags: options.flags }),
  });
  return { file, errors, written: () => written };
}

describe('RawFile', () => {
  it('writes every chunk in order and is complete on disk when end() resolves', async () => {
    const path = join(dir, 'a.raw');
    const { file, errors, written } = open(path);
    const chunks = Array.from({ length: 200 }, (_, i) => bytes(4800, i % 256));
    for (const chunk of chunks) file.write(chunk);
    expect(await file.end()).toBe(true);
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
    expect(file.byteCount).toBe(960_000);
    expect(written()).toBe(960_000);
    expect(errors).toEqual([]);
  });

  it('queues while the directory is not ready, then drops past the bound and counts what it dropped', async () => {
    const ready = deferred();
    const path = join(dir, 'b.raw');
    const { file } = open(path, { directoryReady: ready.promise, maxQueuedBytes: 10_000 });
    file.write(bytes(4000, 1));
    file.write(bytes(4000, 2));
    file.write(bytes(4000, 3)); // over the bound: dropped
    file.write(bytes(2000, 4)); // fits again
    ready.resolve();
    expect(await file.end()).toBe(true);
    expect(await readFile(path)).toEqual(Buffer.concat([bytes(4000, 1), bytes(4000, 2), bytes(2000, 4)]));
    expect(file.droppedBytes).toBe(4000);
    expect(file.byteCount).toBe(10_000);
  });

  it('under real backpressure keeps memory bounded: the file holds exactly the bytes not dropped', async () => {
    const path = join(dir, 'h.raw');
    const { file } = open(path, { maxQueuedBytes: 48_000 });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the stream is open
    const chunks = Array.from({ length: 500 }, (_, i) => bytes(4800, i % 256));
    for (const chunk of chunks) file.write(chunk);
    expect(await file.end()).toBe(true);
    const onDisk = await readFile(path);
    expect(file.droppedBytes).toBeGreaterThan(0);
    expect(onDisk.length).toBe(file.byteCount);
    expect(file.byteCount + file.droppedBytes).toBe(2_400_000);
  });

  it('reports an error once, ignores later writes, and end() resolves false', async () => {
    const { file, errors } = open(join(dir, 'missing', 'c.raw'));
    file.write(bytes(100, 1));
    expect(await file.end()).toBe(false);
    file.write(bytes(100, 1));
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk (ENOSPC on write) stops the file: one error, end() resolves false, nothing counted as written', async () => {
    const { file, errors, written } = open('/dev/full', { flags: 'w' });
    await new Promise((resolve) => setTimeout(resolve, 20)); // open succeeded; the write is what fails
    for (let i = 0; i < 50; i++) file.write(bytes(4800, i));
    expect(await file.end()).toBe(false);
    file.write(bytes(4800, 1));
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    // Everything handed over failed to reach the disk: audio_proxy_recorded_bytes_total must not count it.
    expect(written()).toBe(0);
  });

  it('fails when the directory cannot be made', async () => {
    const { file, errors } = open(join(dir, 'd.raw'), { directoryReady: Promise.reject(new Error('EACCES')) });
    file.write(bytes(100, 1));
    expect(await file.end()).toBe(false);
    expect(errors.map((e) => e.message)).toEqual(['EACCES']);
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'e.raw');
    await writeFile(path, 'keep');
    const { file, errors } = open(path);
    file.write(bytes(10, 1));
    expect(await file.end()).toBe(false);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect(await readFile(path, 'utf8')).toBe('keep');
  });

  it('abort() stops at once; end() then resolves false without an error report', async () => {
    const { file, errors } = open(join(dir, 'f.raw'));
    file.write(bytes(10, 1));
    file.abort();
    expect(await file.end()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('end() is idempotent', async () => {
    const { file } = open(join(dir, 'g.raw'));
    file.write(bytes(10, 1));
    const first = file.end();
    expect(file.end()).toBe(first);
    expect(await first).toBe(true);
  });
});
