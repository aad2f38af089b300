// `condense nodes`: the node catalogue with ports and params (defaults, ranges, help).
import { parseCommandArgs } from '../args';
import { withEngine } from '../engine';
import { EXIT_OK, UsageError, println, type CliIo } from '../io';
import type { NodeDescriptor } from '../../shared/node-sdk';
import { appliesWhenOf, describeCondition } from '../../shared/param-conditions';
import type { PortSpec } from '../../shared/port-types';

type JsonSchema = Record<string, unknown>;

function portLine(name: string, spec: PortSpec, isInput: boolean): string {
  const constraints = Object.entries(spec.constraints ?? {})
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
  const flags = [isInput ? (spec.required ? 'required' : 'optional') : '', constraints].filter(Boolean).join('; ');
  return `    ${name}: ${spec.type}${flags ? ` (${flags})` : ''}${spec.description ? ` - ${spec.description}` : ''}`;
}

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' | ');
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return 'any';
}

/**
 * One line per param: type, default, range, unit, the condition under which it applies, and help, read
 * from the JSON Schema of the node's params.
 */
export function paramLines(descriptor: NodeDescriptor): string[] {
  const properties = (descriptor.paramsSchema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, schema]) => {
    const parts = [typeOf(schema)];
    const fallback = descriptor.defaults[name] ?? schema.default;
    if (fallback !== undefined) parts.push(`default ${JSON.stringify(fallback)}`);
    const min = schema.minimum ?? schema.exclusiveMinimum;
    const max = schema.maximum ?? schema.exclusiveMaximum;
    if (min !== undefined || max !== undefined) parts.push(`range ${min ?? '-inf'}..${max ?? 'inf'}`);
    if (typeof schema.unit === 'string') parts.push(`unit ${schema.unit}`);
    const condition = appliesWhenOf(schema);
    if (condition) parts.push(describeCondition(condition));
    const help = schema.help ?? schema.description;
    return `    ${name}: ${parts.join(', ')}${typeof help === 'string' ? ` - ${help}` : ''}`;
  });
}

export function describeForTerminal(descriptor: NodeDescriptor): string[] {
  const lines = [`${descriptor.type} v${descriptor.version}  ${descriptor.title} [${descriptor.category}]`, `  ${descriptor.description}`];
  const inputs = Object.entries(descriptor.inputs);
  const outputs = Object.entries(descriptor.outputs);
  const params = paramLines(descriptor);
  if (inputs.length > 0) lines.push('  inputs:', ...inputs.map(([name, spec]) => portLine(name, spec, true)));
  if (outputs.length > 0) lines.push('  outputs:', ...outputs.map(([name, spec]) => portLine(name, spec, false)));
  if (params.length > 0) lines.push('  params:', ...params);
  return lines;
}

export async function nodesCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('nodes', argv, { json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`condense nodes: unexpected argument "${positionals[0]}".`);
  return withEngine(io, async (engine) => {
    const descriptors = [...engine.registry.descriptors()].sort((a, b) => a.type.localeCompare(b.type));
    if (values.json) {
      println(io.stdout, JSON.stringify(descriptors, null, 2));
      return EXIT_OK;
    }
    descriptors.forEach((descriptor, index) => {
      if (index > 0) println(io.stdout);
      for (const line of describeForTerminal(descriptor)) println(io.stdout, line);
    });
    return EXIT_OK;
  });
}
