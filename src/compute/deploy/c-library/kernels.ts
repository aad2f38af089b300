// The C99 kernels of the generated library. Each is a static function in model.c, emitted only when
// a step of the model calls it (a microcontroller build then carries no dead code). Vector lanes run
// over neighbouring outputs, never across one output's sum: no -ffast-math is needed, and each output
// stays a plain sequential sum, close to onnxruntime's.

/** Activation kinds shared by the TypeScript lowering and the C `activate` kernel. */
export const ACT = {
  none: 0,
  relu: 1,
  leakyRelu: 2,
  clip: 3,
  sigmoid: 4,
  tanh: 5,
  hardSigmoid: 6,
  hardSwish: 7,
  elu: 8,
} as const;

export type ActKind = keyof typeof ACT;

/** Binary element-wise operations (`binary` kernel). */
export const BINARY_OP = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;

export type KernelName = 'activate' | 'conv2d' | 'convFlat' | 'pool2d' | 'globalPool' | 'matmul' | 'channelAffine' | 'binary' | 'softmax';

/*
 * Vector types and helpers of GCC and Clang, used by the kernels when available; -DMODEL_PLAIN_C
 * keeps every kernel to plain C99 loops.
 */
const vectors = `
#if defined(__GNUC__) && !defined(MODEL_PLAIN_C)
#define MODEL_VECTORS 1
#endif
#if defined(MODEL_VECTORS)
/*
 * 4-float vectors: the width of SSE and NEON registers. Wider generic vectors are split by gcc on
 * targets without them and then live on the stack, which costs more than it gains.
 */
typedef float vec4 __attribute__((vector_size(16)));
typedef int vec4i __attribute__((vector_size(16)));
#define LOAD4(v, p, stride)                                                          \\
  do {                                                                               \\
    const float *p_ = (p);                                                           \\
    if ((stride) == 1) memcpy(&(v), p_, sizeof(v));                                  \\
    else {                                                                           \\
      (v)[0] = p_[0]; (v)[1] = p_[(stride)]; (v)[2] = p_[2 * (stride)]; (v)[3] = p_[3 * (stride)]; \\
    }                                                                                \\
  } while (0)
#if defined(MODEL_VECTORS) && defined(__AVX__)
typedef float vec8 __attribute__((vector_size(32)));
#define STOREV8(dst, a, b, n)                                                        \\
  do {                                                                               \\
    const vec8 t_ = (a) + (b);                                                       \\
    int v_;                                                                          \\
    if ((n) == 8) memcpy((dst), &t_, sizeof t_);                                     \\
    else                                                                             \\
      for (v_ = 0; v_ < (n); v_++) (dst)[v_] = t_[v_];                               \\
  } while (0)
#define LOAD8(v, p, stride)                                                          \\
  do {                                                                               \\
    const float *p_ = (p);                                                           \\
    int s_;                                                                          \\
    if ((stride) == 1) memcpy(&(v), p_, sizeof(v));                                  \\
    else                                                                             \\
      for (s_ = 0; s_ < 8; s_++) (v)[s_] = p_[s_ * (stride)];                        \\
  } while (0)
#endif
/* Stores n <= 8 tile columns plus the bias; whole vectors when the tile is full. */
#define STORE8(dst, lo, hi, b, n)                                                    \\
  do {                                                                               \\
    const vec4 l_ = (lo) + (b), h_ = (hi) + (b);                                     \\
    int v_;                                                                          \\
    if ((n) == 8) {                                                                  \\
      memcpy((dst), &l_, sizeof l_);                                                 \\
      memcpy((dst) + 4, &h_, sizeof h_);                                             \\
    } else                                                                           \\
      for (v_ = 0; v_ < (n); v_++) (dst)[v_] = v_ < 4 ? l_[v_] : h_[v_ - 4];         \\
  } while (0)
#endif
`;

const activate = `
/* y = act(x) over n values; x == y is allowed (in place). One loop per kind. */
static void activate(const float *x, float *y, int n, int kind, float p, float q)
{
  int i = 0;
  switch (kind) {
  case ${ACT.relu}:
#if defined(MODEL_VECTORS)
    /* A compare mask ANDed with the bits: no branch to mispredict on the sign of each value. */
    for (; i + 4 <= n; i += 4) {
      const vec4 z = {0.0f, 0.0f, 0.0f, 0.0f};
      vec4 v;
      vec4i bits;
      memcpy(&v, x + i, sizeof v);
      memcpy(&bits, &v, sizeof bits);
      bits &= (vec4i)(v > z);
      memcpy(y + i, &bits, sizeof bits);
    }
#endif
    for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    break;
  case ${ACT.leakyRelu}:
    for (i = 0; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : p * x[i];
    break;
  case ${ACT.clip}:
    for (i = 0; i < n; i++) y[i] = x[i] < p ? p : (x[i] > q ? q : x[i]);
    break;
  case ${ACT.sigmoid}:
    for (i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
    break;
  case ${ACT.tanh}:
    for (i = 0; i < n; i++) y[i] = tanhf(x[i]);
    break;
  case ${ACT.hardSigmoid}:
    for (i = 0; i < n; i++) {
      const float v = p * x[i] + q;
      y[i] = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    }
    break;
  case ${ACT.hardSwish}:
    for (i = 0; i < n; i++) {
      const float v = x[i] * (1.0f / 6.0f) + 0.5f;
      y[i] = x[i] * (v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v));
    }
    break;
  case ${ACT.elu}:
    for (i = 0; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : p * (expf(x[i]) - 1.0f);
    break;
  default:
    if (x != y)
      for (i = 0; i < n; i++) y[i] = x[i];
    break;
  }
}
`;

const padPlanes = `
/* Copies n planes of H x W into zeroed planes of HP x WP at (PT, PL), then zeroes slack floats after. */
static void pad_planes(float *restrict dst, const float *restrict x, int n, int H, int W, int HP, int WP, int PT, int PL, int slack)
{
  int i, c;
  for (i = 0; i < n * HP * WP + slack; i++) dst[i] = 0.0f;
  for (c = 0; c < n; c++)
    for (i = 0; i < H; i++) memcpy(dst + ((size_t)c * HP + i + PT) * WP + PL, x + ((size_t)c * H + i) * W, (size_t)W * sizeof(float));
}
`;

/*
 * Direct convolution by output rows, kept for the layers conv_flat does not take (an unpadded
 * stride-1 input smaller than one flat tile, which conv_flat would read past, or more than
 * FLAT_MAX_TAPS taps). Output-stationary tiles: 4 output channels (8 with AVX) x 8
 * output columns of one output row are accumulated over every (input channel, kernel tap), so the
 * partial sums stay in registers and each input vector loaded feeds several multiply-adds. With GCC
 * or Clang the tile uses their vector extension (two 4-float vectors per row, one 8-float vector with
 * AVX), since gcc keeps a plain local array on the stack; other compilers, or -DMODEL_PLAIN_C, get
 * plain loops, one output at a time. With padding the input is first copied into zero-padded
 * scratch planes (followed by 8 * SW floats of slack), so tiles need no bounds tests; a depthwise
 * convolution pads only the 4 channels of the block at hand. Rows narrower
 * than 4 outside the scratch take one column at a time. Each output is one sequential sum plus bias.
 */
const conv2d = `
static void conv2d(const float *restrict x, int C, int H, int W, float *restrict y, int M, int OH, int OW,
                   const float *restrict w, const float *restrict bias, int KH, int KW, int SH, int SW,
                   int PT, int PL, int PB, int PR, int DH, int DW, int G, float *restrict scratch,
                   int act, float p, float q)
{
  const int cg = C / G, mg = M / G, taps = KH * KW, plane = OH * OW;
  /* Depthwise: each output channel reads its own input channel; blocks of 4 channels then read 4. */
  const int depthwise = cg == 1 && mg == 1;
  const size_t wstride = (size_t)cg * taps;
  const float *src = x;
  int HP = H, WP = W, m, oh, ow0, col, c, kh, kw, j, v, nv, keep, block;
  size_t xstep;
  if (scratch) {
    HP = H + PT + PB;
    WP = W + PL + PR;
    /* Depthwise pads each block's channels as it goes (the scratch holds 4 planes); others all at once. */
    if (!depthwise) pad_planes(scratch, x, C, H, W, HP, WP, PT, PL, 8 * SW);
    src = scratch;
  }
  /* Offset between the inputs of consecutive channels of a block: none, or a plane when depthwise. */
  xstep = depthwise ? (size_t)HP * WP : 0;
  for (m = 0; m < M; m += block) {
    const int g = m / mg;
    const float *xg;
    const float *wm = w + (size_t)m * wstride;
    {
      const int avail = depthwise ? M - m : mg - m % mg;
#if defined(MODEL_VECTORS) && defined(__AVX__)
      /* Eight 8-float accumulators keep both AVX adders busy despite each add's latency. */
      const int widest = depthwise ? 4 : 8;
#else
      const int widest = 4;
#endif
      block = avail >= widest ? widest : (avail >= 4 ? 4 : 1);
    }
    if (scratch && depthwise) {
      pad_planes(scratch, x + (size_t)m * H * W, block, H, W, HP, WP, PT, PL, 8 * SW);
      xg = scratch;
    } else
      xg = src + (size_t)g * cg * HP * WP;
    for (oh = 0; oh < OH; oh++)
      for (ow0 = 0; ow0 < OW; ow0 = col + nv) {
        const float *xo;
        float *yo;
        /*
         * 8 columns per tile. A last partial tile is shifted left to end at the row's end: the
         * columns it computes again get the same sums, so vector tiles cover any width >= 4.
         */
        col = ow0;
        nv = OW - col >= 8 ? 8 : (OW - col >= 4 ? 4 : 1);
        keep = nv;
#if defined(MODEL_VECTORS)
        if (OW < 8 && scratch) {
          /*
           * A row narrower than 8 in the padded scratch: one 8-column tile, whose extra columns read
           * the next row or the scratch's slack (8 * SW floats) and are not stored.
           */
          keep = OW;
          nv = 8;
        } else if (nv < 8 && OW >= 8) {
          col = OW - 8;
          keep = nv = 8;
        } else if (nv < 4 && OW >= 4) {
          col = OW - 4;
          keep = nv = 4;
        }
#endif
        xo = xg + (size_t)oh * SH * WP + (size_t)col * SW;
        yo = y + (size_t)m * plane + (size_t)oh * OW + col;
#if defined(MODEL_VECTORS)
#if defined(__AVX__)
        /* With AVX (a build for this CPU, -march=native) one 8-float register holds a tile row. */
        if (nv == 8 && block == 8) {
          const vec8 z = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
          vec8 a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
          for (c = 0; c < cg; c++) {
            const float *xc = xo + (size_t)c * HP * WP;
            const float *wc = wm + (size_t)c * taps;
            for (kh = 0; kh < KH; kh++)
              for (kw = 0; kw < KW; kw++) {
                const float *wt = wc + kh * KW + kw;
                vec8 xx;
                LOAD8(xx, xc + (size_t)kh * DH * WP + (size_t)kw * DW, SW);
                a0 += wt[0] * xx;
                a1 += wt[wstride] * xx;
                a2 += wt[2 * wstride] * xx;
                a3 += wt[3 * wstride] * xx;
                a4 += wt[4 * wstride] * xx;
                a5 += wt[5 * wstride] * xx;
                a6 += wt[6 * wstride] * xx;
                a7 += wt[7 * wstride] * xx;
              }
          }
          STOREV8(yo, a0, bias ? bias[m] : 0.0f, keep);
          STOREV8(yo + plane, a1, bias ? bias[m + 1] : 0.0f, keep);
          STOREV8(yo + 2 * plane, a2, bias ? bias[m + 2] : 0.0f, keep);
          STOREV8(yo + 3 * plane, a3, bias ? bias[m + 3] : 0.0f, keep);
          STOREV8(yo + 4 * plane, a4, bias ? bias[m + 4] : 0.0f, keep);
          STOREV8(yo + 5 * plane, a5, bias ? bias[m + 5] : 0.0f, keep);
          STOREV8(yo + 6 * plane, a6, bias ? bias[m + 6] : 0.0f, keep);
          STOREV8(yo + 7 * plane, a7, bias ? bias[m + 7] : 0.0f, keep);
          continue;
        }
        if (nv == 8 && block == 4 && !depthwise) {
          const vec8 z = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
          vec8 a0 = z, a1 = z, a2 = z, a3 = z;
          for (c = 0; c < cg; c++) {
            const float *xc = xo + (size_t)c * HP * WP;
            const float *wc = wm + (size_t)c * taps;
            for (kh = 0; kh < KH; kh++)
              for (kw = 0; kw < KW; kw++) {
                const float *wt = wc + kh * KW + kw;
                vec8 xx;
                LOAD8(xx, xc + (size_t)kh * DH * WP + (size_t)kw * DW, SW);
                a0 += wt[0] * xx;
                a1 += wt[wstride] * xx;
                a2 += wt[2 * wstride] * xx;
                a3 += wt[3 * wstride] * xx;
              }
          }
          STOREV8(yo, a0, bias ? bias[m] : 0.0f, keep);
          STOREV8(yo + plane, a1, bias ? bias[m + 1] : 0.0f, keep);
          STOREV8(yo + 2 * plane, a2, bias ? bias[m + 2] : 0.0f, keep);
          STOREV8(yo + 3 * plane, a3, bias ? bias[m + 3] : 0.0f, keep);
          continue;
        }
#endif
        if (nv == 8 && block == 4) {
          const vec4 z = {0.0f, 0.0f, 0.0f, 0.0f};
          vec4 a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
          for (c = 0; c < cg; c++) {
            const float *xc = xo + (size_t)c * HP * WP;
            const float *wc = wm + (size_t)c * taps;
            for (kh = 0; kh < KH; kh++)
              for (kw = 0; kw < KW; kw++) {
                const float *xp = xc + (size_t)kh * DH * WP + (size_t)kw * DW;
                const int t = kh * KW + kw;
                const float w0 = wc[t], w1 = wc[t + wstride], w2 = wc[t + 2 * wstride], w3 = wc[t + 3 * wstride];
                vec4 lo, hi;
                if (!depthwise) {
                  LOAD4(lo, xp, SW);
                  LOAD4(hi, xp + 4 * SW, SW);
                  a0 += w0 * lo; b0 += w0 * hi;
                  a1 += w1 * lo; b1 += w1 * hi;
                  a2 += w2 * lo; b2 += w2 * hi;
                  a3 += w3 * lo; b3 += w3 * hi;
                } else {
                  LOAD4(lo, xp, SW); LOAD4(hi, xp + 4 * SW, SW);
                  a0 += w0 * lo; b0 += w0 * hi;
                  LOAD4(lo, xp + xstep, SW); LOAD4(hi, xp + xstep + 4 * SW, SW);
                  a1 += w1 * lo; b1 += w1 * hi;
                  LOAD4(lo, xp + 2 * xstep, SW); LOAD4(hi, xp + 2 * xstep + 4 * SW, SW);
                  a2 += w2 * lo; b2 += w2 * hi;
                  LOAD4(lo, xp + 3 * xstep, SW); LOAD4(hi, xp + 3 * xstep + 4 * SW, SW);
                  a3 += w3 * lo; b3 += w3 * hi;
                }
              }
          }
          STORE8(yo, a0, b0, bias ? bias[m] : 0.0f, keep);
          STORE8(yo + plane, a1, b1, bias ? bias[m + 1] : 0.0f, keep);
          STORE8(yo + 2 * plane, a2, b2, bias ? bias[m + 2] : 0.0f, keep);
          STORE8(yo + 3 * plane, a3, b3, bias ? bias[m + 3] : 0.0f, keep);
          continue;
        }
        if (nv == 4 && block >= 4) {
          int quad;
          for (quad = 0; quad < block; quad += 4) {
            const vec4 z = {0.0f, 0.0f, 0.0f, 0.0f};
            const float *wq = wm + (size_t)quad * wstride, *xq = xo + quad * xstep;
            float *yq = yo + (size_t)quad * plane;
            vec4 a0 = z, a1 = z, a2 = z, a3 = z;
            for (c = 0; c < cg; c++) {
              const float *xc = xq + (size_t)c * HP * WP;
              const float *wc = wq + (size_t)c * taps;
              for (kh = 0; kh < KH; kh++)
                for (kw = 0; kw < KW; kw++) {
                  const float *xp = xc + (size_t)kh * DH * WP + (size_t)kw * DW;
                  const int t = kh * KW + kw;
                  vec4 x0, x1, x2, x3;
                  LOAD4(x0, xp, SW);
                  if (depthwise) {
                    LOAD4(x1, xp + xstep, SW);
                    LOAD4(x2, xp + 2 * xstep, SW);
                    LOAD4(x3, xp + 3 * xstep, SW);
                  } else
                    x1 = x2 = x3 = x0;
                  a0 += wc[t] * x0;
                  a1 += wc[t + wstride] * x1;
                  a2 += wc[t + 2 * wstride] * x2;
                  a3 += wc[t + 3 * wstride] * x3;
                }
            }
            a0 += bias ? bias[m + quad] : 0.0f;
            a1 += bias ? bias[m + quad + 1] : 0.0f;
            a2 += bias ? bias[m + quad + 2] : 0.0f;
            a3 += bias ? bias[m + quad + 3] : 0.0f;
            memcpy(yq, &a0, sizeof a0);
            memcpy(yq + plane, &a1, sizeof a1);
            memcpy(yq + 2 * plane, &a2, sizeof a2);
            memcpy(yq + 3 * plane, &a3, sizeof a3);
          }
          continue;
        }
        if (nv >= 4) {
          const vec4 z = {0.0f, 0.0f, 0.0f, 0.0f};
          for (j = 0; j < block; j++) {
            int half;
            for (half = 0; half < nv; half += 4) {
              vec4 a0 = z;
              for (c = 0; c < cg; c++) {
                const float *xc = xo + j * xstep + (size_t)c * HP * WP + (size_t)half * SW;
                const float *wc = wm + j * wstride + (size_t)c * taps;
                for (kh = 0; kh < KH; kh++)
                  for (kw = 0; kw < KW; kw++) {
                    vec4 lo;
                    LOAD4(lo, xc + (size_t)kh * DH * WP + (size_t)kw * DW, SW);
                    a0 += wc[kh * KW + kw] * lo;
                  }
              }
              for (v = 0; v < 4 && half + v < keep; v++) yo[j * plane + half + v] = a0[v] + (bias ? bias[m + j] : 0.0f);
            }
          }
          continue;
        }
#endif
        /* Any column count: one output at a time, the sum kept in a register. */
        for (j = 0; j < block; j++)
          for (v = 0; v < nv; v++) {
            float acc = 0.0f;
            for (c = 0; c < cg; c++) {
              const float *xc = xo + j * xstep + (size_t)c * HP * WP + (size_t)v * SW;
              const float *wc = wm + j * wstride + (size_t)c * taps;
              for (kh = 0; kh < KH; kh++)
                for (kw = 0; kw < KW; kw++) acc += wc[kh * KW + kw] * xc[(size_t)kh * DH * WP + (size_t)kw * DW];
            }
            yo[j * plane + v] = acc + (bias ? bias[m + j] : 0.0f);
          }
      }
    for (j = 0; j < block; j++) activate(y + (size_t)(m + j) * plane, y + (size_t)(m + j) * plane, plane, act, p, q);
  }
}
`;

/** Output channels per block of the flat convolution; `packFlatConvWeights` stores them interleaved. */
export const FLAT_BLOCK = 8;
/** Floats the flat convolution may read past its input's end (the widest tile: 2 x 16 lanes). */
export const FLAT_SLACK = 32;
/** Most kernel taps the flat convolution takes (its tap offsets live in a local array). */
export const FLAT_MAX_TAPS = 64;
/** Most vectors per tile row (MODEL_NT) a target may pick (3 on AVX-512 measured slower than 2). */
const FLAT_MAX_NT = 2;

/**
 * Channels in the block starting at m, as the flat kernel picks them: 8, then 4, then 1, within the
 * group (mg output channels each), or across all M channels when depthwise (one input channel each).
 */
export function flatBlockAt(m: number, M: number, mg: number, depthwise: boolean): number {
  const avail = depthwise ? M - m : mg - (m % mg);
  return avail >= FLAT_BLOCK ? FLAT_BLOCK : avail >= 4 ? 4 : 1;
}

/**
 * Weights [M][cg][taps] reordered for the flat convolution: each block of b output channels (see
 * flatBlockAt) keeps its place but is stored [cg * taps][b], so one tap's b weights are adjacent.
 */
export function packFlatConvWeights(w: Float32Array, M: number, mg: number, cg: number, taps: number): Float32Array {
  const out = new Float32Array(w.length);
  const k = cg * taps;
  for (let m = 0; m < M; ) {
    const b = flatBlockAt(m, M, mg, cg === 1 && mg === 1);
    const base = m * k;
    for (let j = 0; j < b; j++) for (let t = 0; t < k; t++) out[base + t * b + j] = w[base + j * k + t]!;
    m += b;
  }
  return out;
}

/*
 * One micro-kernel of the flat convolution: b output channels x MODEL_NT vectors of consecutive flat
 * outputs, summed over every (input channel, tap) in registers. The accumulators are named, not an
 * array, because gcc keeps a local array of vectors on the stack.
 */
function flatTile(b: number, depthwise: boolean): string {
  const acc = (j: number, v: number): string => `a${j}_${v}`;
  // Vector v of the tile exists when MODEL_NT > v; the first always does.
  const guarded = (v: number, body: string[]): string[] => (v === 0 ? body : [`#if MODEL_NT > ${v}`, ...body, '#endif']);
  const vs = Array.from({ length: FLAT_MAX_NT }, (_, v) => v);
  const lines: string[] = [];
  for (const v of vs) lines.push(...guarded(v, [`  vecf ${Array.from({ length: b }, (_, j) => `${acc(j, v)} = z`).join(', ')};`]));
  lines.push('  for (c = 0; c < cg; c++, xc += xplane)', '    for (t = 0; t < taps; t++, wt += wstep) {', '      const float *xp = xc + toff[t];', '      vecf xv;');
  for (const v of vs) {
    const body: string[] = [];
    // One input vector serves every channel of the block; depthwise, each channel reads its own plane.
    for (let j = 0; j < b; j++) {
      if (j === 0 || depthwise) body.push(`      memcpy(&xv, xp + ${depthwise && j > 0 ? `${j} * xplane + ` : ''}${v} * MODEL_VW, sizeof xv);`);
      body.push(`      ${acc(j, v)} = VFMA(${acc(j, v)}, xv, wt[${j}]);`);
    }
    lines.push(...guarded(v, body));
  }
  lines.push('    }');
  // A whole tile of a plane without dropped columns is stored as vectors; others go through store_flat.
  lines.push('  if (WP == OW && n == MODEL_NT * MODEL_VW) {');
  for (let j = 0; j < b; j++) {
    lines.push(`    bj = bias ? bias[${j}] : 0.0f;`);
    for (const v of vs) lines.push(...guarded(v, [`    ${acc(j, v)} += bj;`, `    memcpy(y + ${j} * (size_t)plane + j0 + ${v} * MODEL_VW, &${acc(j, v)}, sizeof ${acc(j, v)});`]));
  }
  lines.push('    return;', '  }', '  r0 = j0 / WP;', '  c0 = j0 % WP;');
  for (let j = 0; j < b; j++) {
    for (const v of vs) lines.push(...guarded(v, [`  buf[${v}] = ${acc(j, v)};`]));
    lines.push(`  store_flat(y + ${j} * (size_t)plane, (const float *)buf, n, r0, c0, WP, OW, bias ? bias[${j}] : 0.0f);`);
  }
  const name = `flat_${depthwise ? 'dw_' : ''}tile${b}`;
  const what = `${b} output channel${b > 1 ? 's' : ''}${depthwise ? ', each reading its own input plane (xplane apart)' : ''}`;
  return `/*
 * ${what}: flat outputs j0 .. j0 + n - 1 of each (n <= MODEL_NT * MODEL_VW).
 * A tap's weights are wstep apart (the packed block's width).
 */
static void ${name}(const float *restrict xc, int cg, size_t xplane, const int *restrict toff, int taps,
                        const float *restrict wt, int wstep, const float *restrict bias, float *restrict y,
                        int plane, int j0, int n, int WP, int OW)
{
  const vecf z = VZERO;
  /* Lanes are read through a float pointer: GCC and Clang let a float alias a vector of floats. */
  vecf buf[MODEL_NT];
  float bj;
  int c, t, r0, c0;
${lines.join('\n')}
}`;
}

/*
 * Convolution over the flat plane (see the README's "The convolution"). With the input's rows WP
 * floats apart (zero-padded scratch, or the input itself when unpadded), output (oh, ow) reads input
 * oh * WP + ow + offset(tap): flat output j = oh * WP + ow is a 1-D convolution of the flat input, so
 * vector tiles run along j across row ends and never need a short-row case. The WP - OW columns past
 * each row's end are computed and dropped (2 of 30 for a 28-wide 3x3 layer). A strided layer's
 * scratch is split into stride phases, so every tap reads at stride 1. Tiles are b = 8 output
 * channels (then 4, 1) x MODEL_NT vectors of MODEL_VW lanes: two 16-float AVX-512 vectors, one
 * 8-float AVX vector, two 4-float SSE / NEON vectors, and with -DMODEL_PLAIN_C two floats; weights
 * are packed so a tap's b weights are adjacent. A last tile is shifted back to end at the last
 * output (recomputing a few identically); a plane smaller than a tile reads up to FLAT_SLACK floats
 * past the input's end (the scratch's slack; unpadded inputs that small take conv2d). The
 * multiply-add is fused where the target has FMA (x86 FMA or AVX-512, AArch64), as onnxruntime's
 * kernels do.
 */
const convFlat = `
#if defined(MODEL_VECTORS) && defined(__AVX512F__)
#include <immintrin.h>
#define MODEL_VW 16
#define MODEL_NT 2
typedef float vecf __attribute__((vector_size(64)));
#define VFMA(acc, x, w) ((vecf)_mm512_fmadd_ps((__m512)(x), _mm512_set1_ps(w), (__m512)(acc)))
#elif defined(MODEL_VECTORS) && defined(__AVX__)
#define MODEL_VW 8
#define MODEL_NT 1
typedef float vecf __attribute__((vector_size(32)));
#if defined(__FMA__)
#include <immintrin.h>
#define VFMA(acc, x, w) ((vecf)_mm256_fmadd_ps((__m256)(x), _mm256_set1_ps(w), (__m256)(acc)))
#endif
#elif defined(MODEL_VECTORS) && defined(__aarch64__)
#include <arm_neon.h>
#define MODEL_VW 4
#define MODEL_NT 2
typedef float vecf __attribute__((vector_size(16)));
#define VFMA(acc, x, w) ((vecf)vfmaq_n_f32((float32x4_t)(acc), (float32x4_t)(x), (w)))
#elif defined(MODEL_VECTORS)
#define MODEL_VW 4
#define MODEL_NT 2
#define MODEL_SPLIT8 1
typedef float vecf __attribute__((vector_size(16)));
#else
#define MODEL_VW 1
#define MODEL_NT 2
typedef float vecf;
#endif
#if !defined(MODEL_SPLIT8)
#define MODEL_SPLIT8 0
#endif
#if !defined(VFMA)
#define VFMA(acc, x, w) ((acc) + (x) * (w))
#endif
#if defined(MODEL_VECTORS)
#define VZERO {0.0f}
#else
#define VZERO 0.0f
#endif

/*
 * Stores n flat outputs (in t) plus the bias from row r, column col on, dropping the columns past
 * each row's end (WP - OW of them).
 */
static void store_flat(float *restrict y, const float *restrict t, int n, int r, int col, int WP, int OW, float bias)
{
  int i = 0, k;
  while (i < n) {
    const int run = WP - col < n - i ? WP - col : n - i;
    float *yr = y + (size_t)r * OW + col;
    const int keep = col >= OW ? 0 : (OW - col < run ? OW - col : run);
    for (k = 0; k < keep; k++) yr[k] = t[i + k] + bias;
    i += run;
    r++;
    col = 0;
  }
}

#if !MODEL_SPLIT8
${flatTile(8, false)}
#endif

${[4, 1].map((b) => flatTile(b, false)).join('\n\n')}

#if !MODEL_SPLIT8
${flatTile(8, true)}
#endif

${flatTile(4, true)}

/*
 * Splits n zero-padded planes (H x W at (PT, PL) in HP x WP) into SH x SW phase planes of HQ x WQ:
 * phase (py, px) holds the padded positions (i * SH + py, j * SW + px). A strided tap then reads one
 * phase at stride 1. At stride 1 this is a plain zero-padded copy. Then zeroes slack floats after.
 */
static void phase_planes(float *restrict dst, const float *restrict x, int n, int H, int W, int HQ, int WQ,
                         int PT, int PL, int SH, int SW, int slack)
{
  const size_t phase = (size_t)HQ * WQ;
  int i, j, c;
  for (i = 0; i < (int)((size_t)n * SH * SW * phase) + slack; i++) dst[i] = 0.0f;
  for (c = 0; c < n; c++) {
    float *dc = dst + (size_t)c * SH * SW * phase;
    for (i = 0; i < H; i++) {
      const float *xr = x + ((size_t)c * H + i) * W;
      const int r = i + PT;
      float *dr = dc + (size_t)(r % SH) * SW * phase + (size_t)(r / SH) * WQ;
      if (SW == 1) memcpy(dr + PL, xr, (size_t)W * sizeof(float));
      else
        for (j = 0; j < W; j++) dr[(size_t)((j + PL) % SW) * phase + (j + PL) / SW] = xr[j];
    }
  }
}

static void conv_flat(const float *restrict x, int C, int H, int W, float *restrict y, int M, int OH, int OW,
                      const float *restrict w, const float *restrict bias, int KH, int KW, int SH, int SW,
                      int PT, int PL, int PB, int PR, int DH, int DW, int G, float *restrict scratch,
                      int act, float p, float q)
{
  enum { TILE = MODEL_NT * MODEL_VW };
  const int cg = C / G, mg = M / G, taps = KH * KW, plane = OH * OW;
  /* Depthwise: blocks run across groups, each channel reading its own input plane. */
  const int depthwise = cg == 1 && mg == 1;
  const float *src = x;
  int HQ = H, WQ = W, m, b, t, j0, total;
  size_t xplane;
  int toff[${FLAT_MAX_TAPS}];
  if (scratch) {
    HQ = (H + PT + PB + SH - 1) / SH;
    WQ = (W + PL + PR + SW - 1) / SW;
    /* Depthwise copies each block's channels as it goes (the scratch holds 8 planes); others all at once. */
    if (!depthwise) phase_planes(scratch, x, C, H, W, HQ, WQ, PT, PL, SH, SW, ${FLAT_SLACK});
    src = scratch;
  }
  xplane = (size_t)SH * SW * HQ * WQ;
  /* Tap (kh, kw) reads padded row oh * SH + kh * DH: phase (kh * DH) % SH, phase row oh + (kh * DH) / SH. */
  for (t = 0; t < taps; t++) {
    const int ry = (t / KW) * DH, rx = (t % KW) * DW;
    toff[t] = ((ry % SH) * SW + rx % SW) * HQ * WQ + (ry / SH) * WQ + rx / SW;
  }
  total = (OH - 1) * WQ + OW;
  for (m = 0; m < M; m += b) {
    const float *xg;
    const float *wm = w + (size_t)m * cg * taps;
    const float *bm = bias ? bias + m : 0;
    float *ym = y + (size_t)m * plane;
    const int avail = depthwise ? M - m : mg - m % mg;
    b = avail >= ${FLAT_BLOCK} ? ${FLAT_BLOCK} : (avail >= 4 ? 4 : 1);
    if (scratch && depthwise) {
      phase_planes(scratch, x + (size_t)m * H * W, b, H, W, HQ, WQ, PT, PL, SH, SW, ${FLAT_SLACK});
      xg = scratch;
    } else
      xg = src + (size_t)(m / mg) * cg * xplane;
    for (j0 = 0; j0 < total; j0 += TILE) {
      /* The last tile ends at the last output; a plane under one tile computes a whole one from 0. */
      const int start = j0 + TILE <= total ? j0 : (total >= TILE ? total - TILE : 0);
      const int n = total - start < TILE ? total - start : TILE;
      const float *xc = xg + start;
#if MODEL_SPLIT8
      /* 16 registers hold 4 channels x 2 vectors, not 8 x 2: a block of 8 runs as two halves. */
      if (depthwise && b == 8) {
        flat_dw_tile4(xc, cg, xplane, toff, taps, wm, 8, bm, ym, plane, start, n, WQ, OW);
        flat_dw_tile4(xc + 4 * xplane, cg, xplane, toff, taps, wm + 4, 8, bm ? bm + 4 : 0, ym + 4 * (size_t)plane, plane, start, n, WQ, OW);
      }
#else
      if (depthwise && b == 8) flat_dw_tile8(xc, cg, xplane, toff, taps, wm, 8, bm, ym, plane, start, n, WQ, OW);
#endif
      else if (depthwise && b == 4) flat_dw_tile4(xc, cg, xplane, toff, taps, wm, 4, bm, ym, plane, start, n, WQ, OW);
      else
#if MODEL_SPLIT8
      if (b == 8) {
        flat_tile4(xc, cg, xplane, toff, taps, wm, 8, bm, ym, plane, start, n, WQ, OW);
        flat_tile4(xc, cg, xplane, toff, taps, wm + 4, 8, bm ? bm + 4 : 0, ym + 4 * (size_t)plane, plane, start, n, WQ, OW);
      }
#else
      if (b == 8) flat_tile8(xc, cg, xplane, toff, taps, wm, 8, bm, ym, plane, start, n, WQ, OW);
#endif
      else if (b == 4) flat_tile4(xc, cg, xplane, toff, taps, wm, 4, bm, ym, plane, start, n, WQ, OW);
      else flat_tile1(xc, cg, xplane, toff, taps, wm, 1, bm, ym, plane, start, n, WQ, OW);
    }
    for (t = 0; t < b; t++) activate(ym + (size_t)t * plane, ym + (size_t)t * plane, plane, act, p, q);
  }
}
`;

/*
 * Max or average pooling. Padding never wins a max (ONNX pads MaxPool with -inf); an average divides
 * by the in-image count, or with count_include_pad by the window clipped to the padded image (PB, PR:
 * bottom and right pads), as onnxruntime does.
 */
const pool2d = `
static void pool2d(const float *restrict x, int C, int H, int W, float *restrict y, int OH, int OW,
                   int KH, int KW, int SH, int SW, int PT, int PL, int PB, int PR, int DH, int DW,
                   int is_max, int count_pad)
{
  int c, oh, ow, kh, kw;
  for (c = 0; c < C; c++) {
    const float *xp = x + (size_t)c * H * W;
    float *yp = y + (size_t)c * OH * OW;
    for (oh = 0; oh < OH; oh++) {
      const int hs = oh * SH - PT;
      for (ow = 0; ow < OW; ow++) {
        const int ws = ow * SW - PL;
        float acc = is_max ? -INFINITY : 0.0f;
        int n = 0;
        for (kh = 0; kh < KH; kh++) {
          const int ih = hs + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (kw = 0; kw < KW; kw++) {
            const int iw = ws + kw * DW;
            if (iw < 0 || iw >= W) continue;
            const float v = xp[ih * W + iw];
            if (is_max) acc = v > acc ? v : acc;
            else acc += v;
            n++;
          }
        }
        if (!is_max) {
          if (count_pad) {
            const int he = hs + KH < H + PB ? hs + KH : H + PB, we = ws + KW < W + PR ? ws + KW : W + PR;
            n = (he - hs) * (we - ws);
          }
          acc = n > 0 ? acc / (float)n : 0.0f;
        }
        yp[oh * OW + ow] = acc;
      }
    }
  }
}
`;

const globalPool = `
static void global_pool(const float *restrict x, int C, int HW, float *restrict y, int is_max)
{
  int c, i;
  for (c = 0; c < C; c++) {
    const float *xp = x + (size_t)c * HW;
    float acc = is_max ? -INFINITY : 0.0f;
    for (i = 0; i < HW; i++) {
      if (is_max) acc = xp[i] > acc ? xp[i] : acc;
      else acc += xp[i];
    }
    y[c] = is_max ? acc : acc / (float)HW;
  }
}
`;

/*
 * y[M][N] = a[M][K] * wt[K][N] + bias[N]: the weight is stored transposed ([K][N]) by the generator so
 * the inner loop runs over N (contiguous, no reduction) and vectorises.
 */
const matmul = `
static void matmul(const float *restrict a, int M, int K, const float *restrict wt, int N,
                   const float *restrict bias, float *restrict y, int act, float p, float q)
{
  int m, k, n;
  for (m = 0; m < M; m++) {
    const float *ar = a + (size_t)m * K;
    float *yr = y + (size_t)m * N;
    for (n = 0; n < N; n++) yr[n] = bias ? bias[n] : 0.0f;
    for (k = 0; k < K; k++) {
      const float av = ar[k];
      const float *wr = wt + (size_t)k * N;
      for (n = 0; n < N; n++) yr[n] += av * wr[n];
    }
    activate(yr, yr, N, act, p, q);
  }
}
`;

/* BatchNormalization in inference form, as a per-channel scale and shift computed by the generator. */
const channelAffine = `
static void channel_affine(const float *x, float *y, int C, int inner, const float *restrict scale,
                           const float *restrict shift, int act, float p, float q)
{
  int c, i;
  for (c = 0; c < C; c++) {
    const float s = scale[c], t = shift[c];
    const float *xp = x + (size_t)c * inner;
    float *yp = y + (size_t)c * inner;
    for (i = 0; i < inner; i++) yp[i] = xp[i] * s + t;
    activate(yp, yp, inner, act, p, q);
  }
}
`;

/*
 * y = a op b over [outer][mid][inner] values. bcast 0: a and b both full; 1: b holds one value per mid
 * index (a channel bias, a scalar when mid is 1); 2: a does. y may be a or b (in place).
 */
const binary = `
static float binary_apply(float a, float b, int op)
{
  switch (op) {
  case ${BINARY_OP.Sub}: return a - b;
  case ${BINARY_OP.Mul}: return a * b;
  case ${BINARY_OP.Div}: return a / b;
  default: return a + b;
  }
}

static void binary(const float *a, const float *b, float *y, int outer, int mid, int inner, int op,
                   int bcast, int act, float p, float q)
{
  const int n = outer * mid * inner;
  int o, m, i;
  if (bcast == 0) {
    switch (op) {
    case ${BINARY_OP.Sub}: for (i = 0; i < n; i++) y[i] = a[i] - b[i]; break;
    case ${BINARY_OP.Mul}: for (i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case ${BINARY_OP.Div}: for (i = 0; i < n; i++) y[i] = a[i] / b[i]; break;
    default: for (i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    }
  } else {
    for (o = 0; o < outer; o++)
      for (m = 0; m < mid; m++) {
        const size_t base = ((size_t)o * mid + m) * inner;
        if (bcast == 1) {
          const float s = b[m];
          for (i = 0; i < inner; i++) y[base + i] = binary_apply(a[base + i], s, op);
        } else {
          const float s = a[m];
          for (i = 0; i < inner; i++) y[base + i] = binary_apply(s, b[base + i], op);
        }
      }
  }
  activate(y, y, n, act, p, q);
}
`;

/* Softmax over the middle axis of [outer][n][inner], max-subtracted as onnxruntime does. */
const softmax = `
static void softmax(const float *x, float *y, int outer, int n, int inner)
{
  int o, i, k;
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      const float *xp = x + (size_t)o * n * inner + i;
      float *yp = y + (size_t)o * n * inner + i;
      float mx = -INFINITY, sum = 0.0f;
      for (k = 0; k < n; k++) mx = xp[k * inner] > mx ? xp[k * inner] : mx;
      for (k = 0; k < n; k++) {
        yp[k * inner] = expf(xp[k * inner] - mx);
        sum += yp[k * inner];
      }
      for (k = 0; k < n; k++) yp[k * inner] /= sum;
    }
}
`;

/** Kernels and the shared vector prelude. */
type Source = KernelName | 'vectors' | 'padPlanes';

const sources: Record<Source, string> = { vectors, padPlanes, activate, conv2d, convFlat, pool2d, globalPool, matmul, channelAffine, binary, softmax };

/** Kernels every kernel calls (emitted first). */
const needs: Partial<Record<Source, Source[]>> = {
  activate: ['vectors'],
  conv2d: ['vectors', 'activate', 'padPlanes'],
  convFlat: ['vectors', 'activate'],
  matmul: ['activate'],
  channelAffine: ['activate'],
  binary: ['activate'],
};

/** C source of the given kernels and their dependencies, dependencies first. */
export function kernelSource(used: Iterable<KernelName>): string {
  const order: Source[] = [];
  const add = (k: Source): void => {
    if (order.includes(k)) return;
    for (const d of needs[k] ?? []) add(d);
    order.push(k);
  };
  for (const k of used) add(k);
  return order.map((k) => sources[k].trim()).join('\n\n');
}
