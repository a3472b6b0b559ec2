export const PLACEMENT_ENV = 'PROXY_CLUSTER_WORKER';
export function isWorkerMessage(message) {
    return isProxyMessage(message);
}
export function isPrimaryMessage(message) {
    return isProxyMessage(message);
}
function isProxyMessage(message) {
    if (typeof message !== 'object' || message === null)
        return false;
    const type = message.type;
    return typeof type === 'string' && type.startsWith('proxy:');
}
/** Reads the placement the primary put in this worker's environment. */
export function readPlacement(env) {
    const raw = env[PLACEMENT_ENV];
    const parsed = raw === undefined ? undefined : JSON.parse(raw);
    if (typeof parsed?.slot !== 'number' || typeof parsed.workers !== 'number')
        throw new Error(`${PLACEMENT_ENV} is missing or malformed`);
    return { slot: parsed.slot, workers: parsed.workers, ...(typeof parsed.emulatorUrl === 'string' ? { emulatorUrl: parsed.emulatorUrl } : {}) };
}
