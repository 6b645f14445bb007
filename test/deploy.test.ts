// `osls package` offline, cfn-lint on the generated template, and what the template must say.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAME } from '../src/lambda/logger.js';
import { createMetrics, METRICS_NAMESPACE, publishRunMetrics } from '../src/lambda/metrics.js';
import { EVENT_SOURCE, FAILED } from '../src/report/events.js';
import { zeroStats } from '../src/report/reporter.js';
import { zeroCounters } from '../src/report/summary.js';
import { freshClone, ROOT } from './helpers.js';

const execute = promisify(execFile);
const OSLS = join(ROOT, 'node_modules', '.bin', 'osls');

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
type Json = any;
type Template = {
  Resources: Record<string, { Type: string; Properties: Json; Condition?: string }>;
  Parameters?: Json;
  Conditions?: Json;
  Outputs?: Record<string, { Value: unknown }>;
};

let dir: string;
let clone: string;

async function packageStage(stage: string, params: string[] = []) {
  const out = join(dir, stage);
  await execute(OSLS, ['package', '--stage', stage, '--package', out, ...params.map((p) => `--param=${p}`)], {
    // A clone of its own: the deploy guard rebuilds dist/, which the other tests run from.
    cwd: clone,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'offline',
      AWS_SECRET_ACCESS_KEY: 'offline',
      AWS_SESSION_TOKEN: '',
    },
    timeout: 120_000,
  });
  const templatePath = join(out, 'cloudformation-template-update-stack.json');
  return { out, templatePath, template: JSON.parse(readFileSync(templatePath, 'utf8')) as Template };
}

function ofType(template: Template, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

let prod: Awaited<ReturnType<typeof packageStage>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-deploy-'));
  clone = freshClone(join(dir, 'clone'));
  prod = await packageStage('prod', [
    'alertEmail=ops@example.com',
    'schedule=cron(0 3 * * ? *)',
    'scheduleTimezone=Europe/Berlin',
    'alertEventBus=ops-alerts',
    'credentialsSecretName=prod/dcs',
  ]);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serverless.yml → CloudFormation', () => {
  it('passes cfn-lint with no errors or warnings', async () => {
    const result = await execute('cfn-lint', [prod.templatePath]).catch((error) => error);
    expect(result.stdout ?? '').toBe('');
    expect(result.code ?? 0).toBe(0);
  });

  it('packages only the esbuild bundle and the config', async () => {
    const { stdout } = await execute('unzip', ['-Z1', join(prod.out, 'dcs-task-cleanup.zip')]);
    const files = stdout.trim().split('\n').sort();
    expect(files.filter((file) => !file.startsWith('dist/chunks/'))).toEqual([
      'dist/handler.js',
      'dist/handler.js.map',
      'dist/package.json',
      'infra/config/cleanup.json',
    ]);
    // Every chunk the bundle imports on first use is packaged with it.
    const chunks = readdirSync(join(clone, 'dist', 'chunks')).map((file) => `dist/chunks/${file}`);
    expect(files.filter((file) => file.startsWith('dist/chunks/'))).toEqual(chunks.sort());
    // The terminal view and its colour library are the CLI's: the Lambda bundle carries neither.
    const bundle = ['dist/handler.js', ...chunks]
      .map((file) => readFileSync(join(clone, file), 'utf8'))
      .join('\n');
    expect(bundle).not.toContain('FORCE_COLOR');
    expect(bundle).not.toContain('discovering instances');
  });

  it('deploys the function on nodejs22.x with reserved concurrency 1 and deliberate limits', () => {
    const [, fn] = ofType(prod.template, 'AWS::Lambda::Function')[0] ?? [];
    expect(fn?.Properties).toMatchObject({
      Handler: 'dist/handler.handler',
      Runtime: 'nodejs22.x',
      ReservedConcurrentExecutions: 1,
      MemorySize: 256,
      Timeout: 900,
      Environment: {
        Variables: {
          CLEANUP_CONFIG_PATH: 'infra/config/cleanup.json',
          // Set only when the credentials come from the secret (the default).
          DCS_CREDENTIALS_SECRET_ID: {
            'Fn::If': ['CredentialsFromSecret', 'prod/dcs', { Ref: 'AWS::NoValue' }],
          },
          ALERT_EVENT_BUS: 'ops-alerts',
        },
      },
    });
  });

  it('sets an explicit async retry count and an on-failure destination', () => {
    const [, config] = ofType(prod.template, 'AWS::Lambda::EventInvokeConfig')[0] ?? [];
    expect(config?.Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } } },
    });
  });

  it('schedules {} with EventBridge Scheduler: cron, time zone, retry policy and dead-letter queue', () => {
    const [, schedule] = ofType(prod.template, 'AWS::Scheduler::Schedule')[0] ?? [];
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: {
        Arn: { 'Fn::GetAtt': ['CleanupLambdaFunction', 'Arn'] },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } },
      },
    });
  });

  it('alarms on Errors, Throttles and the Failed metric, all acting on the alert topic', () => {
    const alarms = ofType(prod.template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const byMetric = (namespace: string, name: string) =>
      alarms.find((a) => a.Namespace === namespace && a.MetricName === name);
    expect(byMetric('AWS/Lambda', 'Errors')?.Dimensions[0].Value).toEqual({ Ref: 'CleanupLambdaFunction' });
    expect(byMetric('AWS/Lambda', 'Throttles')).toBeDefined();
    // The EMF metric the handler publishes: same namespace, same service dimension.
    expect(byMetric(METRICS_NAMESPACE, 'Failed')?.Dimensions).toEqual([
      { Name: 'service', Value: SERVICE_NAME },
    ]);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
  });

  it('routes the Failed event to the alert topic with a readable message', () => {
    const [, rule] = ofType(prod.template, 'AWS::Events::Rule')[0] ?? [];
    expect(rule?.Properties.EventBusName).toBe('ops-alerts');
    expect(rule?.Properties.EventPattern).toEqual({ source: [EVENT_SOURCE], 'detail-type': [FAILED] });
    const target = rule?.Properties.Targets[0];
    expect(target.Arn).toEqual({ Ref: 'AlertTopic' });
    expect(JSON.parse(target.InputTransformer.InputTemplate.replace(/<\w+>/g, 'x'))).toMatch(/was NOT OK/);
    const [, subscription] = ofType(prod.template, 'AWS::SNS::Subscription')[0] ?? [];
    expect(subscription?.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } });
    expect(prod.template.Parameters.AlertEmail.Default).toBe('ops@example.com');
  });

  it('grants least privilege: PutEvents on the alert bus and GetSecretValue on the secret only', () => {
    const role = prod.template.Resources.IamRoleLambdaExecution?.Properties;
    const statements = role.Policies.flatMap(
      (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
    );
    const forAction = (action: string) =>
      statements.filter((s: { Action: string | string[] }) => [s.Action].flat().includes(action));
    const resourceText = (statement: { Resource: unknown }) => JSON.stringify(statement.Resource);
    const [putEvents] = forAction('events:PutEvents');
    expect(forAction('secretsmanager:GetSecretValue')).toEqual([]);
    // The secret is read only when the function takes its credentials from it (the default).
    const secretPolicy = prod.template.Resources.CredentialsSecretPolicy;
    expect(secretPolicy?.Condition).toBe('CredentialsFromSecret');
    expect(prod.template.Parameters.CredentialsFrom.Default).toBe('secret');
    const [getSecret] = secretPolicy?.Properties.PolicyDocument.Statement ?? [];
    expect(getSecret.Action).toBe('secretsmanager:GetSecretValue');
    expect(resourceText(putEvents)).toContain(':event-bus/ops-alerts');
    expect(resourceText(getSecret)).toContain(':secret:prod/dcs-??????');
    for (const statement of statements) expect(resourceText(statement)).not.toBe('"*"');
    const scheduler = prod.template.Resources.SchedulerRole?.Properties;
    const schedulerActions = scheduler.Policies[0].PolicyDocument.Statement.map(
      (s: { Action: string }) => s.Action,
    );
    expect(schedulerActions).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('keyless (credentials=oidc): no secret read or named, an id token for one audience only, cfn-lint clean', async () => {
    const keyless = await packageStage('keyless', [
      'credentials=oidc',
      'oidcAudience=dcs-task-cleanup',
      'configFile=infra/config/keyless.json',
    ]);
    const { template } = keyless;
    expect(template.Parameters.CredentialsFrom.Default).toBe('oidc');
    expect(template.Conditions.CredentialsFromOidc).toEqual({
      'Fn::Equals': [{ Ref: 'CredentialsFrom' }, 'oidc'],
    });
    const [, fn] = ofType(template, 'AWS::Lambda::Function')[0] ?? [];
    expect(fn?.Properties.Environment.Variables.DCS_CREDENTIALS_SECRET_ID).toEqual({
      'Fn::If': ['CredentialsFromSecret', 'dcs-task-cleanup/credentials', { Ref: 'AWS::NoValue' }],
    });
    expect(template.Resources.CredentialsSecretPolicy?.Condition).toBe('CredentialsFromSecret');
    const policy = template.Resources.WebIdentityTokenPolicy;
    expect(policy?.Condition).toBe('CredentialsFromOidc');
    expect(policy?.Properties.Roles).toEqual([{ Ref: 'IamRoleLambdaExecution' }]);
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:GetWebIdentityToken',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': 'dcs-task-cleanup' } },
      },
    ]);
    expect((await execute('cfn-lint', [keyless.templatePath]).catch((e) => e)).code ?? 0).toBe(0);
  }, 120_000);

  it('keyless with a config whose account takes keys is refused before anything is packaged', async () => {
    const result = await packageStage('refused', ['credentials=oidc']).catch((error) => error);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /credentials=oidc: the function has no secret, so account "default" of infra\/config\/cleanup\.json must take/,
    );
  }, 120_000);

  it('uses the defaults when no stage params are given: rate schedule, no e-mail', async () => {
    const dev = await packageStage('dev');
    const [, schedule] = ofType(dev.template, 'AWS::Scheduler::Schedule')[0] ?? [];
    expect(schedule?.Properties.ScheduleExpression).toMatch(/^rate\(/);
    expect(dev.template.Parameters.AlertEmail.Default).toBe('');
    expect((await execute('cfn-lint', [dev.templatePath]).catch((e) => e)).code ?? 0).toBe(0);
  }, 120_000);
});

/** What the function really emits: the EMF record publishRunMetrics prints, parsed. */
function emittedMetrics() {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const totals = { ...zeroCounters(), listed: 9, stale: 5, deleted: 2, skipped: 1, deferred: 1, failed: 1 };
    publishRunMetrics(createMetrics(), {
      summary: {
        runId: 'r',
        dryRun: false,
        startedAt: '',
        finishedAt: '',
        complete: false,
        status: 'failed',
        ok: false,
        totals,
        instances: [],
        fleets: [],
      },
      stats: { ...zeroStats(), requests: 9, retries: 1, throttled: 1, durationMs: 1234 },
    });
  } finally {
    process.stdout.write = write;
  }
  const record = lines.map((line) => JSON.parse(line)).find((line) => line._aws);
  const directive = record._aws.CloudWatchMetrics[0];
  return {
    record,
    namespace: directive.Namespace as string,
    dimensions: (directive.Dimensions as string[][]).map((set) => set.map((name) => [name, record[name]])),
    names: new Set((directive.Metrics as { Name: string }[]).map((metric) => metric.Name)),
  };
}

/** Every [namespace, name, dimension pairs] the template's alarms and dashboard refer to. */
function referencedMetrics(template: Template) {
  const fromAlarms = ofType(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => ({
    where: alarm.Properties.AlarmName,
    namespace: alarm.Properties.Namespace,
    name: alarm.Properties.MetricName,
    dimensions: alarm.Properties.Dimensions.map((d: { Name: string; Value: unknown }) => [d.Name, d.Value]),
  }));
  const [, dashboard] = ofType(template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
  const body = JSON.parse(dashboard?.Properties.DashboardBody['Fn::Sub']);
  const fromDashboard = body.widgets
    .filter((widget: { type: string }) => widget.type === 'metric')
    .flatMap((widget: { properties: { title: string; metrics: unknown[][] } }) =>
      widget.properties.metrics.map((metric) => {
        const [namespace, name, ...rest] = metric;
        const pairs = rest.filter((part) => typeof part === 'string') as string[];
        return {
          where: widget.properties.title,
          namespace,
          name,
          dimensions: Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]),
        };
      }),
    );
  return { body, metrics: [...fromAlarms, ...fromDashboard] };
}

describe('dashboard and alarms', () => {
  it('name only metrics the function emits: same namespace, names and dimensions', () => {
    const emitted = emittedMetrics();
    expect(emitted.namespace).toBe(METRICS_NAMESPACE);
    expect(emitted.record).toMatchObject({ Backlog: 3, Ignored: 0, FleetErrors: 0 });
    const { metrics } = referencedMetrics(prod.template);
    const own = metrics.filter((metric) => metric.namespace === METRICS_NAMESPACE);
    expect(own.length).toBeGreaterThanOrEqual(18);
    for (const metric of own) {
      expect(emitted.names.has(metric.name), `${metric.where}: ${metric.name}`).toBe(true);
      expect(emitted.dimensions, `${metric.where}: ${metric.name}`).toContainEqual(metric.dimensions);
    }
    const lambda = metrics.filter((metric) => metric.namespace === 'AWS/Lambda');
    expect(lambda.length).toBeGreaterThanOrEqual(4);
    for (const metric of lambda) {
      // An alarm refers to the function with Ref; the dashboard body (an Fn::Sub string) with its placeholder.
      expect([
        [['FunctionName', { Ref: 'CleanupLambdaFunction' }]],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an Fn::Sub placeholder
        [['FunctionName', '${CleanupLambdaFunction}']],
      ]).toContainEqual(metric.dimensions);
    }
    expect(
      metrics.every((metric) => [METRICS_NAMESPACE, 'AWS/Lambda', 'AWS/SQS'].includes(metric.namespace)),
    ).toBe(true);
  });

  it('the dashboard dcs-task-cleanup-<stage> shows outcomes, listed and stale, backlog, duration against the timeout, retries and throttles, errors', () => {
    const [, dashboard] = ofType(prod.template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    expect(dashboard?.Properties.DashboardName).toBe('dcs-task-cleanup-prod');
    const { body } = referencedMetrics(prod.template);
    const titles = body.widgets
      .map((widget: { properties: { title?: string } }) => widget.properties.title)
      .filter(Boolean);
    expect(titles).toEqual([
      'Outcomes per run',
      'Backlog after each run',
      'Tasks listed and stale',
      'Run duration against the timeout',
      'Retries and throttles (429)',
      'Instance and fleet errors',
      'Function errors and throttles',
    ]);
    const duration = body.widgets.find((widget: { properties: { title?: string } }) =>
      widget.properties.title?.includes('duration'),
    );
    const [, fn] = ofType(prod.template, 'AWS::Lambda::Function')[0] ?? [];
    expect(duration.properties.annotations.horizontal[0].value).toBe(fn?.Properties.Timeout * 1000);
    // One point per run: the daily schedule of this stage.
    expect(duration.properties.period).toBe(86_400);
  });

  it('the stack outputs the function, the alert topic (to confirm its subscription) and the dashboard URL', () => {
    const outputs = prod.template.Outputs ?? {};
    expect(outputs.CleanupFunctionName?.Value).toEqual({ Ref: 'CleanupLambdaFunction' });
    expect(outputs.AlertTopicArn?.Value).toEqual({ Ref: 'AlertTopic' });
    expect(JSON.stringify(outputs.DashboardUrl?.Value)).toContain(`#dashboards:name=\${CleanupDashboard}`);
  });

  it('the heartbeat: no run finished within twice the period alarms, and missing data breaches', () => {
    const [, alarm] =
      ofType(prod.template, 'AWS::CloudWatch::Alarm').find(([, a]) =>
        a.Properties.AlarmName.endsWith('-no-run'),
      ) ?? [];
    expect(alarm?.Properties).toMatchObject({
      AlarmName: 'dcs-task-cleanup-prod-no-run',
      Namespace: METRICS_NAMESPACE,
      MetricName: 'Backlog',
      Statistic: 'SampleCount',
      Period: 86_400,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });

  it('the backlog-growing alarm fires after backlogAlarmRuns runs in a row with a backlog, to the alert topic', () => {
    const [, alarm] =
      ofType(prod.template, 'AWS::CloudWatch::Alarm').find(([, a]) =>
        a.Properties.AlarmName.endsWith('-backlog-growing'),
      ) ?? [];
    expect(alarm?.Properties).toMatchObject({
      AlarmName: 'dcs-task-cleanup-prod-backlog-growing',
      Namespace: METRICS_NAMESPACE,
      MetricName: 'Backlog',
      Statistic: 'Minimum',
      Period: 86_400,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 4,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });

  describe('run interval (infra/monitoring.cjs)', () => {
    const monitoring = createRequire(import.meta.url)('../infra/monitoring.cjs') as Record<
      string,
      (context: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<unknown>
    >;
    const window = async (params: Record<string, unknown>) => {
      const values: Record<string, unknown> = {
        'param:runIntervalMinutes': '',
        'param:backlogAlarmRuns': 4,
        ...params,
      };
      const context = { resolveVariable: async (name: string) => values[name] };
      return [await monitoring.backlogAlarmPeriod?.(context), await monitoring.backlogAlarmRuns?.(context)];
    };

    it.each<[Record<string, unknown>, unknown[]]>([
      [{ 'param:schedule': 'rate(6 hours)' }, [21_600, 4]],
      [{ 'param:schedule': 'rate(1 hour)' }, [3_600, 4]],
      [{ 'param:schedule': 'rate(30 minutes)' }, [1_800, 4]],
      [{ 'param:schedule': 'rate(1 day)', 'param:backlogAlarmRuns': '6' }, [86_400, 6]],
      [{ 'param:schedule': 'cron(0 3 * * ? *)' }, [86_400, 4]],
      [{ 'param:schedule': 'cron(0 3 ? * MON-FRI *)', 'param:runIntervalMinutes': '1440' }, [86_400, 4]],
    ])('%j → period and runs %j', async (params, expected) => {
      expect(await window(params)).toEqual(expected);
    });

    it.each<[Record<string, unknown>, RegExp]>([
      [{ 'param:schedule': 'cron(0 3 ? * MON *)' }, /param runIntervalMinutes is needed/],
      [
        { 'param:schedule': 'rate(1 day)', 'param:backlogAlarmRuns': 8 },
        /more than CloudWatch allows \(168 hours\)/,
      ],
      [
        { 'param:schedule': 'rate(30 minutes)', 'param:backlogAlarmRuns': 49 },
        /more than CloudWatch allows \(24 hours\)/,
      ],
      [
        { 'param:schedule': 'rate(6 hours)', 'param:backlogAlarmRuns': 0 },
        /backlogAlarmRuns must be a whole number/,
      ],
      [
        { 'param:schedule': 'rate(6 hours)', 'param:runIntervalMinutes': '1.5' },
        /runIntervalMinutes must be a whole number/,
      ],
    ])('%j is refused at package time', async (params, message) => {
      await expect(window(params)).rejects.toThrow(message);
    });
  });
});
