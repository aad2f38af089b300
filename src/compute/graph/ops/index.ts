export * from './elementwise.ts';
export * from './shape.ts';
export * from './reduce.ts';
export * from './nn.ts';
export * from './loss.ts';
export * from './spatial.ts';
