import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { SafeTuneError } from '../../engine/errors';
import { formatReport, loadDataset } from '../../engine/data';
import { isRowFormat } from '../../engine/data/parsing/row-formats';
import { loadTokenizer } from '../../engine/tokenizer/load-tokenizer';
import { DirectoryFiles } from '../../node-host/fs-files';
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
  const tokenizer = await loadTokenizer(new DirectoryFiles(requireString('data-report', v, 'model')));
  const { report } = await loadDataset(await readDataFile(dataPath), basename(dataPath), tokenizer, {
    maxLength: optionalNumber('data-report', v, 'max-length', true) ?? 512,
    ...(typeof format === 'string' && isRowFormat(format) ? { format } : {}),
  });
  process.stdout.write(formatReport(report) + '\n');
}
