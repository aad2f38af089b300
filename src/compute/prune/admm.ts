// ADMM for constrained training (Boyd et al. 2011; as used by ADMM-NN-S arXiv 1907.02124 eqs. 4-6 and
// PCONV arXiv 1909.05073 section 4): minimise f(W) subject to W in S_c for each constraint c, with an
// auxiliary copy Z_c and a scaled dual U_c per constraint and layer.
//   W-step: SGD on f(W) + sum_c rho/2 ||W - Z_c + U_c||^2      (trainClassifier, proximal term in beforeUpdate)
//   Z_c = project_c(W + U_c);  U_c += W - Z_c;  rho *= growth  (every `intervalSteps` steps in beforeUpdate,
//   or every `interval` epochs in onEpoch when intervalSteps is 0). Updating Z/U a few times per epoch rather
//   than once lets the duals accumulate within a short ADMM budget: with one update per epoch, two epochs
//   give two dual steps, too few for W to approach the set (measured: nodes/pattern-pruner/README.md).
import type { TrainHooks } from '../model/train.ts';

export interface AdmmConstraint {
  /** Short name for curves: `pattern`, `connectivity`, `sparsity`, `grid`. */
  name: string;
  /** The parameters it constrains. */
  layers: readonly string[];
  /** The Euclidean projection onto the set, of all its layers at once (a global budget spans layers). */
  project(values: ReadonlyMap<string, Float32Array>): Map<string, Float32Array>;
}

export interface AdmmSchedule {
  /** Penalty at the start (ADMM-NN-S: 1e-3). */
  rho: number;
  /** Factor applied to rho at each Z/U update (ADMM-NN-S: 1.3). */
  growth: number;
  /** Epochs between Z/U updates (used when intervalSteps is 0 or absent). */
  interval: number;
  /** Optimizer steps between Z/U updates; 0 or absent: per `interval` epochs. */
  intervalSteps?: number;
}

interface ConstraintState {
  constraint: AdmmConstraint;
  z: Map<string, Float32Array>;
  u: Map<string, Float32Array>;
}

function norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

export class Admm {
  rho: number;
  private readonly states: ConstraintState[];

  constructor(
    params: Readonly<Record<string, Float32Array>>,
    constraints: readonly AdmmConstraint[],
    private readonly schedule: AdmmSchedule,
  ) {
    this.rho = schedule.rho;
    // Z starts at the projection of the pretrained W, U at zero.
    this.states = constraints.map((constraint) => {
      const w = new Map(constraint.layers.map((name) => [name, params[name]!] as const));
      return { constraint, z: constraint.project(w), u: new Map(constraint.layers.map((name) => [name, new Float32Array(params[name]!.length)])) };
    });
  }

  /** The W-step's proximal gradient, added in place: d/dW sum_c rho/2 ||W - Z_c + U_c||^2 = rho sum_c (W - Z_c + U_c). */
  addProximalGradient(params: ReadonlyMap<string, Float32Array>, grads: Map<string, Float32Array>): void {
    for (const { constraint, z, u } of this.states) {
      for (const name of constraint.layers) {
        const w = params.get(name)!;
        const g = grads.get(name);
        if (!g) continue;
        const zl = z.get(name)!;
        const ul = u.get(name)!;
        for (let i = 0; i < w.length; i++) g[i]! += this.rho * (w[i]! - zl[i]! + ul[i]!);
      }
    }
  }

  /** Z = project(W + U), U += W - Z, rho grows. */
  update(params: Readonly<Record<string, Float32Array>> | ReadonlyMap<string, Float32Array>): void {
    const at = (name: string): Float32Array => (params instanceof Map ? params.get(name)! : (params as Record<string, Float32Array>)[name]!);
    for (const state of this.states) {
      const shifted = new Map<string, Float32Array>();
      for (const name of state.constraint.layers) {
        const w = at(name);
        const u = state.u.get(name)!;
        shifted.set(name, w.map((v, i) => v + u[i]!));
      }
      state.z = state.constraint.project(shifted);
      for (const name of state.constraint.layers) {
        const w = at(name);
        const z = state.z.get(name)!;
        const u = state.u.get(name)!;
        for (let i = 0; i < w.length; i++) u[i]! += w[i]! - z[i]!;
      }
    }
    this.rho *= this.schedule.growth;
  }

  /** ||W - Z_c|| / ||W|| per constraint and layer (the primal residual; it goes to 0 as W enters the set). */
  residuals(params: Readonly<Record<string, Float32Array>>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { constraint, z } of this.states) {
      for (const name of constraint.layers) {
        const w = params[name]!;
        const zl = z.get(name)!;
        const diff = w.map((v, i) => v - zl[i]!);
        out[`admm_${constraint.name}/${name}`] = norm(diff) / Math.max(1e-12, norm(w));
      }
    }
    return out;
  }

  /** The trainClassifier hooks: proximal term before each update, Z/U update (per steps or epochs), residual curves per epoch. */
  hooks(): Pick<TrainHooks, 'beforeUpdate' | 'onEpoch'> {
    const every = this.schedule.intervalSteps ?? 0;
    let steps = 0;
    return {
      beforeUpdate: (params, grads) => {
        if (every > 0 && steps > 0 && steps % every === 0) this.update(params);
        steps++;
        this.addProximalGradient(params, grads);
      },
      onEpoch: async (epoch, state) => {
        if (every === 0 && epoch % this.schedule.interval === 0) this.update(state.params);
        return { ...this.residuals(state.params), admm_rho: this.rho };
      },
    };
  }
}
