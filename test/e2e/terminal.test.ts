import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/**
 * The stylish listing as a user sees it: meshguard runs in a real terminal (tmux) of 80, 100 and 200
 * columns, and the screen is read back with wrapped lines joined (`capture-pane -J`), so a line the
 * terminal had to wrap would show up longer than the width.
 */
describe.skipIf(!hasTmux)('in a terminal (tmux)', () => {
  const sockets = tempDir('meshguard-tmux-');
  const started: string[] = [];
  afterAll(() => {
    for (const socket of started) spawnSync('tmux', ['-S', socket, 'kill-server']);
  });

  async function screen(columns: number): Promise<string[]> {
    // A server per terminal: one shutting down cannot race the next one starting.
    const socket = path.join(sockets, `socket-${columns}`);
    started.push(socket);
    const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
    const session = `w${columns}`;
    const command = `cd ${REPO_ROOT} && ${process.execPath} ${CLI} check fixtures/demo --fail-on none --today 2026-11-26; echo __DONE__; sleep 600`;
    const start = tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', '50', '-e', 'NO_COLOR=', '-e', 'COLUMNS=', command);
    expect(start.status, start.stderr).toBe(0);
    let text = '';
    for (let attempt = 0; attempt < 300 && !text.includes('__DONE__'); attempt++) {
      await sleep(100);
      text = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session).stdout;
    }
    tmux('kill-server');
    const lines = text.split('\n').map((l) => l.trimEnd());
    return lines.slice(0, lines.indexOf('__DONE__'));
  }

  for (const columns of [80, 100, 200]) {
    it(`${columns} columns: no line wider than the terminal, every finding readable`, async () => {
      const lines = await screen(columns);
      expect(lines.at(-1)).toMatch(/^✖ \d+ problems|^ {2}/);
      const cells = (s: string): number => [...s].length;
      for (const line of lines) expect(cells(line), line).toBeLessThanOrEqual(columns);
      // Position, severity and the whole rule id stay together at the start of a finding.
      for (const id of ['udp-bulkhead', 'job-sidecar-termination', 'hpa-sidecar-skew', 'mtls-no-downgrade', 'egress-via-gateway', 'sidecar-quota', 'injection-labels', 'capture-bypass-justified', 'capture-bypass-bulkhead']) {
        expect(lines.some((l) => new RegExp(`^ +\\d+:\\d+ +(error|warning|info) +.*\\b${id}\\b`).test(l)), id).toBe(true);
      }
      expect(lines.join(' ').replace(/\s+/g, ' ')).toMatch(/✖ 17 problems \(15 errors, 2 warnings, 0 infos\), 1 suppressed/);
    });
  }
});
