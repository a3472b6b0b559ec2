export function newResponse(id, converter, turnEndedAt) {
    return {
        id,
        turnEndedAt,
        itemId: undefined,
        contentIndex: 0,
        text: '',
        deliveredBytes: 0,
        firstAudioAt: undefined,
        lastAudioAt: undefined,
        reportedPlayedMs: undefined,
        interrupted: false,
        doneUpstream: false,
        converter,
    };
}
/** Ms of audio delivered, given the upstream output format's bytes per ms. */
export function deliveredMs(response, upstreamBytesPerMs) {
    return Math.floor(response.deliveredBytes / upstreamBytesPerMs);
}
/**
 * How much of the response the user has heard: the client's report when it gave one, otherwise wall-clock time
 * since the first audio byte was sent; never more than was delivered, never negative.
 */
export function heardMs(response, upstreamBytesPerMs, now, clientPlayedMs) {
    const delivered = deliveredMs(response, upstreamBytesPerMs);
    const played = clientPlayedMs ??
        response.reportedPlayedMs ??
        (response.firstAudioAt === undefined ? 0 : now - response.firstAudioAt);
    return Math.max(0, Math.min(delivered, Math.floor(played)));
}
/** True while the user may still be hearing this response (upstream still sending, or audio not yet played out). */
export function isAudible(response, upstreamBytesPerMs, now) {
    if (response.interrupted)
        return false;
    if (!response.doneUpstream)
        return true;
    const delivered = deliveredMs(response, upstreamBytesPerMs);
    return delivered > 0 && heardMs(response, upstreamBytesPerMs, now) < delivered;
}
/** Truncate at what was heard, or delete the item when nothing was. */
export function itemRepair(response, heard) {
    if (response.itemId === undefined)
        return { kind: 'none' };
    if (heard <= 0)
        return { kind: 'delete', itemId: response.itemId };
    return { kind: 'truncate', itemId: response.itemId, contentIndex: response.contentIndex, audioEndMs: heard };
}
