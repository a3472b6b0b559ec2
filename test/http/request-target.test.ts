import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../../src/http/request-target.js';

describe('parseRequestTarget', () => {
  it('keeps an origin-form path as written, so `//x` is never read as a host', () => {
    expect(parseRequestTarget('//evil.example/health')?.pathname).toBe('//evil.example/health');
    expect(parseRequestTarget('//:99999')?.pathname).toBe('//:99999');
    expect(parseRequestTarget('/?inputRate=16000&token=a%20b')).toMatchObject({ pathname: '/' });
    expect(parseRequestTarget('/?inputRate=16000&token=a%20b')?.searchParams.get('token')).toBe('a b');
    expect(parseRequestTarget(undefined)?.pathname).toBe('/');
  });

  it('parses the absolute form; other forms have no path', () => {
    expect(parseRequestTarget('http://proxy.example/?inputRate=8000')?.searchParams.get('inputRate')).toBe('8000');
    for (const target of ['*', 'proxy.example:443', 'http://[/', 'javascript:alert(1)', '']) expect(parseRequestTarget(target), target).toBeUndefined();
  });

  it('never throws, whatever the target', () => {
    fc.assert(fc.property(fc.string(), (target) => void parseRequestTarget(target)));
    fc.assert(fc.property(fc.string().map((s) => `/${s}`), (target) => parseRequestTarget(target)?.pathname.startsWith('/') === true));
  });
});
