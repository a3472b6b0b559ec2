/** Identifiers shaped like the real service's: a prefix, an underscore and 21 random alphanumerics. */
import { randomBytes } from 'node:crypto';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_CHARS = 21;
// One crypto call per ~200 ids instead of one per id: events are sent at audio rate.
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;
/** A new id such as `event_C9G5RJeJ2gF77mV7f2B1j`. */
export function newId(prefix) {
    if (poolOffset + ID_CHARS > POOL_BYTES) {
        pool = randomBytes(POOL_BYTES);
        poolOffset = 0;
    }
    let id = `${prefix}_`;
    for (let i = 0; i < ID_CHARS; i++)
        id += ALPHABET[(pool[poolOffset + i] ?? 0) % ALPHABET.length];
    poolOffset += ID_CHARS;
    return id;
}
