/**
 * Debian binaries some tests drive as real processes (redis-server, haproxy, nginx). Without one, such a test is
 * skipped on a developer's machine and FAILS under CI (`CI` set), where `.ci/run` installs them.
 */
import { spawnSync } from 'node:child_process';

/** The binary's path, or undefined when it is not installed. */
export function findBinary(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name} || { test -x /usr/sbin/${name} && echo /usr/sbin/${name}; }`], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  return path === undefined || path === '' ? undefined : path;
}

/** Whether a suite needing `names` runs: true when all are there; under CI a missing one throws (never a skip). */
export function haveBinaries(...names: string[]): boolean {
  const missing = names.filter((name) => findBinary(name) === undefined);
  if (missing.length === 0) return true;
  if (process.env.CI) throw new Error(`missing ${missing.join(', ')}: install the Debian packages (apt-get install ${missing.join(' ')}), as .ci/run does`);
  return false;
}
