// One inspector field, drawn from the params schema: number (with range, step and unit), choice, checkbox,
// text, or JSON for anything else. Out-of-range values are kept and flagged with the engine's own message
// (the one the node and `condense validate` show), so a field never words a problem differently.
import { useEffect, useState } from 'react';
import { PathPicker } from './path-picker';
import { isSeedField, parseNumberText, randomSeed, sliderOf, type ParamField } from '../lib/param-fields';

interface Props {
  nodeId: string;
  field: ParamField;
  value: unknown;
  /** Issues the host reported for this param. */
  hostMessages: string[];
  readOnly: boolean;
  onChange(value: unknown): void;
}

function NumberInput({
  field,
  value,
  onChange,
  id,
  readOnly,
  invalid,
}: {
  field: ParamField;
  value: unknown;
  onChange(v: number): void;
  id: string;
  readOnly: boolean;
  /** The host reported a problem with the value. */
  invalid: boolean;
}) {
  const shown = typeof value === 'number' ? String(value) : '';
  const [text, setText] = useState(shown);
  // Follow outside changes (another node selected, a file opened) without fighting the user's typing.
  useEffect(() => {
    setText((t) => (parseNumberText(t) === value ? t : shown));
  }, [value, shown]);
  const parsed = parseNumberText(text);
  // Only what never reaches the host is checked here: text that is no number yet. A number out of range
  // is sent, and the host's validation names it, on this field and on the node alike.
  const message = text.trim() === '' ? 'required' : parsed === undefined ? 'must be a number' : undefined;
  const slider = sliderOf(field);
  const set = (next: number) => {
    setText(String(next));
    onChange(next);
  };
  return (
    <>
      <div className="number-input">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          value={text}
          readOnly={readOnly}
          min={field.minimum ?? field.exclusiveMinimum}
          max={field.maximum ?? field.exclusiveMaximum}
          step={field.kind === 'integer' ? 1 : 'any'}
          onChange={(e) => {
            setText(e.target.value);
            const next = parseNumberText(e.target.value);
            if (next !== undefined) onChange(next);
          }}
          aria-invalid={message !== undefined || invalid}
          data-testid={`param-${field.key}`}
        />
        {field.unit ? <span className="unit">{field.unit}</span> : null}
        {isSeedField(field) && !readOnly ? (
          <button type="button" className="seed-button" title="A new random seed" onClick={() => set(randomSeed(field))} data-testid={`param-seed-${field.key}`}>
            New seed
          </button>
        ) : null}
      </div>
      {slider ? (
        <input
          type="range"
          className="param-slider"
          aria-label={`${field.label} slider`}
          min={slider.min}
          max={slider.max}
          step={slider.step}
          value={typeof value === 'number' ? value : slider.min}
          disabled={readOnly}
          onChange={(e) => set(Number(e.target.value))}
          data-testid={`param-slider-${field.key}`}
        />
      ) : null}
      {message ? (
        <div className="field-error" data-testid={`param-error-${field.key}`}>
          {message}
        </div>
      ) : null}
    </>
  );
}

function JsonInput({ value, onChange, id, testId, readOnly }: { value: unknown; onChange(v: unknown): void; id: string; testId: string; readOnly: boolean }) {
  const shown = value === undefined ? '' : JSON.stringify(value);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => setText(shown), [shown]);
  return (
    <>
      <textarea
        id={id}
        rows={2}
        value={text}
        readOnly={readOnly}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value));
            setError(undefined);
          } catch {
            setError('not valid JSON yet');
          }
        }}
        data-testid={testId}
      />
      {error ? <div className="field-error">{error}</div> : null}
    </>
  );
}

function rangeHint(field: ParamField): string | undefined {
  const low = field.minimum ?? field.exclusiveMinimum;
  const high = field.maximum ?? field.exclusiveMaximum;
  if (low !== undefined && high !== undefined) return `${low} – ${high}`;
  if (low !== undefined) return `≥ ${low}`;
  if (high !== undefined) return `≤ ${high}`;
  return undefined;
}

export function ParamInput({ nodeId, field, value, hostMessages, readOnly, onChange }: Props) {
  const [picking, setPicking] = useState(false);
  const id = `param-${nodeId}-${field.key}`;
  const current = value === undefined ? field.default : value;
  const hint = field.kind === 'number' || field.kind === 'integer' ? rangeHint(field) : undefined;
  let control;
  switch (field.kind) {
    case 'number':
    case 'integer':
      control = <NumberInput id={id} field={field} value={current} onChange={onChange} readOnly={readOnly} invalid={hostMessages.length > 0} />;
      break;
    case 'enum': {
      const options = field.options ?? [];
      const index = options.findIndex((o) => o === current);
      control = (
        <select id={id} value={index} disabled={readOnly} onChange={(e) => onChange(options[Number(e.target.value)])} data-testid={`param-${field.key}`}>
          {index < 0 ? <option value={-1}>{current === undefined ? '(not set)' : String(current)}</option> : null}
          {options.map((o, i) => (
            <option key={String(o)} value={i}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'boolean':
      control = (
        <input
          id={id}
          type="checkbox"
          checked={current === true}
          disabled={readOnly}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={`param-${field.key}`}
        />
      );
      break;
    case 'string':
      control = (
        <div className="text-input">
          <input
            id={id}
            type="text"
            value={typeof current === 'string' ? current : ''}
            readOnly={readOnly}
            onChange={(e) => onChange(e.target.value)}
            data-testid={`param-${field.key}`}
          />
          {field.path && !readOnly ? (
            <button type="button" onClick={() => setPicking((p) => !p)} data-testid={`param-browse-${field.key}`}>
              Browse…
            </button>
          ) : null}
        </div>
      );
      break;
    case 'json':
      control = <JsonInput id={id} value={current} onChange={onChange} testId={`param-${field.key}`} readOnly={readOnly} />;
      break;
  }
  return (
    <div className={`field field-${field.kind}`}>
      <label htmlFor={id}>
        {field.label}
        {hint ? <span className="field-hint">{hint}</span> : null}
      </label>
      {control}
      {picking ? <PathPicker paramKey={field.key} onChoose={onChange} onClose={() => setPicking(false)} /> : null}
      {hostMessages.map((m, i) => (
        <div key={i} className="field-error" data-testid={`param-issue-${field.key}`}>
          {m}
        </div>
      ))}
      {field.help ? <div className="field-help">{field.help}</div> : null}
    </div>
  );
}
