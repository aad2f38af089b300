// Static facts about ports, known before a run: see `infer` in node-sdk.ts and src/engine/infer.ts.

/**
 * What can be known about an output before anything runs (from params and upstream facts), so that a
 * mismatch (a model built for 1x28x28 images fed 3x32x32 ones) is a validation issue on the edge, not a
 * failure minutes into a run. Every field is optional: unknown is fine.
 */
export interface PortFacts {
  /** Per-image shape [channels, height, width] (a Dataset's images, a Model's input). */
  shape?: [number, number, number];
  /** Number of classes (a Dataset's labels, a classifier's outputs). */
  classes?: number;
  task?: string;
}

export interface InferResult {
  outputs?: Record<string, PortFacts>;
  /** Problems with the connected inputs, shown on the input port (and its edge). */
  issues?: { port: string; message: string }[];
}

const shapeText = (shape: readonly number[]) => shape.join('x');

/**
 * The common check of a node that feeds `data` into `model`: the images must have the model's input shape
 * and (for classifiers) its number of classes. Returns what is wrong, or undefined when nothing is known to be.
 */
export function modelDataMismatch(model: PortFacts | undefined, data: PortFacts | undefined): string | undefined {
  if (!model || !data) return undefined;
  if (model.shape && data.shape && shapeText(model.shape) !== shapeText(data.shape)) {
    return `the model takes ${shapeText(model.shape)} images (channels x height x width) but this dataset has ${shapeText(data.shape)}; resize or re-channel the data in its Dataset node, or build the model from this dataset`;
  }
  if (model.classes !== undefined && data.classes !== undefined && model.classes !== data.classes) {
    return `the model predicts ${model.classes} classes but this dataset has ${data.classes}`;
  }
  return undefined;
}

/**
 * The issues of a node that feeds the datasets on `ports` into its `model` input: one per dataset that is
 * known not to fit, on that dataset's port.
 */
export function modelDataIssues(inputs: { model?: PortFacts } & Record<string, PortFacts | undefined>, ports: readonly string[]): { port: string; message: string }[] {
  return ports.flatMap((port) => {
    const message = modelDataMismatch(inputs.model, inputs[port]);
    return message ? [{ port, message }] : [];
  });
}
