// Every request is one of three paths built from validated ids (docs/safety.md, "What the API returns is
// input"): pure, so mutation testing runs it for every mutant of src/dcs/paths.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deleteTaskPath, listInstancesPath, listTasksPath, RequestPathError } from '../src/dcs/paths.js';
import { parseTaskPage } from '../src/dcs/tasks.js';
import { TASK_ID } from '../src/model/ids.js';
import { instanceId, PROJECT, taskId } from './helpers.js';

const A = instanceId(1);
const OLD = '2020-01-01T00:00:00Z';
const hostile = (id: unknown) => ({ id, name: 'EXTEND', status: 'SUCCESS', created_at: OLD });

describe('request paths', () => {
  it('every path is one of the three templates, built from validated ids', () => {
    expect(listInstancesPath(PROJECT).path).toBe(`/v2/${PROJECT}/instances`);
    expect(listTasksPath(PROJECT, A).path).toBe(`/v2/${PROJECT}/instances/${A}/tasks`);
    expect(deleteTaskPath(PROJECT, A, taskId(1)).path).toBe(
      `/v2/${PROJECT}/instances/${A}/tasks/${taskId(1)}`,
    );
    for (const bad of ['..', '.', 'a/b', '%2e', '', 'x'.repeat(65)]) {
      expect(() => deleteTaskPath(PROJECT, A, bad)).toThrow(RequestPathError);
      expect(() => listTasksPath(PROJECT, bad)).toThrow(RequestPathError);
      expect(() => listInstancesPath(bad)).toThrow(RequestPathError);
    }
  });

  it('property: any string as a task id is ignored, or its DELETE path is exactly …/tasks/{id} with no dot segment', () => {
    const anyId = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({
        unit: fc.constantFrom('.', '/', '%', '2', 'e', 'E', 'f', 'F', '?', '#', 'a', '-', '_', '\\'),
        maxLength: 12,
      }),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,70}$/),
    );
    fc.assert(
      fc.property(anyId, (id) => {
        const page = parseTaskPage({ task_count: '1', tasks: [hostile(id)] });
        if (typeof page === 'string') return false;
        if (page.ignored.length === 1) return page.items.length === 0 && !TASK_ID.test(id);
        const [task] = page.items;
        if (!task || task.id !== id) return false;
        const { path } = deleteTaskPath(PROJECT, A, task.id);
        const segments = path.split('/');
        return (
          path === `/v2/${PROJECT}/instances/${A}/tasks/${id}` &&
          !segments.some((segment) => segment === '.' || segment === '..') &&
          !/%2f|%2e/i.test(path)
        );
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 5_000) },
    );
  });

  it('the three templates only: a method and path that match no template throw', () => {
    expect(listInstancesPath(PROJECT)).toMatchObject({
      method: 'GET',
      segments: ['v2', PROJECT, 'instances'],
    });
    expect(listTasksPath(PROJECT, A)).toMatchObject({ method: 'GET' });
    expect(deleteTaskPath(PROJECT, A, taskId(1))).toMatchObject({
      method: 'DELETE',
      segments: ['v2', PROJECT, 'instances', A, 'tasks', taskId(1)],
    });
    // Upper-case hex ids are valid ids too; a project id that is not 32 hex digits is not.
    expect(listTasksPath(PROJECT.toUpperCase(), A.toUpperCase()).path).toBe(
      `/v2/${PROJECT.toUpperCase()}/instances/${A.toUpperCase()}/tasks`,
    );
    for (const project of [PROJECT.slice(1), `${PROJECT}0`, `${PROJECT.slice(1)}g`]) {
      expect(() => listInstancesPath(project)).toThrow(/refusing to send GET/);
    }
    expect(() => deleteTaskPath(PROJECT, A, `${taskId(1)}/x`)).toThrow(/refusing to send DELETE/);
  });
});

describe('a request that matches no template', () => {
  it('is a RequestPathError naming at most 200 characters of the path', () => {
    const error = (() => {
      try {
        deleteTaskPath(PROJECT, A, `x${'/'.repeat(300)}`);
      } catch (caught) {
        return caught as RequestPathError;
      }
    })();
    expect(error).toBeInstanceOf(RequestPathError);
    expect(error).toMatchObject({ name: 'RequestPathError', code: 'REQUEST_PATH' });
    const quoted = /refusing to send DELETE (".*"): not an allowed request/.exec(error?.message ?? '')?.[1];
    expect(JSON.parse(quoted ?? '""')).toHaveLength(200);
  });
});
