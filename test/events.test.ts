import { describe, expect, it } from 'vitest';
import { MAX_DETAIL_BYTES } from '../src/bounds/limits.js';
import { alertEvents, COMPLETED, FAILED } from '../src/report/events.js';
import { loggableSummary } from '../src/report/summary.js';
import { instanceSummary as instance, instanceId, runSummary as summary } from './helpers.js';

describe('alert events', () => {
  it('a clean run publishes Completed only, with the contract detail', () => {
    const events = alertEvents(summary([instance(1, 0)]));
    expect(events).toEqual([
      {
        detailType: COMPLETED,
        detail: {
          runId: 'run-1',
          dryRun: false,
          complete: true,
          ok: true,
          status: 'ok',
          totals: expect.any(Object),
        },
      },
    ]);
  });

  it('Failed lists only the instances with a problem, their first 20 failures, and truncated', () => {
    const events = alertEvents(summary([instance(1, 0), instance(2, 21), instance(3, 20)]));
    const failed = events.find((e) => e.detailType === FAILED)?.detail as {
      instances: Record<string, unknown>[];
    };
    expect(failed.instances.map((i) => i.instanceId)).toEqual([instanceId(2), instanceId(3)]);
    expect(failed.instances[0]).toMatchObject({ failed: 21, truncated: true });
    expect(failed.instances[0]?.failures).toHaveLength(20);
    expect(failed.instances[1]).not.toHaveProperty('truncated');
  });

  it('names instances that could not be listed, with their error', () => {
    const error = {
      httpStatus: 401,
      errorCode: 'APIGW.0301',
      message: 'Incorrect IAM authentication information',
    };
    const events = alertEvents(summary([instance(1, 0, { error })], false));
    const failed = events.find((e) => e.detailType === FAILED)?.detail as {
      instances: Record<string, unknown>[];
    };
    expect(failed.instances).toEqual([
      expect.objectContaining({ instanceId: instanceId(1), error, failures: [] }),
    ]);
  });

  it('stays far below 256 KB whatever the number of failures', () => {
    const huge = summary(Array.from({ length: 2_000 }, (_, n) => instance(n, 500)));
    const failed = alertEvents(huge).find((e) => e.detailType === FAILED)?.detail as Record<string, unknown>;
    expect(Buffer.byteLength(JSON.stringify(failed))).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(MAX_DETAIL_BYTES).toBeLessThan((256 * 1024) / 3);
    expect(failed.instancesTruncated).toBeGreaterThan(0);
    expect((failed.instances as unknown[]).length + (failed.instancesTruncated as number)).toBe(2_000);
    expect(failed.totals).toEqual(huge.totals);
  });
});

describe('the logged summary', () => {
  it('is the summary itself when small, and stays under 16 KB when failures pile up', () => {
    const small = summary([instance(1, 3)]);
    expect(loggableSummary(small)).toBe(small);
    for (const [instances, failures] of [
      [5, 500],
      [50, 500],
      [5_000, 1],
    ] as const) {
      const huge = summary(Array.from({ length: instances }, (_, n) => instance(n, failures)));
      const logged = loggableSummary(huge);
      expect(Buffer.byteLength(JSON.stringify(logged))).toBeLessThan(16 * 1024);
      expect(logged.totals).toEqual(huge.totals);
      expect(logged.instancesLeftOut).toBe(instances - logged.instances.length);
    }
  });
});
