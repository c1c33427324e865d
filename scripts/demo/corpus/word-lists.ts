/**
 * The small fact tables the demo corpus is built from. Written for this project (no public data set is copied):
 * common facts a tiny model can memorise.
 */

/** Country → capital, for the `capital` task family. */
export const CAPITALS: readonly (readonly [string, string])[] = [
  ['France', 'Paris'],
  ['Germany', 'Berlin'],
  ['Italy', 'Rome'],
  ['Spain', 'Madrid'],
  ['Portugal', 'Lisbon'],
  ['Japan', 'Tokyo'],
  ['China', 'Beijing'],
  ['India', 'New Delhi'],
  ['Egypt', 'Cairo'],
  ['Kenya', 'Nairobi'],
  ['Canada', 'Ottawa'],
  ['Mexico', 'Mexico City'],
  ['Brazil', 'Brasilia'],
  ['Peru', 'Lima'],
  ['Chile', 'Santiago'],
  ['Russia', 'Moscow'],
  ['Poland', 'Warsaw'],
  ['Greece', 'Athens'],
  ['Norway', 'Oslo'],
  ['Sweden', 'Stockholm'],
  ['Finland', 'Helsinki'],
  ['Ireland', 'Dublin'],
  ['Austria', 'Vienna'],
  ['Hungary', 'Budapest'],
  ['Turkey', 'Ankara'],
  ['Thailand', 'Bangkok'],
  ['Vietnam', 'Hanoi'],
  ['Australia', 'Canberra'],
  ['Argentina', 'Buenos Aires'],
  ['Cuba', 'Havana'],
];

/** Unit conversions for the `convert` task family: [from (plural), to (plural), factor]. */
export const CONVERSIONS: readonly (readonly [string, string, number])[] = [
  ['hours', 'minutes', 60],
  ['minutes', 'seconds', 60],
  ['days', 'hours', 24],
  ['weeks', 'days', 7],
  ['meters', 'centimeters', 100],
  ['kilometers', 'meters', 1000],
  ['feet', 'inches', 12],
];
