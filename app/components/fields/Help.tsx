/** A small "?" that explains a field on hover (and to screen readers), next to its label. */
export function Help({ text }: { text: string }) {
  return (
    <span className="help" title={text} aria-label={text} role="img">
      ?
    </span>
  );
}
