// `doctor`: read-only checks against the real account that say why a run would fail (docs/doctor.md), in
// order: config, credentials, each endpoint (reachable, its clock), each account and project (keys
// accepted), each fleet (what discovery selects), each instance (its first task page) and, only when asked,
// the right to delete (one DELETE of a task id that cannot exist). Nothing is ever deleted.

import { type AccountsIn, asCredentialSet } from '../credentials/accounts.js';
import { DcsClient, type TransportTuning } from '../dcs/client.js';
import { DcsError } from '../dcs/errors.js';
import { discover } from '../discover/discover.js';
import { accountsUsed, type Config, type Scope, type Target } from '../model/config.js';
import { silentReporter } from '../report/reporter.js';
import { type Clock, systemClock } from '../time/clock.js';
import { credentialsChecks } from './credentials-check.js';
import { type Check, CLOCK_FAIL_MS, type Doing, diagnose, readClock } from './diagnose.js';
import { probeDelete } from './probe-delete.js';

export type { Check, CheckStatus } from './diagnose.js';

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

export interface DoctorOptions {
  /** Also check the right to delete (one DELETE of a task id that cannot exist, per instance). */
  probeDelete: boolean;
  /** Where the config came from (a path, or the Lambda's setting). */
  configSource: string;
  /** Inside the deployed function: network advice names its NAT and egress. */
  onLambda: boolean;
  clock?: Clock;
  tuning?: TransportTuning;
  /** Each check as it is made (the CLI prints it at once). */
  onCheck?: (check: Check) => void;
}

/** How each check's requests are timed: at most 6 + 2 + 6 s, under the 15 s a check may wait. */
const CHECK_TUNING: TransportTuning = {
  requestTimeoutMs: 6_000,
  retry: { baseDelayMs: 500, maxDelayMs: 2_000, maxRetryAfterMs: 2_000 },
};

export async function runDoctor(
  config: Config,
  accountsIn: AccountsIn,
  options: DoctorOptions,
): Promise<DoctorReport> {
  const accounts = asCredentialSet(accountsIn);
  const clock = options.clock ?? systemClock;
  const checks: Check[] = [];
  const report = (check: Check) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  const timed = async (
    check: Check['check'],
    target: string,
    work: () => Promise<Omit<Check, 'check' | 'target' | 'durationMs'>>,
  ) => {
    const startedAt = clock.now();
    const result = await work();
    report({ check, target, ...result, durationMs: clock.now() - startedAt });
    return result;
  };
  const skipped = (check: Check['check'], target: string, detail: string) =>
    report({ check, target, status: 'skipped', detail, durationMs: 0 });

  report({
    check: 'config',
    target: options.configSource,
    status: 'ok',
    detail: `valid: ${config.targets.length} instance(s), ${config.fleets.length} fleet(s), dryRun ${config.dryRun}`,
    durationMs: 0,
  });
  // An account whose source gives no credentials gets no signed request: its checks are skipped.
  const noCredentials = await credentialsChecks(accounts, accountsUsed(config), (target, work) =>
    timed('credentials', target, work),
  );

  // No check waits longer than 15 s: two attempts of 6 s at most, 2 s apart at most.
  const limits = { ...config.limits, maxAttempts: Math.min(config.limits.maxAttempts, 2) };
  const client = new DcsClient(accounts, { limits, clock }, { ...CHECK_TUNING, ...options.tuning });
  const scopes: Scope[] = [...config.targets, ...config.fleets];
  /** Endpoints that gave no answer: their later checks are skipped. */
  const unreachable = new Set<string>();
  /** Server clock minus local clock, per endpoint. */
  const skews = new Map<string, number>();
  /**
   * Accounts whose signed requests got 401, and why: no further signed request with them (keys get locked).
   * After the clock check found real skew, the clock is why, and the keys were not judged.
   */
  const refused = new Map<string, string>(
    noCredentials.map((account) => [account, `account "${account}" has no credentials`]),
  );
  const situation = (doing: Doing, scope: Scope, instanceId?: string) => ({
    doing,
    scope,
    instanceId,
    skewMs: skews.get(scope.endpoint),
    onLambda: options.onLambda,
  });
  /** Why a signed check of `scope` is not made, if it is not. */
  const blocked = (scope: Scope) =>
    unreachable.has(scope.endpoint) ? `endpoint ${scope.endpoint} unreachable` : refused.get(scope.account);
  const failure = (error: unknown, doing: Doing, scope: Scope, instanceId?: string) => {
    if (!(error instanceof DcsError)) throw error;
    if (error.kind === 'http' && error.httpStatus === 401 && !refused.has(scope.account)) {
      const skew = skews.get(scope.endpoint);
      refused.set(
        scope.account,
        skew !== undefined && Math.abs(skew) > CLOCK_FAIL_MS
          ? `account "${scope.account}" was refused for the clock: set it right first`
          : `the keys of account "${scope.account}" were refused`,
      );
    }
    return diagnose(error, situation(doing, scope, instanceId));
  };

  try {
    for (const scope of distinct(scopes, (s) => s.endpoint)) {
      const startedAt = clock.now();
      try {
        const answer = await client.reach(scope);
        const took = clock.now() - startedAt;
        report({
          check: 'endpoint',
          target: scope.endpoint,
          status: 'ok',
          detail: `reachable: HTTP ${answer.status} in ${took} ms (unsigned)`,
          durationMs: took,
        });
        const clockCheck = readClock(answer.date, startedAt + took / 2);
        if (clockCheck.skewMs !== undefined) skews.set(scope.endpoint, clockCheck.skewMs);
        report({ check: 'clock', target: scope.endpoint, ...clockCheck.result, durationMs: 0 });
      } catch (error) {
        unreachable.add(scope.endpoint);
        report({
          check: 'endpoint',
          target: scope.endpoint,
          ...failure(error, 'list-instances', scope),
          durationMs: clock.now() - startedAt,
        });
      }
    }

    for (const scope of distinct(scopes, (s) => `${s.account} ${s.projectId} ${s.endpoint}`)) {
      const target = `"${scope.account}", project ${scope.projectId} at ${scope.endpoint}`;
      const why = blocked(scope);
      if (why) {
        skipped('account', target, why);
        continue;
      }
      await timed('account', target, async () => {
        try {
          const { page, httpStatus } = await client.firstInstancePage(scope, 1);
          return {
            status: 'ok',
            detail: `keys accepted: HTTP ${httpStatus}, ${page.total ?? '?'} instance(s) in the project`,
          };
        } catch (error) {
          return failure(error, 'list-instances', scope);
        }
      });
    }

    const discovered: Target[] = [];
    for (const fleet of config.fleets) {
      const target = `fleets[${fleet.index}] ${fleet.region} project ${fleet.projectId}`;
      const why = blocked(fleet);
      if (why) {
        skipped('fleet', target, why);
        continue;
      }
      await timed('fleet', target, async () => {
        let error: DcsError | undefined;
        const found = await discover(
          { ...config, targets: [], fleets: [fleet] },
          client,
          { ...silentReporter, fleetDiscovered: (event) => (error = event.error) },
          'doctor',
        );
        if (error) return failure(error, 'list-instances', fleet);
        const summary = found.fleets[0];
        discovered.push(...found.targets);
        const detail = `discovery selects ${summary?.matched ?? 0} RUNNING instance(s); ${summary?.notRunning ?? 0} match but are not running; ${summary?.ignored ?? 0} record(s) ignored`;
        return summary?.matched === 0
          ? { status: 'warn', detail, fix: "Check the fleet's tags and names: it cleans nothing." }
          : { status: 'ok', detail };
      });
    }

    // An instance both configured and discovered is checked once, as configured.
    const instances = distinct(
      [...config.targets, ...discovered],
      (target) => `${target.endpoint} ${target.instanceId.toLowerCase()}`,
    );
    for (const instance of instances) {
      const target = `${instance.instanceId} (${instance.region})`;
      const why = blocked(instance);
      if (why) {
        skipped('instance', target, why);
        if (options.probeDelete) skipped('delete-right', target, why);
        continue;
      }
      let listedIds: Set<string> | undefined;
      await timed('instance', target, async () => {
        try {
          const { page, httpStatus } = await client.firstTaskPage(instance);
          listedIds = new Set(page.items.map((task) => task.id));
          return {
            status: 'ok',
            detail: `task list: HTTP ${httpStatus}, task_count ${page.total ?? '?'}, first page ${page.items.length} record(s) parsed, ${page.ignored.length} ignored`,
          };
        } catch (error) {
          return failure(error, 'list-tasks', instance, instance.instanceId);
        }
      });
      if (!options.probeDelete) continue;
      const probeWhy = blocked(instance) ?? (listedIds ? undefined : 'its task list could not be read');
      if (probeWhy) {
        skipped('delete-right', target, probeWhy);
        continue;
      }
      await timed('delete-right', target, () =>
        probeDelete(client, instance, listedIds as Set<string>, failure),
      );
    }
    if (!options.probeDelete) {
      skipped(
        'delete-right',
        'every instance',
        'not checked: --probe-delete sends one DELETE of a task id that cannot exist per instance',
      );
    }
  } finally {
    await client.close();
  }
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

function distinct<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) if (!byKey.has(keyOf(item))) byKey.set(keyOf(item), item);
  return [...byKey.values()];
}
