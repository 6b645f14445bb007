// Task records shaped like the real ListBackgroundTask response, and a seeded fleet generator.

export interface SimTask {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  user_name: string;
  user_id: string;
  details: Record<string, unknown>;
  enable_show: boolean;
}

export const TASK_NAMES = [
  'EXTEND',
  'BindEip',
  'UnBindEip',
  'AddReplica',
  'DelReplica',
  'AddWhitelist',
  'UpdatePort',
  'RemoveIpFromDns',
  'masterStandbySwapJob',
  'modify',
] as const;

const DAY_MS = 86_400_000;

export function hexId(random: () => number, length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

export function uuid(random: () => number): string {
  const hex = hexId(random, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export interface TaskSpec {
  id?: string;
  name?: string;
  status?: string;
  createdAtMs: number;
}

export function makeTask(random: () => number, spec: TaskSpec): SimTask {
  const name = spec.name ?? (TASK_NAMES[Math.floor(random() * TASK_NAMES.length)] as string);
  return {
    id: spec.id ?? hexId(random),
    name,
    status: spec.status ?? 'SUCCESS',
    created_at: new Date(spec.createdAtMs).toISOString(),
    updated_at: new Date(spec.createdAtMs + 60_000 + Math.floor(random() * 600_000)).toISOString(),
    user_name: 'ops-automation',
    user_id: '3f9c1d2e4b5a46789a0b1c2d3e4f5a6b',
    details:
      name === 'EXTEND' ? { old_capacity: '2', new_capacity: '4', is_only_adjust_charging: false } : {},
    enable_show: name === 'EXTEND',
  };
}

export interface FleetTaskMix {
  count: number;
  nowMs: number;
  /** Ages are spread uniformly from 0 to this many days. */
  maxAgeDays: number;
  /** Share of tasks in a non-terminal (or unknown) status. */
  nonTerminalShare?: number;
}

const NON_TERMINAL = ['EXECUTING', 'CREATED', 'WAITING', 'ROLLING_BACK'];

/** A realistic mix of task names, statuses and ages, newest first like the API lists them. */
export function seedTasks(random: () => number, mix: FleetTaskMix): SimTask[] {
  const tasks = Array.from({ length: mix.count }, () => {
    const roll = random();
    const nonTerminal = roll < (mix.nonTerminalShare ?? 0.05);
    const status = nonTerminal
      ? (NON_TERMINAL[Math.floor(random() * NON_TERMINAL.length)] as string)
      : random() < 0.8
        ? 'SUCCESS'
        : 'FAILED';
    return makeTask(random, {
      status,
      createdAtMs: mix.nowMs - Math.floor(random() * mix.maxAgeDays * DAY_MS),
    });
  });
  return tasks.sort((a, b) => b.created_at.localeCompare(a.created_at));
}
