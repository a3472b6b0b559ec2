/**
 * `npm run <script> --flag` hands `--flag` to npm, not to the script (npm reads it as its own config and the
 * script never sees it); only `npm run <script> -- --flag` passes it on. Every command the README and docs/ show
 * must use the second form.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name));
  return ['README.md', ...docs];
}

/** `npm run <script>` followed by a flag (or a bare `--flag` mention right after it) with no `--` in between. */
const SWALLOWED = /npm run [\w:-]+((?: +[^\s`-][^\s`]*)*) +--?[a-z][\w-]*/g;

describe('npm commands in the README and docs/', () => {
  it('pass flags to the script with `--`', () => {
    const offenders: string[] = [];
    for (const file of documents()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(SWALLOWED)) offenders.push(`${file}: ${match[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('catches the swallowed form', () => {
    expect('npm run bench --quick'.match(SWALLOWED)).toEqual(['npm run bench --quick']);
    expect('`npm run bench` (about 4 min; `--quick`'.match(SWALLOWED)).toBeNull();
    expect('npm run bench -- --quick'.match(SWALLOWED)).toBeNull();
    expect('npm run client -- --in speech.wav'.match(SWALLOWED)).toBeNull();
  });
});
