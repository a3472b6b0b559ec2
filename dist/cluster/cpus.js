/**
 * How many CPUs this process may really use: its affinity mask (`os.availableParallelism()`, which reads
 * `sched_getaffinity`) capped by a cgroup CPU quota (Docker `--cpus`, Kubernetes CPU limits, systemd
 * `CPUQuota=`), which Node 20 does not look at. `WORKERS=auto` starts this many workers.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
const readText = (path) => {
    try {
        return readFileSync(path, 'utf8');
    }
    catch {
        return undefined;
    }
};
/** The CPUs available to this process: affinity, capped by the cgroup quota (at least 1). */
export function availableCpus(read = readText, affinity = availableParallelism()) {
    const quota = cgroupCpuQuota(read);
    return Math.max(1, quota === undefined ? affinity : Math.min(affinity, Math.ceil(quota)));
}
/**
 * The tightest CPU quota (in CPUs, e.g. 1.5) on this process's cgroup or any ancestor, cgroup v2 or v1;
 * undefined when there is none.
 */
export function cgroupCpuQuota(read) {
    const membership = read('/proc/self/cgroup');
    if (membership === undefined)
        return undefined;
    const quotas = [];
    for (const line of membership.split('\n')) {
        const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
        if (path === undefined || controllers === undefined)
            continue;
        if (controllers === '') {
            // cgroup v2: "max 100000" or "<quota> <period>" in cpu.max; the root may be mounted at either place.
            for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
                for (const dir of selfAndAncestors(root, path)) {
                    const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
                    pushQuota(quotas, quota, period);
                }
            }
        }
        else if (controllers.split(',').includes('cpu')) {
            // cgroup v1: cpu.cfs_quota_us is -1 when unlimited.
            for (const root of ['/sys/fs/cgroup/cpu', `/sys/fs/cgroup/${controllers}`]) {
                for (const dir of selfAndAncestors(root, path)) {
                    pushQuota(quotas, read(`${dir}/cpu.cfs_quota_us`)?.trim(), read(`${dir}/cpu.cfs_period_us`)?.trim());
                }
            }
        }
    }
    return quotas.length === 0 ? undefined : Math.min(...quotas);
}
function pushQuota(quotas, quota, period) {
    const q = Number(quota);
    const p = Number(period);
    if (quota !== undefined && period !== undefined && q > 0 && p > 0)
        quotas.push(q / p);
}
/** `root + path`, then each parent up to `root` itself. */
function selfAndAncestors(root, path) {
    const dirs = [];
    for (let dir = posix.normalize(`/${path}`);; dir = posix.dirname(dir)) {
        dirs.push(dir === '/' ? root : `${root}${dir}`);
        if (dir === '/')
            return dirs;
    }
}
