/**
 * Builds dist/ once before any test file runs: the start and deploy tests run the compiled server (`npm start`,
 * `node dist/main.js`), and test files run in parallel, so two of them must never compile into dist/ at once.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
