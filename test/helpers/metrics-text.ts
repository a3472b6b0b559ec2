/** Reads `/metrics` the way an operator's Prometheus does: over HTTP, in the text exposition format. */

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text format 0.0.4 into samples (comments and blank lines skipped). */
export function parseMetricsText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample === undefined) throw new Error(`unparseable metrics line: ${line}`);
    samples.push(sample);
  }
  return samples;
}

const SPECIAL_VALUES: Record<string, number> = { '+inf': Infinity, inf: Infinity, '-inf': -Infinity, nan: NaN };

function parseLine(line: string): MetricSample | undefined {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) return undefined;
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    let i = 1;
    while (rest[i] !== '}') {
      const labelMatch = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (labelMatch === null || labelMatch[1] === undefined) return undefined;
      i += labelMatch[0].length;
      let value = '';
      while (rest[i] !== '"') {
        if (i >= rest.length) return undefined;
        if (rest[i] === '\\') {
          const next = rest[i + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          i += 2;
        } else {
          value += rest[i];
          i += 1;
        }
      }
      labels[labelMatch[1]] = value;
      i += 1; // closing quote
      if (rest[i] === ',') i += 1;
      if (i >= rest.length) return undefined;
    }
    rest = rest.slice(i + 1);
  }
  const valueText = rest.trim().split(/\s+/)[0];
  if (valueText === undefined || valueText === '') return undefined;
  // Prometheus reads special values case-insensitively (prom-client writes `Nan`).
  const special = SPECIAL_VALUES[valueText.toLowerCase()];
  const value = special ?? Number(valueText);
  if (Number.isNaN(value) && special === undefined) return undefined;
  return { name, labels, value };
}

/** The value of the sample with this name whose labels include `labels` (undefined when there is none). */
export function sampleValue(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  return found?.value;
}

/** GET `<httpUrl>/metrics` and parse it; also returns the content type. */
export async function scrapeMetrics(httpUrl: string): Promise<{ samples: MetricSample[]; contentType: string | null; text: string }> {
  const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  return { samples: parseMetricsText(text), contentType: response.headers.get('content-type'), text };
}
