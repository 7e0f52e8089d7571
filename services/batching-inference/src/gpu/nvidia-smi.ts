/** The query the GPU memory monitor runs: one CSV line per GPU, memory in MiB. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.used,memory.total', '--format=csv,noheader,nounits'];

export interface GpuMemory {
  /** nvidia-smi's index of the card (as a label: "0", "1", ...). */
  index: string;
  name: string;
  usedBytes: number;
  totalBytes: number;
}

const MIB = 1024 * 1024;

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.used,memory.total --format=csv,noheader,nounits`,
 * e.g. `0, NVIDIA H100 80GB HBM3, 1234, 81559`. Lines it cannot read (a field "[N/A]" on a card
 * that does not report memory, a driver message) are returned as problems, not guessed at.
 */
export function parseNvidiaSmiMemory(output: string): { gpus: GpuMemory[]; problems: string[] } {
  const gpus: GpuMemory[] = [];
  const problems: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    // A card name may itself hold commas: index first, the two numbers last, the name in between.
    const index = fields[0] ?? '';
    const used = Number(fields.at(-2));
    const total = Number(fields.at(-1));
    const name = fields.slice(1, -2).join(', ');
    if (
      fields.length < 4 ||
      !/^\d+$/.test(index) ||
      fields.at(-2) === '' ||
      !Number.isFinite(used) ||
      !Number.isFinite(total) ||
      used < 0 ||
      total <= 0
    ) {
      problems.push(line);
      continue;
    }
    gpus.push({ index, name, usedBytes: used * MIB, totalBytes: total * MIB });
  }
  return { gpus, problems };
}
