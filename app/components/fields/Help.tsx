import { useId, useState } from 'react';

/**
 * A "?" beside a field's label that explains the field: a real button, so it is reached with Tab and opened with
 * Enter, Space, a click or a tap (a hover-only tooltip leaves out keyboards and touch screens); the text shows under
 * the label until it is pressed again. The text also stays in the button's title for a mouse hover.
 */
export function Help({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="help"
        title={text}
        aria-label="What is this?"
        aria-expanded={open}
        aria-controls={id}
        onClick={(e) => {
          e.preventDefault(); // inside a <label>: do not pass the click on to the field
          setOpen((o) => !o);
        }}
      >
        ?
      </button>
      {open && (
        <span id={id} className="help-text" role="note">
          {text}
        </span>
      )}
    </>
  );
}
