import { useState, type DragEvent } from 'react';
import { directoryPicker, filesFromDirectory, filesFromDrop, folderLabel } from '../model/local-folder';
import { useSession } from '../session-context';

/**
 * A model folder from disk (config.json, *.safetensors, tokenizer files): dropped, picked with the File System Access
 * picker where the browser has it, or with a folder <input> otherwise. Nothing leaves the machine.
 */
export function LocalModelPicker({ disabled }: { disabled: boolean }) {
  const session = useSession();
  const [over, setOver] = useState(false);
  const picker = directoryPicker();

  const load = (files: File[], label: string) => {
    if (files.length === 0) return;
    void session.loadModel({ kind: 'files', files }, label);
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    void filesFromDrop(e.dataTransfer).then((files) => load(files, folderLabel(files, 'dropped folder')));
  };

  return (
    <div className="tab-panel">
      <div
        className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
        data-testid="model-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop a model folder here (config.json, model.safetensors or its shards, tokenizer.json, tokenizer_config.json).</p>
        <div className="buttons">
          {picker !== undefined && (
            <button
              type="button"
              disabled={disabled}
              onClick={() =>
                void picker({ mode: 'read' }).then(
                  async (handle) => load(await filesFromDirectory(handle), `local folder ${handle.name}`),
                  () => undefined, // the user closed the picker
                )
              }
            >
              Choose folder…
            </button>
          )}
          <label className="file-button">
            {picker !== undefined ? 'or pick its files' : 'Choose folder…'}
            <input
              type="file"
              multiple
              // webkitdirectory picks a whole folder in every current browser; React passes unknown attributes through.
              {...{ webkitdirectory: '' }}
              data-testid="model-folder-input"
              disabled={disabled}
              onChange={(e) => {
                const files = Array.from(e.target.files ?? []);
                e.target.value = '';
                load(files, folderLabel(files));
              }}
            />
          </label>
        </div>
      </div>
    </div>
  );
}
