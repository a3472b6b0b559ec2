/**
 * The path and query of an HTTP request target, read without ever throwing. Node hands the target over exactly as
 * the client wrote it, and `new URL(target, base)` throws on targets such as `//`, `///` or `//:99999` (it reads
 * them as a host), which inside a server listener would take the whole process down.
 */
/**
 * Origin form (`/path?query`) is split at the first `?`, the path kept as written (`//x` stays `//x`, so it can
 * never be taken for a host). Absolute form (`http://host/path`, which HTTP/1.1 servers must accept) is parsed as a
 * URL. Anything else (`*`, authority form, garbage) has no path: the caller answers 404.
 */
export function parseRequestTarget(target) {
    const raw = target ?? '/';
    if (raw.startsWith('/')) {
        const queryAt = raw.indexOf('?');
        if (queryAt < 0)
            return { pathname: raw, searchParams: new URLSearchParams() };
        return { pathname: raw.slice(0, queryAt), searchParams: new URLSearchParams(raw.slice(queryAt + 1)) };
    }
    if (!/^(https?|wss?):\/\//i.test(raw))
        return undefined;
    try {
        const url = new URL(raw);
        return { pathname: url.pathname, searchParams: url.searchParams };
    }
    catch {
        return undefined;
    }
}
