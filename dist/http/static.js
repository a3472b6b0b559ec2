/** Serves the demo page's files from one folder: `/` is `index.html`; only plain file names, no sub-paths. */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
const CONTENT_TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    '.ico': 'image/x-icon',
    '.json': 'application/json; charset=utf-8',
};
/** A name like `app.js`: no slashes, no leading dot, so no path can leave the folder. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
/** Serves `path` from `dir` if it names a file there; returns false when it does not. */
export async function serveStatic(dir, path, request, response) {
    const name = path === '/' ? 'index.html' : path.slice(1);
    const type = CONTENT_TYPES[extname(name)];
    if (!SAFE_NAME.test(name) || type === undefined)
        return false;
    let body;
    try {
        body = await readFile(join(dir, name));
    }
    catch {
        return false;
    }
    response.writeHead(200, {
        'Content-Type': type,
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
}
