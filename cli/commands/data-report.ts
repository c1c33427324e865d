import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { formatReport, loadDataset } from '../../engine/data';
import { isRowFormat } from '../../engine/data/parsing/row-formats';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { readModelConfig } from '../../engine/model/load';
import { summarizeModel } from '../../engine/run/model-summary';
import { batchShapeForModel } from '../../engine/run/size-defaults';
import { modelFolder } from '../load';
import { optionalNumber, parseCommandArgs, requireString } from '../../node-host/args';

export async function readDataFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new SafeTuneError('missing-file', `dataset file ${path} cannot be read`, 'check the path passed to --data');
  }
}

/** Prints what training would see: rows by format, rejected rows with line numbers, token lengths, truncation. */
export async function dataReportCommand(argv: string[]): Promise<void> {
  const v = parseCommandArgs('data-report', argv, { model: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, 'max-length': { type: 'string' } });
  const dataPath = requireString('data-report', v, 'data');
  const format = v['format'];
  if (typeof format === 'string' && !isRowFormat(format)) throw new SafeTuneError('bad-argument', `data-report: unknown --format "${format}"`);
  const files = await modelFolder(requireString('data-report', v, 'model'));
  const tokenizer = await loadTokenizer(files);
  // Without --max-length: the length `train` would use for this model (engine/run/size-defaults.ts).
  const parameters = summarizeModel(await readModelConfig(files), files.description, tokenizer.hasChatTemplate, 'cpu').parameters;
  const { report } = await loadDataset(await readDataFile(dataPath), basename(dataPath), tokenizer, {
    maxLength: optionalNumber('data-report', v, 'max-length', true) ?? batchShapeForModel(parameters).maxLength,
    ...(typeof format === 'string' && isRowFormat(format) ? { format } : {}),
  });
  process.stdout.write(formatReport(report) + '\n');
}
