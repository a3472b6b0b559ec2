/** Typed reads of environment variables that collect every problem, named by variable, instead of throwing. */

export class EnvReader {
  readonly problems: string[] = [];
  /** Every variable asked for, set or not: what the configuration reads (deploy files are checked against it). */
  readonly names = new Set<string>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  private raw(name: string): string | undefined {
    this.names.add(name);
    return this.env[name];
  }

  problem(name: string, message: string): void {
    this.problems.push(`${name} ${message}`);
  }

  /** The trimmed value, or undefined when unset or empty. */
  optional(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const value = raw.trim();
    return value === '' ? undefined : value;
  }

  /**
   * A security setting whose absence turns a control off (a token, a signing secret): unset is null, but set and
   * empty is a problem, since a blank line in an env file must not silently switch authentication off.
   */
  secret(name: string): string | null {
    const raw = this.raw(name);
    if (raw === undefined) return null;
    const value = raw.trim();
    if (value === '') this.problem(name, 'is set but empty; unset it to turn this control off, or give it a value');
    return value === '' ? null : value;
  }

  string(name: string, fallback: string): string {
    const raw = this.raw(name);
    return raw === undefined ? fallback : raw.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.problem(name, `must be a whole number, got "${value}"`);
      return fallback;
    }
    return this.inRange(name, Number(value), fallback, min, max);
  }

  /** A whole number, or the word `auto`. */
  countOrAuto(name: string, fallback: number, min: number, max: number): number | 'auto' {
    if (this.optional(name)?.toLowerCase() === 'auto') return 'auto';
    const value = this.optional(name);
    if (value !== undefined && !/^\d+$/.test(value)) {
      this.problem(name, `must be auto or a whole number from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return this.int(name, fallback, min, max);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) {
      this.problem(name, `must be a number, got "${value}"`);
      return fallback;
    }
    return this.inRange(name, parsed, fallback, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.optional(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.problem(name, `must be true or false, got "${value}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(name, `must be one of ${allowed.join(', ')}; got "${value}"`);
    return fallback;
  }

  /** A comma-separated list. */
  list(name: string, fallback: readonly string[]): string[] {
    const value = this.optional(name);
    if (value === undefined) return [...fallback];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A comma-separated subset of `allowed` (empty string means none). */
  subsetOf<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): T[] {
    const raw = this.raw(name);
    if (raw === undefined) return [...fallback];
    const items = this.list(name, []);
    const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
    if (unknown.length > 0) this.problem(name, `has unknown keys ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
    return items.filter((item): item is T => (allowed as readonly string[]).includes(item));
  }

  /** A ws:// or wss:// URL (http(s) accepted and converted). */
  wsUrl(name: string, fallback: string): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    try {
      const url = new URL(value);
      if (url.protocol === 'https:') url.protocol = 'wss:';
      if (url.protocol === 'http:') url.protocol = 'ws:';
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error('protocol');
      return url.toString();
    } catch {
      this.problem(name, `must be a ws:// or wss:// URL, got "${value}"`);
      return fallback;
    }
  }

  /** An origin (`https://host[:port]`, nothing after it), normalised as browsers send it; null when unset. */
  origin(name: string): string | null {
    const value = this.optional(name);
    if (value === undefined) return null;
    try {
      const url = new URL(value);
      const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
      if ((url.protocol === 'http:' || url.protocol === 'https:') && bare) return url.origin;
    } catch {
      // reported below
    }
    this.problem(name, `must be an origin such as https://voice.example.com (scheme, host, optional port, nothing after), got "${value}"`);
    return null;
  }

  private inRange(name: string, value: number, fallback: number, min: number, max: number): number {
    if (value < min || value > max) {
      this.problem(name, `must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  }
}
