// The shipped Prometheus alerting rules (deploy/prometheus/), checked and unit-tested by promtool (Debian's
// `prometheus` package; .ci/run installs it): a stopped schedule fires, a draining backlog of partial runs does not.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { prometheusText } from '../src/report/prometheus.js';
import { zeroStats } from '../src/report/reporter.js';
import { ROOT, runSummary } from './helpers.js';

const execute = promisify(execFile);
const RULES = join(ROOT, 'deploy', 'prometheus');

async function promtool(args: string[]) {
  return execute('promtool', args, { cwd: RULES }).catch(
    (error: NodeJS.ErrnoException & { stdout?: string }) => {
      if (error.code === 'ENOENT')
        throw new Error('promtool is not installed (.ci/run installs it: apt-get install prometheus)');
      throw new Error(`promtool ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.message}`);
    },
  );
}

describe('deploy/prometheus/alerts.yml', () => {
  it('promtool check rules: valid rules', async () => {
    const { stdout } = await promtool(['check', 'rules', 'alerts.yml']);
    expect(stdout).toMatch(/SUCCESS: 5 rules found/);
  });

  it('promtool test rules: no success for 2 days fires, a partial run does not, a failed run and a down endpoint do', async () => {
    const { stdout } = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('every metric the rules read is one the CLI writes', async () => {
    const { readFileSync } = await import('node:fs');
    const rules = readFileSync(join(RULES, 'alerts.yml'), 'utf8');
    const used = new Set([...rules.matchAll(/\b(dcs_task_cleanup_[a-z_]+)/g)].map((match) => match[1]));
    const written = prometheusText(runSummary([]), zeroStats());
    for (const name of used) expect(written).toMatch(new RegExp(`^${name}[ {]`, 'm'));
  });
});
