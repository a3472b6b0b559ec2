/** Reading the documentation's tables, so tests can hold the docs against the code. */
import { readFileSync } from 'node:fs';

/** A file of the repository, as text. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

/** The section of `markdown` under the heading that starts with `heading` (up to the next heading of any level). */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').startsWith(heading));
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The body rows of every table in `markdown`, each as its cells (header and separator rows left out). */
export function tableRows(markdown: string): string[][] {
  const rows: string[][] = [];
  const lines = markdown.split('\n');
  lines.forEach((line, i) => {
    if (!line.startsWith('|')) return;
    const isHeader = lines[i + 1]?.startsWith('|---') ?? false;
    if (isHeader || line.startsWith('|---')) return;
    rows.push(splitRow(line));
  });
  return rows;
}

/** The `backticked` words of a cell. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

/** Cells of a table row; a `|` inside backticks belongs to its cell. */
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (const char of line.slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)) {
    if (char === '`') inCode = !inCode;
    if (char === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}
