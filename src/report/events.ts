// The EventBridge events of docs/events.md, kept far below EventBridge's 256 KB entry limit.
import { MAX_DETAIL_BYTES } from '../bounds/limits.js';
import { cut } from '../text/cut.js';
import { fitEntries } from './fit.js';
import {
  type FleetSummary,
  hasProblem,
  type InstanceSummary,
  type RunSummary,
  type SummaryError,
  type TaskFailure,
} from './summary.js';

export const EVENT_SOURCE = 'dcs-task-cleanup';
export const COMPLETED = 'DCS Task Cleanup Completed';
export const FAILED = 'DCS Task Cleanup Failed';

/** A Failed event's detail stays under this many bytes, whatever the number of failures. */
const FAILURES_PER_INSTANCE = 20;
const MAX_MESSAGE_LENGTH = 300;

export interface AlertEvent {
  detailType: typeof COMPLETED | typeof FAILED;
  detail: Record<string, unknown>;
}

/** `Completed` after every run, with its status; `Failed` too when the status is `failed` (a partial run is no alert). */
export function alertEvents(summary: RunSummary): AlertEvent[] {
  const head = {
    runId: summary.runId,
    dryRun: summary.dryRun,
    complete: summary.complete,
    ok: summary.ok,
    status: summary.status,
    totals: summary.totals,
  };
  const events: AlertEvent[] = [{ detailType: COMPLETED, detail: head }];
  if (summary.status === 'failed') events.push({ detailType: FAILED, detail: failedDetail(head, summary) });
  return events;
}

function failedDetail(runHead: Record<string, unknown>, summary: RunSummary): Record<string, unknown> {
  // Fleets come from the config, so their number is small: every failed one is named.
  const fleets = summary.fleets.filter((fleet) => fleet.error).map(fleetEntry);
  const problems = summary.instances.filter((instance) => hasProblem(instance, summary.complete));
  // Shrink the failure lists first, then the instance list, until the detail fits.
  const levels = [FAILURES_PER_INSTANCE, 5, 1, 0].map(
    (perInstance) => () => problems.map((instance) => problemEntry(instance, perInstance)),
  );
  // An endpoint found down is named once here, not only in each of its instances' errors.
  const endpoints = summary.unavailableEndpoints
    ? { unavailableEndpoints: summary.unavailableEndpoints }
    : {};
  const { value, leftOut } = fitEntries(
    (instances): Record<string, unknown> => ({ ...runHead, fleets, ...endpoints, instances }),
    levels,
    MAX_DETAIL_BYTES,
  );
  return leftOut > 0 ? { ...value, instancesTruncated: leftOut } : value;
}

function fleetEntry(fleet: FleetSummary): FleetSummary {
  return fleet.error ? { ...fleet, error: clipError(fleet.error) } : fleet;
}

function problemEntry(instance: InstanceSummary, maxFailures: number): Record<string, unknown> {
  const { failures, failuresTruncated: _, ...rest } = instance;
  const entry: Record<string, unknown> = {
    ...rest,
    ...(instance.error ? { error: clipError(instance.error) } : {}),
    failures: failures.slice(0, maxFailures).map(clipFailure),
  };
  if (failures.length > maxFailures) entry.truncated = true;
  return entry;
}

function clipError(error: SummaryError): SummaryError {
  return { ...error, message: cut(error.message, MAX_MESSAGE_LENGTH) };
}

function clipFailure(failure: TaskFailure): TaskFailure {
  return { ...failure, message: cut(failure.message, MAX_MESSAGE_LENGTH) };
}
