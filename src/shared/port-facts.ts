// Static facts about ports, known before a run: see `infer` in node-sdk.ts and src/engine/infer.ts.
import type { WeightLayer } from '../compute/model/weight-layers';

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
  /** A Dataset records each image's object box (Dataset.boxes: images placed on a canvas). */
  boxes?: boolean;
  /** A Model's name as its errors name it (`lenet5`, an imported file). */
  modelName?: string;
  /**
   * A Model's conv and linear weights in forward order (src/compute/model/weight-layers.ts), so a node
   * that picks layers by name, kind or kernel size can check its params against them while wiring.
   */
  weightLayers?: WeightLayer[];
}

export interface InferResult {
  outputs?: Record<string, PortFacts>;
  /**
   * Problems known before running: with a connected input (`port`: shown on the port and its edge), or a
   * param that cannot work with what comes in (`param`: shown on that param's field and on the node).
   */
  issues?: ({ port: string; param?: undefined; message: string } | { param: string; port?: undefined; message: string })[];
}

/**
 * The issue of a node that needs a classifier on `port` when the facts say the model computes something
 * else (a generator or a discriminator from the Model node): the port's task constraint cannot see this,
 * because the Model node's output takes whichever task its architecture has.
 */
export function classifierIssues(model: PortFacts | undefined, nodeTitle: string, port = 'model'): { port: string; message: string }[] {
  if (!model?.task || model.task === 'classify') return [];
  return [{ port, message: `${model.modelName ?? 'this model'} is an ${model.task} model; ${nodeTitle} takes classifiers` }];
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
