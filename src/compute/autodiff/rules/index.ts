import type { GradRule } from '../types.ts';
import { elementwiseRules, zeroGradOps } from './elementwise.ts';
import { nnRules } from './nn.ts';
import { reduceRules } from './reduce.ts';
import { shapeRules } from './shape.ts';

const noGradient: GradRule = () => [];

/** Gradient rules by ONNX op type. */
export const gradRules: Record<string, GradRule> = {
  ...Object.fromEntries(zeroGradOps.map((op) => [op, noGradient])),
  ...elementwiseRules,
  ...shapeRules,
  ...reduceRules,
  ...nnRules,
};
