import { useApp } from '../store/app-store';

/**
 * The first rows as the model will see them, chat template applied; the tokens the loss is taken on are highlighted,
 * so the user can check that only the answers (and their end token) are trained.
 */
export function ConversationPreview() {
  const preview = useApp((s) => s.preview);
  if (preview.length === 0) return null;
  return (
    <div className="preview" data-testid="dataset-preview">
      <h4>
        Preview <span className="legend">highlighted: trained tokens</span>
      </h4>
      {preview.map((row) => (
        <figure key={row.source} className="preview-row">
          <figcaption>{row.source}</figcaption>
          <pre>
            {row.spans.map((span, i) =>
              span.trained ? (
                <mark key={i} data-trained="true">
                  {span.text}
                </mark>
              ) : (
                <span key={i}>{span.text}</span>
              ),
            )}
          </pre>
        </figure>
      ))}
    </div>
  );
}
