// Discovery (contract §8): list each fleet's project, select by tags, names and status, and resolve
// precedence: `instances` entries first, then the first matching fleet in config order.
import type { Config, Fleet, Scope, Target } from '../config/schema.js';
import type { DcsClient } from '../dcs/client.js';
import { DcsError, notSentError } from '../dcs/errors.js';
import type { InstanceRecord } from '../dcs/instances.js';
import { type Collected, collectPages, type IgnoredRecord } from '../dcs/pages.js';
import type { RunReporter } from '../report/reporter.js';
import type { FleetSummary } from '../report/summary.js';
import { fleetSelector, RUNNING } from './select.js';

export interface Discovery {
  /** Every instance to clean: the `instances` entries, then what the fleets matched. */
  targets: Target[];
  fleets: FleetSummary[];
  /** Why an instance id may be missing from `targets` although it exists: fleets that failed. */
  undiscovered: string | undefined;
}

type Listing = { instances: InstanceRecord[]; ignored: number } | { error: DcsError };

export async function discover(
  config: Config,
  client: DcsClient,
  reporter: RunReporter,
  runId: string,
): Promise<Discovery> {
  // Fleets over the same project, endpoint and account share one listing.
  const listings = new Map<string, Promise<Listing>>();
  for (const fleet of config.fleets) {
    const key = scopeKey(fleet);
    if (!listings.has(key)) listings.set(key, listProject(fleet, client, reporter, runId));
  }
  const listed = new Map<string, Listing>();
  for (const [key, listing] of listings) listed.set(key, await listing);

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
    } else if ('instances' in listing) {
      summary.ignored = listing.ignored;
      const selects = fleetSelector(fleet);
      for (const instance of listing.instances) {
        if (!selects(instance)) continue;
        if (instance.status !== RUNNING) {
          summary.notRunning++;
          continue;
        }
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

/** Every instance record of a project, deduplicated; ignored records are reported once (see collectPages). */
async function listProject(
  scope: Scope,
  client: DcsClient,
  reporter: RunReporter,
  runId: string,
): Promise<Listing> {
  const collected: Collected<InstanceRecord> = { items: new Map(), ignored: new Set() };
  const onIgnored = (record: IgnoredRecord) =>
    reporter.recordIgnored({ runId, kind: 'instance', scope, record });
  try {
    const keyOf = (instance: InstanceRecord) => instance.instanceId.toLowerCase();
    await collectPages(client.listInstances(scope), keyOf, onIgnored, collected, 'instance listing');
    return { instances: [...collected.items.values()], ignored: collected.ignored.size };
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    return { error };
  }
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
