// Renders node docs from the small markdown reader as React elements (text only, no raw HTML).
import { useMemo } from 'react';
import { parseMarkdown, type Inline } from '../lib/markdown';

function Inlines({ content }: { content: Inline[] }) {
  return (
    <>
      {content.map((part, i) => {
        switch (part.kind) {
          case 'text':
            return <span key={i}>{part.text}</span>;
          case 'code':
            return <code key={i}>{part.text}</code>;
          case 'strong':
            return <strong key={i}>{part.text}</strong>;
          case 'em':
            return <em key={i}>{part.text}</em>;
          case 'link':
            // Docs open nothing by themselves: a link is shown with its target, not followed.
            return (
              <span key={i} className="doc-link" title={part.href}>
                {part.text}
              </span>
            );
        }
      })}
    </>
  );
}

export function MarkdownView({ source }: { source: string }) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  return (
    <div className="markdown">
      {blocks.map((block, i) => {
        switch (block.kind) {
          case 'heading': {
            const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
            return (
              <Tag key={i}>
                <Inlines content={block.content} />
              </Tag>
            );
          }
          case 'paragraph':
            return (
              <p key={i}>
                <Inlines content={block.content} />
              </p>
            );
          case 'list': {
            const Tag = block.ordered ? 'ol' : 'ul';
            return (
              <Tag key={i}>
                {block.items.map((item, j) => (
                  <li key={j}>
                    <Inlines content={item} />
                  </li>
                ))}
              </Tag>
            );
          }
          case 'code':
            return <pre key={i}>{block.text}</pre>;
          case 'table':
            return (
              <table key={i}>
                <tbody>
                  {block.rows.map((row, r) => (
                    <tr key={r}>
                      {row.map((cell, c) =>
                        r === 0 ? (
                          <th key={c}>
                            <Inlines content={cell} />
                          </th>
                        ) : (
                          <td key={c}>
                            <Inlines content={cell} />
                          </td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            );
        }
      })}
    </div>
  );
}
