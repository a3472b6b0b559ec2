import { describe, expect, it } from 'vitest';
import { availableCpus, cgroupCpuQuota } from '../../src/cluster/cpus.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('availableCpus (WORKERS=auto)', () => {
  it('no cgroup quota: the affinity count', () => {
    const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' });
    expect(availableCpus(read, 8)).toBe(8);
  });

  it('cgroup v2 quota on an ancestor (Docker --cpus=1.5): rounded up, capped by affinity', () => {
    const read = files({
      '/proc/self/cgroup': '0::/system.slice/app.service\n',
      '/sys/fs/cgroup/system.slice/app.service/cpu.max': 'max 100000',
      '/sys/fs/cgroup/system.slice/cpu.max': '150000 100000',
    });
    expect(cgroupCpuQuota(read)).toBe(1.5);
    expect(availableCpus(read, 8)).toBe(2);
    expect(availableCpus(read, 1)).toBe(1);
  });

  it('cgroup v1 quota (cfs), -1 meaning none', () => {
    const limited = files({
      '/proc/self/cgroup': '4:memory:/x\n2:cpu,cpuacct:/kubepods/pod1\n',
      '/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us': '50000\n',
      '/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us': '100000\n',
    });
    expect(availableCpus(limited, 4)).toBe(1);
    const unlimited = files({
      '/proc/self/cgroup': '1:cpu:/\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    });
    expect(availableCpus(unlimited, 4)).toBe(4);
  });

  it('no /proc (not Linux): the affinity count, at least 1', () => {
    expect(availableCpus(files({}), 3)).toBe(3);
    expect(availableCpus(files({}), 0)).toBe(1);
  });

  it('on this machine: a whole number between 1 and the affinity count', () => {
    const cpus = availableCpus();
    expect(Number.isInteger(cpus)).toBe(true);
    expect(cpus).toBeGreaterThanOrEqual(1);
  });
});
