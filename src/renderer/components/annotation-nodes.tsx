// Groups and notes on the canvas. Both are React Flow nodes drawn from graph.ui: a group is a titled, coloured
// frame around its member nodes (its bounds follow them, so it is never stored out of date), a note is markdown
// text that is edited on double-click. Dragging a frame's title bar moves its member nodes; the drag is one edit.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { applyNodeChanges, type Node, type NodeChange, type NodeProps } from '@xyflow/react';
import type { GraphUi } from '../../shared/graph/schema';
import { GROUP_COLORS, moveGroup, moveNote, recolorGroup, removeNotes, renameGroup, setNoteText, ungroup } from '../lib/canvas-edit';
import { useDocument } from '../store/document-store';
import type { FlowNode } from './flow-nodes';
import { MarkdownView } from './markdown-view';

type Group = GraphUi['groups'][number];
type Note = GraphUi['notes'][number];

export type GroupFrameNode = Node<{ groupId: string; title: string; color: string }, 'groupFrame'>;
export type NoteFlowNode = Node<{ noteId: string; text: string }, 'note'>;
export type AnnotationNode = GroupFrameNode | NoteFlowNode;

/** Flow ids of annotations carry a `/`, which graph ids never contain, so they cannot clash with node ids. */
export const GROUP_PREFIX = 'group/';
export const NOTE_PREFIX = 'note/';

export const isAnnotationId = (id: string) => id.startsWith(GROUP_PREFIX) || id.startsWith(NOTE_PREFIX);

const FRAME_PADDING = 24;
const FRAME_HEADER = 34;
const FALLBACK_SIZE = { width: 250, height: 160 };

/** The frame of each group: the box around its members' drawn nodes, with room for the title bar. */
export function groupFrames(groups: readonly Group[], nodes: readonly FlowNode[]): GroupFrameNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const frames: GroupFrameNode[] = [];
  for (const g of groups) {
    const members = g.nodeIds.map((id) => byId.get(id)).filter((n): n is FlowNode => n !== undefined);
    if (members.length === 0) continue;
    const boxes = members.map((n) => ({
      x: n.position.x,
      y: n.position.y,
      w: n.measured?.width ?? FALLBACK_SIZE.width,
      h: n.measured?.height ?? FALLBACK_SIZE.height,
    }));
    const x = Math.min(...boxes.map((b) => b.x)) - FRAME_PADDING;
    const y = Math.min(...boxes.map((b) => b.y)) - FRAME_PADDING - FRAME_HEADER;
    const right = Math.max(...boxes.map((b) => b.x + b.w)) + FRAME_PADDING;
    const bottom = Math.max(...boxes.map((b) => b.y + b.h)) + FRAME_PADDING;
    frames.push({
      id: GROUP_PREFIX + g.id,
      type: 'groupFrame',
      position: { x, y },
      width: right - x,
      height: bottom - y,
      zIndex: -1,
      selectable: false,
      dragHandle: '.group-frame-header',
      className: 'group-frame-node',
      data: { groupId: g.id, title: g.title, color: g.color ?? GROUP_COLORS[0] },
    });
  }
  return frames;
}

function syncNotes(notes: readonly Note[], previous: NoteFlowNode[]): NoteFlowNode[] {
  const before = new Map(previous.map((n) => [n.id, n]));
  return notes.map((note) => {
    const id = NOTE_PREFIX + note.id;
    const [x, y] = note.position;
    const prev = before.get(id);
    if (prev && (prev.dragging || (prev.position.x === x && prev.position.y === y)) && prev.data.text === note.text) return prev;
    return {
      ...(prev ?? { id, type: 'note' as const }),
      position: prev?.dragging ? prev.position : { x, y },
      data: { noteId: note.id, text: note.text },
      ...(note.size ? { width: note.size[0], height: note.size[1] } : {}),
    };
  });
}

interface GroupDrag {
  groupId: string;
  start: { x: number; y: number };
  members: Map<string, { x: number; y: number }>;
  delta: { x: number; y: number };
}

/**
 * The annotation nodes for the canvas and the handlers that keep them in step with the document. `setNodes`
 * is the canvas's own node state: a frame drag moves the member nodes live, then stores them in one edit.
 */
export function useAnnotations(nodes: FlowNode[], setNodes: Dispatch<SetStateAction<FlowNode[]>>) {
  const groups = useDocument((s) => s.graph.ui.groups);
  const notes = useDocument((s) => s.graph.ui.notes);
  const [noteNodes, setNoteNodes] = useState<NoteFlowNode[]>([]);
  const drag = useRef<GroupDrag | undefined>(undefined);
  useEffect(() => setNoteNodes((prev) => syncNotes(notes, prev)), [notes]);
  const frames = useMemo(() => groupFrames(groups, nodes), [groups, nodes]);
  const annotationNodes = useMemo<AnnotationNode[]>(() => [...frames, ...noteNodes], [frames, noteNodes]);

  const finishGroupDrag = useCallback(() => {
    const d = drag.current;
    drag.current = undefined;
    if (!d || (d.delta.x === 0 && d.delta.y === 0)) return;
    useDocument.getState().edit((g) => moveGroup(g, d.groupId, Math.round(d.delta.x), Math.round(d.delta.y)));
  }, []);

  /** Takes the changes that concern annotations and returns the rest for the canvas's own nodes. */
  const applyChanges = useCallback(
    (changes: NodeChange<Node>[]): NodeChange<FlowNode>[] => {
      const rest: NodeChange<FlowNode>[] = [];
      const noteChanges: NodeChange<NoteFlowNode>[] = [];
      for (const c of changes) {
        const id = 'id' in c ? c.id : c.item.id;
        if (id.startsWith(NOTE_PREFIX)) noteChanges.push(c as unknown as NodeChange<NoteFlowNode>);
        else if (id.startsWith(GROUP_PREFIX)) {
          if (c.type !== 'position' || !c.position) continue;
          const groupId = id.slice(GROUP_PREFIX.length);
          if (!drag.current || drag.current.groupId !== groupId) {
            const frame = frames.find((f) => f.id === id);
            const group = groups.find((g) => g.id === groupId);
            if (!frame || !group) continue;
            const members = new Set(group.nodeIds);
            drag.current = {
              groupId,
              start: frame.position,
              delta: { x: 0, y: 0 },
              members: new Map(nodes.filter((n) => members.has(n.id)).map((n) => [n.id, n.position])),
            };
          }
          const d = drag.current;
          d.delta = { x: c.position.x - d.start.x, y: c.position.y - d.start.y };
          setNodes((prev) =>
            prev.map((n) => {
              const from = d.members.get(n.id);
              return from ? { ...n, position: { x: from.x + d.delta.x, y: from.y + d.delta.y } } : n;
            }),
          );
          if (c.dragging === false) finishGroupDrag();
        } else rest.push(c as NodeChange<FlowNode>);
      }
      if (noteChanges.length > 0) {
        setNoteNodes((prev) => applyNodeChanges(noteChanges.filter((c) => c.type !== 'remove'), prev));
        for (const c of noteChanges) {
          if (c.type === 'position' && c.position && c.dragging === false) {
            const noteId = c.id.slice(NOTE_PREFIX.length);
            const at = c.position;
            useDocument.getState().edit((g) => moveNote(g, noteId, at));
          }
        }
      }
      return rest;
    },
    [frames, groups, nodes, setNodes, finishGroupDrag],
  );

  /** Called on every drag stop: stores a moved note or a moved frame's members. */
  const onDragStop = useCallback(
    (dragged: { id: string; position: { x: number; y: number } }[]) => {
      for (const n of dragged) {
        if (n.id.startsWith(NOTE_PREFIX)) useDocument.getState().edit((g) => moveNote(g, n.id.slice(NOTE_PREFIX.length), n.position));
      }
      finishGroupDrag();
    },
    [finishGroupDrag],
  );

  /** Removes deleted notes; returns the flow ids that are not annotations. */
  const onDelete = useCallback((ids: string[]): string[] => {
    const gone = ids.filter((id) => id.startsWith(NOTE_PREFIX)).map((id) => id.slice(NOTE_PREFIX.length));
    if (gone.length > 0) useDocument.getState().edit((g) => removeNotes(g, gone));
    return ids.filter((id) => !isAnnotationId(id));
  }, []);

  return { annotationNodes, applyChanges, onDragStop, onDelete };
}

function GroupFrameView({ data }: NodeProps<GroupFrameNode>) {
  const edit = useDocument((s) => s.edit);
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(data.title);
  const [colors, setColors] = useState(false);
  useEffect(() => setTitle(data.title), [data.title]);
  const commit = () => {
    setEditing(false);
    const next = title.trim() || data.title;
    if (next !== data.title) edit((g) => renameGroup(g, data.groupId, next));
  };
  return (
    <div className="group-frame" style={{ borderColor: data.color, background: `${data.color}14` }} data-testid={`group-${data.groupId}`}>
      <div className="group-frame-header" style={{ background: `${data.color}33` }} onDoubleClick={() => setEditing(true)} data-testid={`group-header-${data.groupId}`}>
        {editing ? (
          <input
            className="group-title-input nodrag"
            value={title}
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commit();
              if (e.key === 'Escape') (setTitle(data.title), setEditing(false));
            }}
            data-testid={`group-title-input-${data.groupId}`}
          />
        ) : (
          <span className="group-title" data-testid={`group-title-${data.groupId}`}>
            {data.title}
          </span>
        )}
        <span className="group-tools nodrag">
          <button type="button" className="group-tool" title="Colour" onClick={() => setColors((o) => !o)} data-testid={`group-color-${data.groupId}`}>
            <span className="swatch" style={{ background: data.color }} />
          </button>
          <button type="button" className="group-tool" title="Ungroup (keeps the nodes)" onClick={() => edit((g) => ungroup(g, data.groupId))} data-testid={`group-ungroup-${data.groupId}`}>
            ✕
          </button>
        </span>
        {colors ? (
          <span className="group-colors nodrag">
            {GROUP_COLORS.map((c) => (
              <button
                key={c}
                type="button"
                className="swatch-button"
                title={c}
                onClick={() => (setColors(false), edit((g) => recolorGroup(g, data.groupId, c)))}
                data-testid={`group-color-${data.groupId}-${c.slice(1)}`}
              >
                <span className="swatch" style={{ background: c }} />
              </button>
            ))}
          </span>
        ) : null}
      </div>
    </div>
  );
}

function NoteView({ data, selected }: NodeProps<NoteFlowNode>) {
  const edit = useDocument((s) => s.edit);
  const [editing, setEditing] = useState(data.text === '');
  const [text, setText] = useState(data.text);
  useEffect(() => setText(data.text), [data.text]);
  const commit = () => {
    setEditing(false);
    if (text !== data.text) edit((g) => setNoteText(g, data.noteId, text));
  };
  return (
    <div className={`note${selected ? ' selected' : ''}`} onDoubleClick={() => setEditing(true)} data-testid={`note-${data.noteId}`}>
      {editing ? (
        <textarea
          className="note-editor nodrag nowheel"
          value={text}
          autoFocus
          placeholder="Markdown…"
          onChange={(e) => setText(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey))) commit();
          }}
          data-testid={`note-editor-${data.noteId}`}
        />
      ) : text.trim() ? (
        <MarkdownView source={text} />
      ) : (
        <p className="muted">Double-click to write a note.</p>
      )}
    </div>
  );
}

export const annotationNodeTypes = { groupFrame: memo(GroupFrameView), note: memo(NoteView) };
