/**
 * `npm run build:wasm`: assembles polyphase-simd.wat (beside this file) into the committed polyphase-simd.wasm with
 * wabt's wat2wasm (the `wabt` package from the npm registry, pinned in package-lock.json). The output is
 * deterministic, so test/audio/polyphase-simd.test.ts can check that the committed binary is exactly what its source
 * builds to. A development tool kept beside the source it builds, never part of the server: tsconfig.build.json
 * leaves it out of dist/ (wabt is a devDependency).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtFactory from 'wabt';

export const WAT_PATH = fileURLToPath(new URL('./polyphase-simd.wat', import.meta.url));
export const WASM_PATH = fileURLToPath(new URL('./polyphase-simd.wasm', import.meta.url));

/** The module's bytes as built from `watPath` (no debug names: the same source always gives the same bytes). */
export async function buildWasm(watPath = WAT_PATH): Promise<Uint8Array> {
  const wabt = await wabtFactory();
  const module = wabt.parseWat('polyphase-simd.wat', readFileSync(watPath, 'utf8'), { simd: true, sat_float_to_int: true });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await buildWasm();
  writeFileSync(WASM_PATH, bytes);
  process.stdout.write(`${WASM_PATH}: ${bytes.length} bytes\n`);
}
