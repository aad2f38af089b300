// Optimisers over Float32Arrays, updating parameters in place. They run in TypeScript between
// onnxruntime steps: the update is O(parameters), tiny next to the forward and backward passes,
// and keeping it outside the graph lets masks, frozen parameters and parameter groups stay plain
// code.

export interface Optimizer {
  /** Updates every parameter that has a gradient. */
  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void;
  learningRate: number;
}

/**
 * Parameters that train with their own learning rate or weight decay. A parameter belongs to the
 * first group whose `match` accepts it, else to the optimizer's defaults.
 *
 * A group's `learningRate` is stated at the optimizer's initial learning rate and follows it: when a
 * schedule sets `optimizer.learningRate`, the group's rate is `group.learningRate *
 * optimizer.learningRate / options.learningRate` (as PyTorch's schedulers scale every group by the
 * same factor). A group with `learningRate: 0` is frozen.
 */
export interface ParamGroup {
  match: (name: string) => boolean;
  learningRate?: number;
  weightDecay?: number;
}

/** Options shared by every optimizer: parameter groups and frozen parameters. */
export interface GroupOptions {
  groups?: readonly ParamGroup[];
  /**
   * Parameters the optimizer skips even when they have a gradient: no update, no optimizer state,
   * so they stay bit-identical.
   */
  frozen?: Iterable<string>;
}

interface Resolved {
  learningRate: number;
  weightDecay: number;
}

/** The learning rate and weight decay of each parameter, or null for a frozen one. */
class GroupResolver {
  private readonly frozen: ReadonlySet<string>;
  constructor(
    private readonly baseLearningRate: number,
    private readonly baseWeightDecay: number,
    private readonly options: GroupOptions,
  ) {
    this.frozen = new Set(options.frozen ?? []);
  }

  resolve(name: string, learningRate: number): Resolved | null {
    if (this.frozen.has(name)) return null;
    const group = this.options.groups?.find((g) => g.match(name));
    const weightDecay = group?.weightDecay ?? this.baseWeightDecay;
    if (group?.learningRate === undefined) return { learningRate, weightDecay };
    if (group.learningRate === 0) return null;
    // A zero base rate leaves no ratio to follow; the group then keeps its own rate.
    const scale = this.baseLearningRate === 0 ? 1 : learningRate / this.baseLearningRate;
    return { learningRate: group.learningRate * scale, weightDecay };
  }
}

/**
 * Each parameter an optimizer step updates, with its gradient and its group's rates; frozen ones are left
 * out. Checks that every gradient has a parameter of its size.
 */
function* updatesOf(
  params: ReadonlyMap<string, Float32Array>,
  grads: ReadonlyMap<string, Float32Array>,
  groups: GroupResolver,
  learningRate: number,
): Generator<{ name: string; p: Float32Array; g: Float32Array; lr: number; wd: number }> {
  for (const [name, g] of grads) {
    const p = params.get(name);
    if (!p) throw new Error(`gradient for unknown parameter ${name}`);
    if (p.length !== g.length) throw new Error(`parameter ${name}: ${p.length} values, gradient ${g.length}`);
    const group = groups.resolve(name, learningRate);
    if (group) yield { name, p, g, lr: group.learningRate, wd: group.weightDecay };
  }
}

export interface SgdOptions extends GroupOptions {
  learningRate: number;
  momentum?: number;
  /** L2 penalty added to the gradient (PyTorch's weight_decay). */
  weightDecay?: number;
  nesterov?: boolean;
}

/** SGD with momentum, PyTorch's formulation: v = mu v + g; p -= lr (g + mu v if nesterov else v). */
export class Sgd implements Optimizer {
  learningRate: number;
  private readonly velocity = new Map<string, Float32Array>();
  private readonly groups: GroupResolver;
  constructor(private readonly options: SgdOptions) {
    this.learningRate = options.learningRate;
    this.groups = new GroupResolver(options.learningRate, options.weightDecay ?? 0, options);
  }

  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    const mu = this.options.momentum ?? 0;
    for (const { name, p, g, lr, wd } of updatesOf(params, grads, this.groups, this.learningRate)) {
      if (mu === 0) {
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * (g[i]! + wd * p[i]!);
        continue;
      }
      let v = this.velocity.get(name);
      const first = !v;
      if (!v) this.velocity.set(name, (v = new Float32Array(p.length)));
      const n = p.length;
      const nesterov = this.options.nesterov ?? false;
      // PyTorch: the first step's buffer is the gradient itself.
      const carry = first ? 0 : mu;
      for (let i = 0; i < n; i++) {
        const d = g[i]! + wd * p[i]!;
        const vi = carry * v[i]! + d;
        v[i] = vi;
        p[i] = p[i]! - lr * (nesterov ? d + mu * vi : vi);
      }
    }
  }
}

export interface AdamOptions extends GroupOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW (Loshchilov & Hutter 2019): decay the weights directly instead of through the gradient. */
  decoupledWeightDecay?: boolean;
}

/** Adam (Kingma & Ba 2015, Algorithm 1) with bias correction. */
export class Adam implements Optimizer {
  learningRate: number;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private readonly steps = new Map<string, number>();
  private readonly groups: GroupResolver;
  constructor(private readonly options: AdamOptions = {}) {
    this.learningRate = options.learningRate ?? 1e-3;
    this.groups = new GroupResolver(this.learningRate, options.weightDecay ?? 0, options);
  }

  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.eps ?? 1e-8;
    const decoupled = this.options.decoupledWeightDecay ?? false;
    for (const { name, p, g, lr, wd } of updatesOf(params, grads, this.groups, this.learningRate)) {
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        this.m.set(name, (m = new Float32Array(p.length)));
        this.v.set(name, (v = new Float32Array(p.length)));
      }
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      // lr * (m / c1) / (sqrt(v / c2) + eps) with the corrections folded into two constants. Weight
      // decay is either an L2 term in the gradient (Adam) or a shrink of the weight itself (AdamW); the
      // unused one is 0 or 1, which leaves the values bit-identical.
      const step = lr / c1;
      const root = 1 / Math.sqrt(c2);
      const [ob1, ob2] = [1 - b1, 1 - b2];
      const l2 = decoupled ? 0 : wd;
      const keep = decoupled ? 1 - lr * wd : 1;
      const n = p.length;
      for (let i = 0; i < n; i++) {
        const gi = g[i]! + l2 * p[i]!;
        const mi = b1 * m[i]! + ob1 * gi;
        const vi = b2 * v[i]! + ob2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i]! * keep - (step * mi) / (Math.sqrt(vi) * root + eps);
      }
    }
  }
}
