// What serverless.yml computes at package time (`${file(infra/monitoring.cjs):…}`): the backlog alarm's
// period (one run per period, from the schedule) and the CloudWatch dashboard. Metric names, namespace and
// dimension are the ones src/lambda/metrics.ts emits; test/monitoring.test.ts holds the two together.
'use strict';

const NAMESPACE = 'DcsTaskCleanup';
const SERVICE = 'dcs-task-cleanup';
const SECONDS = { minute: 60, hour: 3_600, day: 86_400 };
const WEEK = 7 * SECONDS.day;
// CloudFormation Fn::Sub placeholders in the dashboard body, not JavaScript templates.
// biome-ignore lint/suspicious/noTemplateCurlyInString: an Fn::Sub placeholder
const REGION = '${AWS::Region}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: an Fn::Sub placeholder (the function's name)
const FUNCTION_NAME = '${CleanupLambdaFunction}';

/**
 * Seconds between scheduled runs: `runIntervalMinutes` when set, else read off `rate(N unit)` or a daily
 * `cron(M H * * ? *)`. Anything else needs runIntervalMinutes: the alarm must know what "a run" spans.
 */
function runIntervalSeconds(schedule, runIntervalMinutes) {
  if (runIntervalMinutes !== undefined && runIntervalMinutes !== null && String(runIntervalMinutes) !== '') {
    const minutes = Number(runIntervalMinutes);
    if (!Number.isInteger(minutes) || minutes < 1) {
      throw new Error(
        `param runIntervalMinutes must be a whole number of minutes, not "${runIntervalMinutes}"`,
      );
    }
    return minutes * 60;
  }
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(schedule);
  if (rate) return Number(rate[1]) * SECONDS[rate[2]];
  if (/^cron\(\s*\d{1,2}\s+\d{1,2}\s+[*?]\s+\*\s+[*?]\s*(\*\s*)?\)$/.test(schedule)) return SECONDS.day;
  throw new Error(
    `param runIntervalMinutes is needed: cannot tell how often "${schedule}" runs, and the backlog alarm counts runs`,
  );
}

/** The backlog alarm spans backlogAlarmRuns periods of one run each; CloudWatch caps that span. */
async function backlogWindow({ resolveVariable }) {
  const period = runIntervalSeconds(
    await resolveVariable('param:schedule'),
    await resolveVariable('param:runIntervalMinutes'),
  );
  const runs = Number(await resolveVariable('param:backlogAlarmRuns'));
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`param backlogAlarmRuns must be a whole number ≥ 1`);
  const limit = period < SECONDS.hour ? SECONDS.day : WEEK;
  if (period * runs > limit) {
    throw new Error(
      `the backlog alarm would span ${runs} runs × ${period / 60} minutes, more than CloudWatch allows ` +
        `(${limit / SECONDS.hour} hours): lower backlogAlarmRuns or run more often`,
    );
  }
  return { period, runs };
}

module.exports.backlogAlarmPeriod = async (context) => (await backlogWindow(context)).period;

/** The heartbeat alarm looks at two periods of one run each: a run must finish within twice the period. */
module.exports.heartbeatPeriod = async ({ resolveVariable }) => {
  const period = runIntervalSeconds(
    await resolveVariable('param:schedule'),
    await resolveVariable('param:runIntervalMinutes'),
  );
  const limit = period < SECONDS.hour ? SECONDS.day : WEEK;
  if (period * 2 > limit) {
    throw new Error(
      `the no-run alarm would span 2 runs × ${period / 60} minutes, more than CloudWatch allows: run more often`,
    );
  }
  return period;
};
module.exports.backlogAlarmRuns = async (context) => (await backlogWindow(context)).runs;

const metric = (name, label, stat = 'Sum') => [NAMESPACE, name, 'service', SERVICE, { label, stat }];
const lambdaMetric = (name, label) => [
  'AWS/Lambda',
  name,
  'FunctionName',
  FUNCTION_NAME,
  { label, stat: 'Sum' },
];

/** The dashboard `dcs-task-cleanup-<stage>`: one point per run, over the last runs. */
module.exports.dashboardBody = async (context) => {
  const { resolveVariable } = context;
  const { period, runs } = await backlogWindow(context);
  const stage = await resolveVariable('sls:stage');
  const timeoutMs = Number(await resolveVariable('self:provider.timeout')) * 1000;
  const graph = (title, metrics, extra = {}) => ({
    type: 'metric',
    properties: { title, view: 'timeSeries', region: REGION, period, metrics, ...extra },
  });
  const at = (x, y, w, h, widget) => ({ x, y, width: w, height: h, ...widget });
  const body = {
    start: `-P${Math.max(7, Math.ceil((30 * period) / SECONDS.day))}D`,
    widgets: [
      at(0, 0, 24, 2, {
        type: 'text',
        properties: {
          markdown:
            `## DCS task cleanup (${stage}): one point per run\n` +
            `Backlog = deferred + skipped + failed after a run. The \`backlog-growing\` alarm fires when it stays above 0 ` +
            `for ${runs} runs in a row; the README says what to do.`,
        },
      }),
      at(
        0,
        2,
        12,
        6,
        graph(
          'Outcomes per run',
          [
            metric('Deleted', 'deleted'),
            metric('AlreadyGone', 'already gone'),
            metric('WouldDelete', 'would delete (dry run)'),
            metric('Skipped', 'skipped'),
            metric('Deferred', 'deferred'),
            metric('Failed', 'failed'),
          ],
          { stacked: true },
        ),
      ),
      at(
        12,
        2,
        12,
        6,
        graph('Backlog after each run', [metric('Backlog', 'backlog', 'Minimum')], {
          yAxis: { left: { min: 0 } },
        }),
      ),
      at(
        0,
        8,
        12,
        6,
        graph('Tasks listed and stale', [
          metric('Listed', 'listed'),
          metric('Stale', 'stale'),
          metric('Ignored', 'ignored (unusable records)'),
        ]),
      ),
      at(
        12,
        8,
        12,
        6,
        graph('Run duration against the timeout', [metric('Duration', 'run duration (ms)', 'Maximum')], {
          annotations: { horizontal: [{ label: 'Lambda timeout', value: timeoutMs }] },
          yAxis: { left: { min: 0 } },
        }),
      ),
      at(
        0,
        14,
        8,
        6,
        graph('Retries and throttles (429)', [
          metric('Retries', 'retries'),
          metric('Throttled', 'throttled'),
        ]),
      ),
      at(
        8,
        14,
        8,
        6,
        graph('Instance and fleet errors', [
          metric('InstanceErrors', 'instances not listed'),
          metric('FleetErrors', 'fleets not discovered'),
          metric('Vanished', 'vanished (no error)'),
        ]),
      ),
      at(
        16,
        14,
        8,
        6,
        graph(
          'Function errors and throttles',
          [
            lambdaMetric('Errors', 'errors'),
            lambdaMetric('Throttles', 'throttles'),
            lambdaMetric('Invocations', 'invocations'),
          ],
          { period: 300 },
        ),
      ),
    ],
  };
  return { 'Fn::Sub': JSON.stringify(body) };
};
