/** CPU time and resident memory of a process, read from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * `pid` and its descendants: a cluster proxy (`--workers N`) is a primary and its workers, and the figures are the
 * whole server's. A single process has no children, so it is just `[pid]`.
 */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children !== '') tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile, or no children file (kernel without CONFIG_PROC_CHILDREN): the process alone
    }
  }
  return tree;
}

/** utime and stime of `pid` and its descendants, in seconds (NaN when the process is gone). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const times = { user: 0, system: 0 };
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      // The command name (field 2) may contain spaces; fields after it are counted from the closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.user += Number(fields[11]) / ticksPerSecond();
      times.system += Number(fields[12]) / ticksPerSecond();
    } catch {
      if (member === pid) return { user: Number.NaN, system: Number.NaN };
    }
  }
  return times;
}

/** utime + stime of `pid` in seconds, or NaN when the process is gone. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** VmRSS of `pid` and its descendants in KiB, or NaN when the process is gone. */
export function rssKiB(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      total += Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
    } catch {
      if (member === pid) return Number.NaN;
    }
  }
  return total;
}

/** Whole-machine CPU time from /proc/stat (all cores, ticks): busy and total. */
export interface MachineTicks {
  readonly busy: number;
  readonly total: number;
  /** Time the hypervisor gave this VM's CPUs to someone else. */
  readonly steal: number;
}

export function machineTicks(): MachineTicks {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, steal };
  } catch {
    return { busy: Number.NaN, total: Number.NaN, steal: Number.NaN };
  }
}

/** Steal since `mark`, in % of one core: CPU this VM was owed but did not get (other tenants of the host). */
export function stealPercentSince(mark: MachineTicks, cores: number): number {
  const now = machineTicks();
  const total = now.total - mark.total;
  return total > 0 ? (100 * cores * (now.steal - mark.steal)) / total : Number.NaN;
}

/** Busy share of the whole machine since `mark`, in % of ONE core (so 2 busy cores = 200). */
export function machineBusyPercentSince(mark: MachineTicks, cores: number): number {
  const now = machineTicks();
  const total = now.total - mark.total;
  return total > 0 ? (100 * cores * (now.busy - mark.busy)) / total : Number.NaN;
}

/** A CPU-time reading to subtract from a later one. */
export interface CpuMark {
  readonly pid: number;
  readonly userS: number;
  readonly systemS: number;
  readonly wallMs: number;
}

export function cpuMark(pid: number): CpuMark {
  const { user, system } = cpuTimes(pid);
  return { pid, userS: user, systemS: system, wallMs: performance.now() };
}

/** CPU used since `mark`, as % of one core. */
export function cpuPercentSince(mark: CpuMark): number {
  const split = cpuSplitSince(mark);
  return split.user + split.system;
}

/** User and kernel CPU used since `mark`, each as % of one core. */
export function cpuSplitSince(mark: CpuMark): { user: number; system: number } {
  const now = cpuMark(mark.pid);
  const wallS = (now.wallMs - mark.wallMs) / 1000;
  if (!(wallS > 0)) return { user: Number.NaN, system: Number.NaN };
  return { user: (100 * (now.userS - mark.userS)) / wallS, system: (100 * (now.systemS - mark.systemS)) / wallS };
}

/** What the report says about the machine. */
export function machineInfo(): Record<string, string | number> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? model;
  } catch {
    // not Linux: keep os.cpus()
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep os.cpus()
  }
  let loadavg = '';
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return { nproc, cpuModel: model, node: process.version, platform: `${process.platform} ${process.arch}`, loadavg };
}
