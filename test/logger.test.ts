/**
 * Log format: JSON lines for machines, human-readable lines on a terminal (pino-pretty), colours
 * only when wanted (NO_COLOR), secrets scrubbed either way.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsColor, wantsPretty } from '../src/logger.ts';

function sink(): { lines: string[]; stream: NodeJS.WritableStream } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines by default to a given destination', () => {
    const s = sink();
    createLogger({ destination: s.stream }).info({ file: 'a.txt' }, 'corpus loaded');
    const line = JSON.parse(s.lines.join(''));
    expect(line).toMatchObject({ level: 30, msg: 'corpus loaded', file: 'a.txt', app: 'papertalk' });
  });
  it('writes readable lines when pretty, without colour codes when colour is off, with secrets scrubbed', () => {
    const s = sink();
    const token = 'MTIzNDU2Nzg5.secret-token-value';
    createLogger({ destination: s.stream, pretty: true, color: false, secrets: [token] }).warn({ url: `https://x/${token}` }, 'gateway closed');
    const out = s.lines.join('');
    expect(out).toMatch(/WARN.*gateway closed/);
    expect(out).not.toContain('{"level"');
    expect(out).not.toContain(token);
    expect(out).toContain('[redacted]');
    expect(out).not.toMatch(/\x1b\[/);
  });
  it('decides pretty and colour from the terminal, CI and NO_COLOR', () => {
    expect(wantsPretty({}, { isTTY: true })).toBe(true);
    expect(wantsPretty({ CI: 'true' }, { isTTY: true })).toBe(false);
    expect(wantsPretty({}, { isTTY: false })).toBe(false);
    expect(wantsColor({}, { isTTY: true })).toBe(true);
    expect(wantsColor({ NO_COLOR: '1' }, { isTTY: true })).toBe(false);
    expect(wantsColor({}, {})).toBe(false);
  });
});
