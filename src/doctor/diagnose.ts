// What an error means to an operator (docs/doctor.md): a diagnosis and the fix in one sentence, never a
// bare status code. Pure: the doctor's checks call it with what they saw.
import { type DcsError, isFromDcs } from '../dcs/errors.js';
import { IAM_ACTION } from '../dcs/paths.js';
import type { Scope } from '../model/config.js';
import { parseHttpDate } from '../time/http-date.js';

/** The gateway refuses a signature more than this far from its clock; doctor warns from CLOCK_WARN_MS. */
export const CLOCK_FAIL_MS = 15 * 60_000;
export const CLOCK_WARN_MS = 5 * 60_000;

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One of doctor's checks, as it reports it. */
export interface Check {
  check: 'config' | 'credentials' | 'endpoint' | 'clock' | 'account' | 'fleet' | 'instance' | 'delete-right';
  target: string;
  status: CheckStatus;
  detail: string;
  /** For warn and fail: what to do, in one sentence. */
  fix?: string;
  durationMs: number;
}

export interface Diagnosis {
  status: 'warn' | 'fail';
  detail: string;
  fix: string;
}

/** What a check was doing when the error came: it decides the IAM action a 403 names. */
export type Doing = 'list-instances' | 'list-tasks' | 'delete-task';

const ACTION: Record<Doing, string> = {
  'list-instances': IAM_ACTION.listInstances,
  'list-tasks': IAM_ACTION.listTasks,
  'delete-task': IAM_ACTION.deleteTask,
};

export interface Situation {
  doing: Doing;
  scope: Scope;
  instanceId?: string;
  /** Server clock minus local clock, when the endpoint check read it. */
  skewMs?: number | undefined;
  /** Running inside the deployed function: network advice names its NAT and egress. */
  onLambda: boolean;
}

export function diagnose(error: DcsError, situation: Situation): Diagnosis {
  const { scope } = situation;
  const seen = [error.httpStatus, error.errorCode].filter((part) => part !== null).join(' ');
  const said = `${seen ? `${seen}: ` : ''}${error.message}`;
  if (error.kind === 'http' && error.httpStatus === 401) return unauthorised(said, situation);
  if (error.kind === 'http' && error.httpStatus === 403) {
    if (error.errorCode === 'APIGW.0302') {
      return fail(
        said,
        `Give the IAM user of account "${scope.account}" access to project ${scope.projectId}, or check the projectId.`,
      );
    }
    const action = ACTION[situation.doing];
    return fail(
      `${said} (the access key lacks ${action})`,
      `Grant ${action} to the IAM user of account "${scope.account}" in project ${scope.projectId} (README, Permissions).`,
    );
  }
  if (error.kind === 'http' && error.httpStatus === 404) return notFound(said, error, situation);
  if (error.kind === 'not-sent' && error.notSent === 'unavailable') {
    return fail(
      `endpoint unavailable (no request sent): ${error.message}`,
      `Check the endpoint ${scope.endpoint} and the network path to it; it gave no answer to the checks before.`,
    );
  }
  if (error.kind === 'network' || error.kind === 'tls') return unreachable(error, situation);
  if (error.kind === 'http' && (error.httpStatus === 429 || (error.httpStatus ?? 0) >= 500)) {
    return fail(
      `${said} after ${error.attempts} attempt(s)`,
      'The API is throttling or failing: try again later; if it lasts, open a ticket with the request id.',
    );
  }
  return fail(said, 'The API answered what it does not document: open a ticket with the request id.');
}

function unauthorised(said: string, { scope, skewMs }: Situation): Diagnosis {
  // The clock is blamed only when the clock check found real skew, whatever code the 401 carries.
  if (skewMs !== undefined && Math.abs(skewMs) > CLOCK_FAIL_MS) {
    return fail(
      `${said} (the clock: this machine's clock is ${describeSkew(skewMs)}; the keys were not judged)`,
      "Set this machine's clock right (NTP, chrony or systemd-timesyncd): the gateway refuses signatures more than 15 minutes off.",
    );
  }
  return fail(
    `${said} (AK/SK not accepted)`,
    `Check the AK and SK of account "${scope.account}" (and the security token, for temporary credentials); its later checks are skipped so that the key is not locked.`,
  );
}

function notFound(said: string, error: DcsError, { scope, instanceId, doing }: Situation): Diagnosis {
  // A 404 without DCS's own code never reached DCS: the gateway has no such API there, or a proxy answered.
  if (!isFromDcs(error)) {
    return fail(
      `${said} (the endpoint does not serve the DCS API here)`,
      `No DCS API at ${scope.endpoint}: check the region ${scope.region} and the endpoint.`,
    );
  }
  if (instanceId !== undefined && doing === 'list-tasks') {
    return fail(
      `${said} (instance not found)`,
      `Check the instanceId ${instanceId}, then the projectId ${scope.projectId} (the instance's project), the region ${scope.region} and the endpoint.`,
    );
  }
  return fail(said, `Check the projectId ${scope.projectId}, the region ${scope.region} and the endpoint.`);
}

function unreachable(error: DcsError, { scope, onLambda }: Situation): Diagnosis {
  const host = new URL(scope.endpoint).host;
  const egress = onLambda
    ? 'the function needs outbound HTTPS: in a VPC, a route through a NAT gateway and an egress rule for 443'
    : `this host needs outbound HTTPS (443) to ${host}`;
  if (error.kind === 'tls') {
    return fail(
      `TLS with ${host} failed: ${error.message}`,
      `Check that the endpoint is ${host}'s real name (no proxy rewriting TLS); ${egress}.`,
    );
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(error.message)) {
    return fail(
      `cannot resolve ${host}: ${error.message}`,
      `Check the region ${scope.region} and the endpoint; ${egress}, and DNS.`,
    );
  }
  // A timeout already says whom it waited for; other network errors (reset, refused) get the host.
  const said = /no answer from /.test(error.message)
    ? error.message
    : `no answer from ${host}: ${error.message}`;
  return fail(said, `Check the endpoint; ${egress}.`);
}

/** The server's clock from its Date header, read at `localMs` (the middle of the exchange). */
export function readClock(date: string | undefined, localMs: number) {
  // Only an HTTP date is a clock: `1` is no year 2001.
  const serverMs = parseHttpDate(date);
  if (serverMs === undefined) {
    return {
      skewMs: undefined,
      result: {
        status: 'warn' as const,
        detail: "the answer had no readable Date header: the server's clock is unknown",
        fix: "Keep this machine's clock synchronised (NTP): signatures more than 15 minutes off are refused.",
      },
    };
  }
  // The Date header has whole seconds.
  const skewMs = serverMs - localMs;
  const off = Math.abs(skewMs);
  const detail = `the server's clock reads ${new Date(serverMs).toISOString()}: this machine's clock is ${describeSkew(skewMs)}`;
  if (off <= CLOCK_WARN_MS)
    return { skewMs, result: { status: 'ok' as const, detail: `${detail} (within 5 min)` } };
  const failing = off > CLOCK_FAIL_MS;
  return {
    skewMs,
    result: {
      status: failing ? ('fail' as const) : ('warn' as const),
      detail: `${detail}; signatures are refused past 15 min`,
      fix: failing
        ? "Set this machine's clock right (NTP, chrony or systemd-timesyncd)."
        : "Synchronise this machine's clock (NTP) before it drifts further.",
    },
  };
}

/** `20 min behind the server's`, `3 min ahead of the server's`. */
export function describeSkew(skewMs: number): string {
  const minutes = Math.round(Math.abs(skewMs) / 60_000);
  return `${minutes} min ${skewMs > 0 ? 'behind' : 'ahead of'} the server's`;
}

function fail(detail: string, fix: string): Diagnosis {
  return { status: 'fail', detail, fix };
}
