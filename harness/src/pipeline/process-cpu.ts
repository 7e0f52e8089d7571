// CPU time of named process trees from /proc (Linux): each root (a service, nats-server,
// Elasticsearch) with all its descendants (ffmpeg under ingest, a JVM's helpers), read at a
// window's start and end. The cost accounting of the e2e benchmark and the load tests.
//
// A tree's figure is the sum over its live processes of utime + stime (all threads) + cutime +
// cstime (children that exited and were waited for). So within a window:
//  - a process that starts during it counts from its start (its ticks were 0 before);
//  - a descendant that exits during it counts in full through its parent's cutime/cstime,
//    which is why the figure at the start subtracts what that descendant had used by then;
//  - a root that exits during it (nobody in the tree waits for it) counts nothing after the
//    last reading: sample a restarted service's window again.
// Processes are told apart by pid and start time, so a reused pid is a new process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime: this process's own threads. */
  selfTicks: number;
  /** cutime + cstime: its children that exited and were waited for. */
  childTicks: number;
  /** Start time in ticks after boot; with the pid it names one process. */
  startTicks: number;
}

/** Parses one /proc/<pid>/stat line; comm may hold spaces and parentheses, so fields start after the last ')'. */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... starttime(19).
  const f = line.slice(close + 2).split(' ');
  const n = (i: number) => Number(f[i]);
  const stat = {
    pid: Number(line.slice(0, open).trim()),
    ppid: n(1),
    comm: line.slice(open + 1, close),
    selfTicks: n(11) + n(12),
    childTicks: n(13) + n(14),
    startTicks: n(19),
  };
  return [stat.pid, stat.ppid, stat.selfTicks, stat.childTicks, stat.startTicks].every(Number.isFinite)
    ? stat
    : undefined;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux this runs on when getconf is missing). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(v) && v > 0 ? v : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Every process readable under `procRoot` (one that exits while being read is skipped). */
function readAllStats(procRoot = '/proc'): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(readFileSync(join(procRoot, name, 'stat'), 'utf8'));
      if (stat) out.push(stat);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** The root and all its descendants among `stats` (empty when the root is not running). */
function processTree(stats: readonly ProcStat[], rootPid: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const root = stats.find((s) => s.pid === rootPid);
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get((tree[i] as ProcStat).pid) ?? []));
  return tree;
}

/** One reading: per name, each process of its tree by `pid@start`. */
export interface CpuReading {
  atMs: number;
  trees: Record<string, Map<string, ProcStat>>;
}

/** A root to meter: its pid now (undefined while it is not running). */
export type CpuRoots = Record<string, () => number | undefined>;

const keyOf = (s: ProcStat) => `${s.pid}@${s.startTicks}`;

export class ProcessCpuMeter {
  constructor(
    private readonly roots: CpuRoots,
    private readonly procRoot = '/proc',
  ) {}

  read(): CpuReading {
    const stats = readAllStats(this.procRoot);
    const trees: CpuReading['trees'] = {};
    for (const [name, pidOf] of Object.entries(this.roots)) {
      const pid = pidOf();
      trees[name] = new Map((pid === undefined ? [] : processTree(stats, pid)).map((s) => [keyOf(s), s]));
    }
    return { atMs: Date.now(), trees };
  }

  /** CPU milliseconds each tree used between two readings (see the header for what counts). */
  static cpuMsBetween(a: CpuReading, b: CpuReading, ticksPerS = clockTicksPerSecond()): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, after] of Object.entries(b.trees)) {
      const before = a.trees[name] ?? new Map<string, ProcStat>();
      let ticks = 0;
      for (const s of after.values()) ticks += s.selfTicks + s.childTicks;
      for (const [key, s] of before) {
        const now = after.get(key);
        if (now) ticks -= s.selfTicks + s.childTicks;
        // Exited: its whole life moved into its parent's cutime if the parent is still metered.
        else if ([...after.values()].some((p) => p.pid === s.ppid)) ticks -= s.selfTicks + s.childTicks;
      }
      out[name] = (Math.max(0, ticks) * 1000) / ticksPerS;
    }
    return out;
  }
}

/**
 * The pid of the process listening on a local TCP port (from /proc/net/tcp{,6} and the
 * processes' socket descriptors), e.g. Elasticsearch when its pid file is not ours to read.
 * Undefined when nobody listens or the descriptors are not readable.
 */
export function pidListeningOn(port: number, procRoot = '/proc'): number | undefined {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, table), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, state 0A is LISTEN, inode is the 10th field.
      if (f[1]?.endsWith(`:${portHex}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, name, 'fd'));
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(procRoot, name, 'fd', fd)));
        if (m && inodes.has(m[1] as string)) return Number(name);
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return undefined;
}
