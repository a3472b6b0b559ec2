import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../src/admission/index.js';
import { createLocalAdmitter } from '../../src/admission/local.js';
import { LeaseBook, remoteAdmitter, type AdmissionLink } from '../../src/admission/remote.js';

/** A worker's link straight to the book, as the IPC does it, with the release messages it sends. */
function linkTo(book: LeaseBook, worker: number, sent: number[] = []): AdmissionLink {
  return {
    admit: (request: AdmissionRequest) => book.admit(worker, request),
    release: (leaseId) => {
      sent.push(leaseId);
      book.release(worker, leaseId);
    },
  };
}

describe('cluster admission', () => {
  it('counts across workers: the per-IP limit holds whichever worker asks', async () => {
    const book = new LeaseBook(createLocalAdmitter({ maxConnections: 10, maxConnectionsPerIp: 2 }));
    const one = remoteAdmitter(linkTo(book, 1));
    const two = remoteAdmitter(linkTo(book, 2));
    expect(await one.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: true });
    expect(await two.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: true });
    expect(await one.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: false, status: 429 });
    expect(await two.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: false, status: 429 });
    expect(book.held).toBe(2);
  });

  it('a lease released twice sends one release', async () => {
    const book = new LeaseBook(createLocalAdmitter({ maxConnections: 1, maxConnectionsPerIp: 1 }));
    const sent: number[] = [];
    const admission = await remoteAdmitter(linkTo(book, 1, sent)).admit({ ip: 'a' });
    if (!admission.ok) throw new Error('refused');
    admission.lease.release();
    admission.lease.release();
    expect(sent).toHaveLength(1);
    expect(book.held).toBe(0);
  });

  it("a dead worker's leases are released by the primary; the slots are free again", async () => {
    const book = new LeaseBook(createLocalAdmitter({ maxConnections: 2, maxConnectionsPerIp: 5 }));
    const dying = remoteAdmitter(linkTo(book, 1));
    const other = remoteAdmitter(linkTo(book, 2));
    await dying.admit({ ip: 'a' });
    await dying.admit({ ip: 'a' });
    expect(await other.admit({ ip: 'b' })).toMatchObject({ ok: false, status: 503 });
    expect(book.releaseAll(1)).toBe(2);
    expect(await other.admit({ ip: 'b' })).toMatchObject({ ok: true });
    // A late release from the dead worker changes nothing.
    book.release(1, 1);
    expect(book.held).toBe(1);
  });

  it('a primary that does not answer is a 503 refusal, never an exception', async () => {
    const admitter = remoteAdmitter({ admit: () => Promise.reject(new Error('channel closed')), release: () => {} });
    expect(await admitter.admit({ ip: 'a' })).toMatchObject({ ok: false, status: 503, reason: 'capacity' });
  });
});
