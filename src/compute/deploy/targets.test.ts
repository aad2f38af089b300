import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledTargetFile, bundledTargetIds, completeProfile, readTargetProfile, TargetProfileError, TARGETS_DIR } from './targets';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function writeProfile(value: unknown): string {
  dir ??= mkdtempSync(join(tmpdir(), 'condense-targets-'));
  const file = join(dir, 'mine.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const a53 = () => JSON.parse(readFileSync(join(TARGETS_DIR, 'board-cortex-a53.json'), 'utf8'));

describe('target profiles', () => {
  it('bundles the five profiles, each valid, its id its file name, and only the host one measured', () => {
    expect(bundledTargetIds()).toEqual(['board-cortex-a53', 'host', 'laptop-x86-avx2', 'mcu-cortex-m7', 'phone-cortex-a76']);
    for (const id of bundledTargetIds()) {
      const p = readTargetProfile(bundledTargetFile(id));
      expect(p.id).toBe(id);
      expect(p.measured).toBe(id === 'host');
      if (!p.measured) expect(p.notes).toMatch(/=/);
    }
  });

  it('states peaks that follow from cores x clock x ops per cycle', () => {
    // The per-cycle figures the notes derive: fp32 flop/cycle/core for each datasheet profile.
    const perCycle: Record<string, number> = { 'laptop-x86-avx2': 32, 'phone-cortex-a76': 16, 'board-cortex-a53': 4, 'mcu-cortex-m7': 2 };
    for (const [id, flops] of Object.entries(perCycle)) {
      const p = readTargetProfile(bundledTargetFile(id));
      expect(p.peakGflops.fp32).toBeCloseTo(p.cores! * p.clockGHz! * flops, 6);
    }
  });

  it('names the file and the field of a bad profile', () => {
    const bad = writeProfile({ ...a53(), peakGflops: { fp32: 'fast', fp16: null, int8: 1 } });
    expect(() => readTargetProfile(bad)).toThrow(/mine\.json: field "peakGflops\.fp32": /);
    try {
      readTargetProfile(writeProfile({ ...a53(), ramBytes: null }));
    } catch (e) {
      expect(e).toBeInstanceOf(TargetProfileError);
      expect((e as TargetProfileError).field).toBe('ramBytes');
      expect((e as Error).message).toMatch(/null is only allowed in a measured profile/);
    }
    expect(() => readTargetProfile(writeProfile('{ "id": '))).toThrow(/mine\.json is not valid JSON/);
    expect(() => readTargetProfile(join(TARGETS_DIR, 'nope.json'))).toThrow(/cannot read target profile .*nope\.json/);
    expect(() => bundledTargetFile('nope')).toThrow(/no target profile "nope"; bundled ones: board-cortex-a53, host/);
  });

  it('fills the nulls of a measured profile from the measurement, keeps datasheet profiles as written', async () => {
    const host = readTargetProfile(bundledTargetFile('host'));
    const figures = { cores: 2, clockGHz: null, isa: 'x64', peakGflops: { fp32: 50, fp16: null, int8: 100 }, memoryBandwidthGBs: 10, cacheBytes: { l2: 1 << 20 }, ramBytes: 1e9, flashBytes: 1e10 };
    const complete = await completeProfile(host, 'host.json', async () => figures);
    expect(complete).toMatchObject({ cores: 2, peakGflops: { fp32: 50, int8: 100 }, memoryBandwidthGBs: 10, ramBytes: 1e9, isa: 'x64' });
    let measured = false;
    const board = await completeProfile(a53(), 'a53.json', async () => {
      measured = true;
      return figures;
    });
    expect(measured).toBe(false);
    expect(board.peakGflops.fp32).toBe(19.2);
  });
});
