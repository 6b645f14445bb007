// Discovery (docs/config.md): list each fleet's project, select by tags, names and status, and resolve
// precedence: `instances` entries first, then the first matching fleet in config order. A project's listing
// streams by: only the instances some fleet selects are kept, never the whole project; every id is
// remembered in a compact table, so an instance listed twice with other facts, at any distance, is not
// cleaned (docs/safety.md).

import { MAX_SELECTED_INSTANCES } from '../bounds/limits.js';
import type { DcsApi } from '../dcs/client.js';
import { DcsError, malformedError, notSentError } from '../dcs/errors.js';
import type { InstanceRecord } from '../dcs/instances.js';
import { ignoredRecord } from '../dcs/pages.js';
import type { Config, Fleet, Scope, Target } from '../model/config.js';
import { NOT_JUDGED } from '../policy/policy.js';
import { Versions } from '../policy/versions.js';
import { IgnoredTally } from '../report/ignored.js';
import type { RunReporter } from '../report/reporter.js';
import type { FleetSummary } from '../report/summary.js';
import { fleetSelector, instanceFacts, RUNNING, sameInstance } from './select.js';

export interface Discovery {
  /** Every instance to clean: the `instances` entries, then what the fleets matched. */
  targets: Target[];
  fleets: FleetSummary[];
  /** Why an instance id may be missing from `targets` although it exists: fleets that failed. */
  undiscovered: string | undefined;
}

// At most MAX_SELECTED_INSTANCES instances of one project that some fleet selects (in any status) are taken
// from its listing (a real project holds hundreds): past it, a server that claims a million instances would
// grow the run's memory and its work without end.

/** What one project's listing gave each fleet over it (by fleet index). */
type Listing =
  | { running: Map<number, InstanceRecord[]>; notRunning: Map<number, number>; ignored: number }
  | { error: DcsError };

export async function discover(
  config: Config,
  client: DcsApi,
  reporter: RunReporter,
  runId: string,
): Promise<Discovery> {
  // Fleets over the same project, endpoint and account share one listing.
  const fleetsByScope = new Map<string, Fleet[]>();
  for (const fleet of config.fleets) {
    const key = scopeKey(fleet);
    fleetsByScope.set(key, [...(fleetsByScope.get(key) ?? []), fleet]);
  }
  const listed = new Map<string, Listing>(
    await Promise.all(
      [...fleetsByScope].map(
        async ([key, fleets]) => [key, await listProject(fleets, client, reporter, runId)] as const,
      ),
    ),
  );

  const claimed = new Set(config.targets.map((target) => target.instanceId.toLowerCase()));
  const targets = [...config.targets];
  const fleets: FleetSummary[] = [];
  const failed: Fleet[] = [];
  for (const fleet of config.fleets) {
    const listing = listed.get(scopeKey(fleet)) as Listing;
    const summary: FleetSummary = {
      region: fleet.region,
      projectId: fleet.projectId,
      account: fleet.account,
      matched: 0,
      notRunning: 0,
      ignored: 0,
    };
    const error = 'error' in listing ? listing.error : precedenceUnknown(fleet, failed);
    if (error) {
      summary.error = error.toSummaryError();
      failed.push(fleet);
    } else if ('running' in listing) {
      summary.ignored = listing.ignored;
      summary.notRunning = listing.notRunning.get(fleet.index) ?? 0;
      for (const instance of listing.running.get(fleet.index) ?? []) {
        const id = instance.instanceId.toLowerCase();
        if (claimed.has(id)) continue;
        claimed.add(id);
        summary.matched++;
        targets.push(targetOf(fleet, instance));
      }
    }
    fleets.push(summary);
    reporter.fleetDiscovered({ runId, index: fleet.index, fleet: summary, error });
  }
  const undiscovered =
    failed.length === 0
      ? undefined
      : `${failed.map((fleet) => `fleets[${fleet.index}]`).join(', ')} could not be discovered`;
  return { targets, fleets, undiscovered };
}

/**
 * One project's instance records through the selectors of every fleet over it; ignored ones reported. An id
 * listed again with other facts is banned: ignored (`conflicting records`) and not cleaned by any fleet.
 */
async function listProject(
  fleets: readonly Fleet[],
  client: DcsApi,
  reporter: RunReporter,
  runId: string,
): Promise<Listing> {
  const scope = fleets[0] as Scope;
  const selectors = fleets.map((fleet) => ({ index: fleet.index, selects: fleetSelector(fleet) }));
  /**
   * Instances some fleet selects, with those fleets, by their id's identity in the table (UUIDs compare
   * without case): a ban reaches whatever shares it, even an id whose hash collides.
   */
  const selected = new Map<number, { instance: InstanceRecord; fleets: number[] }>();
  const versions = new Versions<InstanceRecord>({
    factsOf: instanceFacts,
    sameFacts: sameInstance,
    held: (key) => selected.get(key)?.instance,
  });
  const ignored = new IgnoredTally(reporter, { runId, kind: 'instance', scope });
  const add = (instance: InstanceRecord) => {
    const { verdict, sighting } = versions.see(instance.instanceId.toLowerCase(), instance);
    const key = sighting.identity;
    if (verdict === 'repeat') return 'repeat';
    if (verdict === 'contradicted') {
      selected.delete(key);
      return 'conflicting' as const;
    }
    const matching = selectors.filter(({ selects }) => selects(instance)).map(({ index }) => index);
    if (matching.length > 0) {
      if (selected.size >= MAX_SELECTED_INSTANCES) {
        throw malformedError(
          `instance listing selected more than ${MAX_SELECTED_INSTANCES} instances`,
          null,
          0,
        );
      }
      selected.set(key, { instance, fleets: matching });
    }
    return 'new';
  };
  // An unreadable record of a valid id still contradicts every readable one (docs/safety.md).
  const addUnreadable = (id: string) => {
    const { verdict, sighting } = versions.see(id.toLowerCase(), undefined);
    if (verdict === 'contradicted') selected.delete(sighting.identity);
  };
  try {
    for await (const item of client.listInstances(scope, { add, addUnreadable })) {
      if ('ignored' in item) ignored.add(item.ignored);
      else if (item.admission === 'conflicting')
        ignored.add(ignoredRecord(item.record.instanceId, NOT_JUDGED.conflicting));
    }
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    return { error };
  } finally {
    ignored.finish();
  }
  const running = new Map<number, InstanceRecord[]>();
  const notRunning = new Map<number, number>();
  for (const { instance, fleets: matching } of selected.values()) {
    for (const index of matching) {
      if (instance.status !== RUNNING) notRunning.set(index, (notRunning.get(index) ?? 0) + 1);
      else {
        const list = running.get(index) ?? [];
        list.push(instance);
        running.set(index, list);
      }
    }
  }
  return { running, notRunning, ignored: ignored.count };
}

/**
 * An earlier fleet over the same project failed: it might have matched (and, by precedence, owned) any of
 * this fleet's instances, so cleaning them with this fleet's policy could break the earlier one's.
 */
function precedenceUnknown(fleet: Fleet, failed: readonly Fleet[]): DcsError | undefined {
  const earlier = failed.find(
    (other) =>
      other.endpoint === fleet.endpoint && other.projectId.toLowerCase() === fleet.projectId.toLowerCase(),
  );
  if (!earlier) return undefined;
  return notSentError(
    `fleets[${earlier.index}] over the same project could not be discovered, so it is unknown which fleet each instance belongs to`,
  );
}

function targetOf(fleet: Fleet, instance: InstanceRecord): Target {
  return {
    region: fleet.region,
    projectId: fleet.projectId,
    endpoint: fleet.endpoint,
    account: fleet.account,
    instanceId: instance.instanceId,
    source: 'fleet',
    name: instance.name || undefined,
    policy: fleet.policy,
  };
}

function scopeKey(scope: Scope): string {
  return `${scope.endpoint} ${scope.projectId.toLowerCase()} ${scope.account}`;
}
