// Target profiles: the figures of a deployment target (peak compute per precision, memory bandwidth,
// caches, RAM, flash, ISA) that the roofline estimator and the budget checks use. The bundled ones live
// in resources/targets/<id>.json; a user adds their own file with the same fields. The `host` profile
// has nulls that are filled by measuring this machine (host-peaks.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const TARGETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/targets');

const positive = z.number().positive();
/** null: measured at run time (only allowed in a `measured` profile). */
const figure = positive.nullable();

export const targetProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1),
    measured: z.boolean().default(false),
    /** Which C toolchain builds for it: the host compiler, aarch64-linux-gnu-gcc, or none here. */
    arch: z.enum(['host', 'x86_64', 'aarch64', 'armv7e-m', 'other']),
    isa: z.string().min(1),
    cores: z.number().int().positive().nullable(),
    clockGHz: figure,
    /** Peak throughput: GFLOP/s for fp32 and fp16 (null: no fp16 arithmetic), GOP/s for int8. */
    peakGflops: z.object({ fp32: figure, fp16: figure, int8: figure }),
    memoryBandwidthGBs: figure,
    cacheBytes: z.object({ l1d: positive.optional(), l2: positive.optional(), l3: positive.optional() }),
    ramBytes: figure,
    flashBytes: figure,
    /** Weights are const data in flash (a microcontroller), so RAM holds only activations. */
    weightsInFlash: z.boolean().default(false),
    notes: z.string().min(1, 'say where the figures come from and the arithmetic behind them'),
    sources: z.array(z.string()).min(1, 'name at least one source (a datasheet, a manual, or "measured")'),
  })
  .superRefine((p, ctx) => {
    if (p.measured) return;
    const required: [string, unknown][] = [
      ['cores', p.cores],
      ['peakGflops.fp32', p.peakGflops.fp32],
      ['peakGflops.int8', p.peakGflops.int8],
      ['memoryBandwidthGBs', p.memoryBandwidthGBs],
      ['ramBytes', p.ramBytes],
      ['flashBytes', p.flashBytes],
    ];
    for (const [field, value] of required) {
      if (value === null) ctx.addIssue({ code: 'custom', path: field.split('.'), message: 'must be a number (null is only allowed in a measured profile)' });
    }
  });

export type TargetProfileFile = z.infer<typeof targetProfileSchema>;

/** A profile with every figure known (a measured one after measuring). */
export interface TargetProfile extends Omit<TargetProfileFile, 'cores' | 'clockGHz' | 'peakGflops' | 'memoryBandwidthGBs' | 'ramBytes' | 'flashBytes'> {
  cores: number;
  clockGHz: number | null;
  peakGflops: { fp32: number; fp16: number | null; int8: number };
  memoryBandwidthGBs: number;
  ramBytes: number;
  flashBytes: number;
  /** Where the file came from. */
  file: string;
}

/** A profile file that does not parse or validate; `field` is the dotted path of the first bad field. */
export class TargetProfileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TargetProfileError';
  }
}

/** Ids of the bundled profiles, sorted. */
export function bundledTargetIds(): string[] {
  if (!existsSync(TARGETS_DIR)) return [];
  return readdirSync(TARGETS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Reads and validates a profile file; errors name the file and the field. */
export function readTargetProfile(file: string): TargetProfileFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TargetProfileError(`cannot read target profile ${file}: ${(e as Error).message}`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TargetProfileError(`target profile ${file} is not valid JSON: ${(e as Error).message}`, file);
  }
  const parsed = targetProfileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(top level)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
    throw new TargetProfileError(`target profile ${file}: field "${field}": ${issue.message}${more}`, file, field);
  }
  return parsed.data;
}

/** The bundled profile with this id. */
export function bundledTargetFile(id: string): string {
  const file = join(TARGETS_DIR, `${id}.json`);
  if (!existsSync(file)) throw new TargetProfileError(`no target profile "${id}"; bundled ones: ${bundledTargetIds().join(', ')}`, file, 'target');
  return file;
}

/**
 * A complete profile from a validated file. A measured profile takes its nulls from `measure`
 * (only called for measured profiles).
 */
export async function completeProfile(
  profile: TargetProfileFile,
  file: string,
  measure: () => Promise<Pick<TargetProfile, 'cores' | 'isa' | 'peakGflops' | 'memoryBandwidthGBs' | 'cacheBytes' | 'ramBytes' | 'flashBytes' | 'clockGHz'>>,
): Promise<TargetProfile> {
  if (!profile.measured) return { ...(profile as TargetProfile), file };
  const m = await measure();
  return {
    ...profile,
    file,
    isa: m.isa,
    cores: profile.cores ?? m.cores,
    clockGHz: profile.clockGHz ?? m.clockGHz,
    peakGflops: {
      fp32: profile.peakGflops.fp32 ?? m.peakGflops.fp32,
      fp16: profile.peakGflops.fp16 ?? m.peakGflops.fp16,
      int8: profile.peakGflops.int8 ?? m.peakGflops.int8,
    },
    memoryBandwidthGBs: profile.memoryBandwidthGBs ?? m.memoryBandwidthGBs,
    cacheBytes: Object.keys(profile.cacheBytes).length ? profile.cacheBytes : m.cacheBytes,
    ramBytes: profile.ramBytes ?? m.ramBytes,
    flashBytes: profile.flashBytes ?? m.flashBytes,
  };
}
