// `osls package` offline, cfn-lint on the generated template, and what the template must say.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAME } from '../src/lambda/logger.js';
import { METRICS_NAMESPACE } from '../src/lambda/metrics.js';
import { EVENT_SOURCE, FAILED } from '../src/report/events.js';

const execute = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const OSLS = join(ROOT, 'node_modules', '.bin', 'osls');

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
type Json = any;
type Template = {
  Resources: Record<string, { Type: string; Properties: Json; Condition?: string }>;
  Parameters?: Json;
};

let dir: string;

async function packageStage(stage: string, params: string[] = []) {
  const out = join(dir, stage);
  await execute(OSLS, ['package', '--stage', stage, '--package', out, ...params.map((p) => `--param=${p}`)], {
    cwd: ROOT,
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
    const chunks = readdirSync(join(ROOT, 'dist', 'chunks')).map((file) => `dist/chunks/${file}`);
    expect(files.filter((file) => file.startsWith('dist/chunks/'))).toEqual(chunks.sort());
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
          DCS_CREDENTIALS_SECRET_ID: 'prod/dcs',
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
    const [getSecret] = forAction('secretsmanager:GetSecretValue');
    expect(resourceText(putEvents)).toContain(':event-bus/ops-alerts');
    expect(resourceText(getSecret)).toContain(':secret:prod/dcs-??????');
    for (const statement of statements) expect(resourceText(statement)).not.toBe('"*"');
    const scheduler = prod.template.Resources.SchedulerRole?.Properties;
    const schedulerActions = scheduler.Policies[0].PolicyDocument.Statement.map(
      (s: { Action: string }) => s.Action,
    );
    expect(schedulerActions).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('uses the defaults when no stage params are given: rate schedule, no e-mail', async () => {
    const dev = await packageStage('dev');
    const [, schedule] = ofType(dev.template, 'AWS::Scheduler::Schedule')[0] ?? [];
    expect(schedule?.Properties.ScheduleExpression).toMatch(/^rate\(/);
    expect(dev.template.Parameters.AlertEmail.Default).toBe('');
    expect((await execute('cfn-lint', [dev.templatePath]).catch((e) => e)).code ?? 0).toBe(0);
  }, 120_000);
});
