// Optimisers over Float32Arrays, updating parameters in place. They run in TypeScript between
// onnxruntime steps: the update is O(parameters), tiny next to the forward and backward passes,
// and keeping it outside the graph lets masks, frozen parameters and parameter groups stay plain
// code.

export interface Optimizer {
  /** Updates every parameter that has a gradient. */
  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void;
  learningRate: number;
}

export interface SgdOptions {
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
  constructor(private readonly options: SgdOptions) {
    this.learningRate = options.learningRate;
  }

  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    const mu = this.options.momentum ?? 0;
    const wd = this.options.weightDecay ?? 0;
    const lr = this.learningRate;
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`gradient for unknown parameter ${name}`);
      if (p.length !== g.length) throw new Error(`parameter ${name}: ${p.length} values, gradient ${g.length}`);
      if (mu === 0) {
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * (g[i]! + wd * p[i]!);
        continue;
      }
      let v = this.velocity.get(name);
      const first = !v;
      if (!v) this.velocity.set(name, (v = new Float32Array(p.length)));
      for (let i = 0; i < p.length; i++) {
        const d = g[i]! + wd * p[i]!;
        const vi = first ? d : mu * v[i]! + d;
        v[i] = vi;
        p[i] = p[i]! - lr * (this.options.nesterov ? d + mu * vi : vi);
      }
    }
  }
}

export interface AdamOptions {
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
  constructor(private readonly options: AdamOptions = {}) {
    this.learningRate = options.learningRate ?? 1e-3;
  }

  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.eps ?? 1e-8;
    const wd = this.options.weightDecay ?? 0;
    const decoupled = this.options.decoupledWeightDecay ?? false;
    const lr = this.learningRate;
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`gradient for unknown parameter ${name}`);
      if (p.length !== g.length) throw new Error(`parameter ${name}: ${p.length} values, gradient ${g.length}`);
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
      for (let i = 0; i < p.length; i++) {
        let gi = g[i]!;
        if (wd && !decoupled) gi += wd * p[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        let pi = p[i]!;
        if (wd && decoupled) pi -= lr * wd * pi;
        p[i] = pi - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
      }
    }
  }
}
