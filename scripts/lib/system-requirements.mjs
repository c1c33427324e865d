// What the tests need from the operating system, and how to get it on Debian. Pure functions only (no I/O), so the
// decisions can be unit-tested on any machine; scripts/ensure-system.mjs does the reading and the installing.
// Types for TypeScript callers (the tests) live beside this file in system-requirements.d.mts.

/** The Debian packages the test suite needs. `minimumVersion` compares upstream versions (epoch and revision dropped). */
export const REQUIREMENTS = [
  {
    // Playwright drives Debian's Chromium; Playwright's own browser downloads are not available offline.
    pkg: 'chromium',
    why: 'Chromium for the Playwright end-to-end tests (/usr/bin/chromium)',
    minimumVersion: undefined,
    fromBackports: false,
  },
  {
    // Dawn (npm `webgpu`, used by the kernel tests in Node) needs Vulkan 1.3 features that Debian 12's Mesa 22.3
    // lavapipe lacks; Mesa 25 from bookworm-backports has them.
    pkg: 'mesa-vulkan-drivers',
    why: 'Mesa lavapipe Vulkan driver, new enough for Dawn (WebGPU in Node)',
    minimumVersion: '25',
    fromBackports: true,
  },
  {
    pkg: 'libvulkan1',
    why: 'the Vulkan loader Dawn links against',
    minimumVersion: undefined,
    fromBackports: true,
  },
];

/**
 * Compares two dotted numeric upstream versions: is `version` at least `minimum`? Accepts full Debian versions
 * ("1:25.0.7-2~bpo12+1"); only the leading dotted digits of the upstream part are compared.
 */
export function upstreamVersionAtLeast(version, minimum) {
  const have = numericParts(upstreamPart(version));
  const want = numericParts(minimum);
  for (let i = 0; i < Math.max(have.length, want.length); i++) {
    const h = have[i] ?? 0;
    const w = want[i] ?? 0;
    if (h !== w) return h > w;
  }
  return true;
}

function upstreamPart(debianVersion) {
  const withoutEpoch = debianVersion.includes(':') ? debianVersion.slice(debianVersion.indexOf(':') + 1) : debianVersion;
  const dash = withoutEpoch.lastIndexOf('-');
  return dash === -1 ? withoutEpoch : withoutEpoch.slice(0, dash);
}

function numericParts(version) {
  const match = /^\d+(\.\d+)*/.exec(version);
  return match === null ? [] : match[0].split('.').map(Number);
}

/**
 * Parses `dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Version}\n' ...` output into a map from package name to
 * installed version. Packages that are only half there (removed with config files left, half-configured) are absent.
 */
export function parseDpkgQuery(output) {
  const installed = new Map();
  for (const line of output.split('\n')) {
    const [pkg, status, version] = line.split('\t');
    if (pkg && status === 'installed' && version) installed.set(pkg, version);
  }
  return installed;
}

/** The requirements that `installed` (package -> version) does not meet, each with the reason it is not met. */
export function findUnmet(installed, requirements = REQUIREMENTS) {
  const unmet = [];
  for (const req of requirements) {
    const version = installed.get(req.pkg);
    if (version === undefined) {
      unmet.push({ ...req, found: undefined, problem: 'not installed' });
    } else if (req.minimumVersion !== undefined && !upstreamVersionAtLeast(version, req.minimumVersion)) {
      unmet.push({ ...req, found: version, problem: `version ${version} is older than ${req.minimumVersion}` });
    }
  }
  return unmet;
}

/** Reads VERSION_CODENAME and ID out of /etc/os-release text. */
export function parseOsRelease(text) {
  const fields = new Map();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (match) fields.set(match[1], match[3]);
  }
  return { id: fields.get('ID'), codename: fields.get('VERSION_CODENAME') };
}

/**
 * Splits deb822 text (apt's *.sources format) into stanzas of fields. Field names keep their case; a value keeps its
 * continuation lines (an inline Signed-By key block spans many), so a field can be written back unchanged.
 */
export function parseDeb822(text) {
  const stanzas = [];
  let fields = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (fields.length > 0) stanzas.push(fields);
      fields = [];
    } else if (/^\s/.test(line)) {
      const last = fields.at(-1);
      if (last) last.value += `\n${line}`;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  if (fields.length > 0) stanzas.push(fields);
  return stanzas;
}

function field(stanza, name) {
  return stanza.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
}

function suitesOf(stanza) {
  return (field(stanza, 'Suites') ?? '').split(/\s+/).filter(Boolean);
}

function isEnabled(stanza) {
  return (field(stanza, 'Enabled') ?? 'yes').toLowerCase() !== 'no';
}

/**
 * Is `<codename>-backports` already an apt source? `sourceFiles` maps a path to its text: deb822 `*.sources` files and
 * one-line `sources.list` / `*.list` files are both understood.
 */
export function hasBackportsSource(sourceFiles, codename) {
  const suite = `${codename}-backports`;
  for (const [path, text] of sourceFiles) {
    if (path.endsWith('.sources')) {
      if (parseDeb822(text).some((s) => isEnabled(s) && suitesOf(s).includes(suite))) return true;
    } else {
      const oneLine = text.split('\n').filter((l) => /^\s*deb\s/.test(l));
      if (oneLine.some((l) => l.split(/\s+/).includes(suite))) return true;
    }
  }
  return false;
}

/**
 * The deb822 stanza for `<codename>-backports`, derived from the stanza that already serves `<codename>` (Debian's own
 * debian.sources): same Types, URIs, Components and Signed-By, so the mirror and key stay whatever this machine trusts.
 * Returns undefined when no deb822 stanza serves `<codename>`.
 */
export function deriveBackportsStanza(sourceFiles, codename) {
  for (const [, text] of [...sourceFiles].filter(([path]) => path.endsWith('.sources'))) {
    const base = parseDeb822(text).find((s) => isEnabled(s) && suitesOf(s).includes(codename));
    if (base === undefined) continue;
    const lines = [];
    for (const f of base) {
      const lower = f.name.toLowerCase();
      if (lower === 'suites') lines.push(`${f.name}: ${codename}-backports`);
      else if (['types', 'uris', 'components', 'signed-by', 'architectures'].includes(lower)) {
        lines.push(`${f.name}: ${f.value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
  return undefined;
}

/** Where ensure-system writes the derived stanza (the name Debian's own images use for it). */
export const BACKPORTS_SOURCE_PATH = '/etc/apt/sources.list.d/backports.sources';

/**
 * The steps that would meet `unmet` on this Debian release. Mesa comes from backports only where the release's own
 * Mesa is too old (bookworm); later releases install it from their main suite. Each step is an argv plus, for the
 * source file, its contents.
 */
export function planInstall(unmet, { codename, backportsConfigured, backportsStanza }) {
  const useBackports = codename === 'bookworm';
  const steps = [];
  if (unmet.length === 0) return steps;
  if (useBackports && unmet.some((r) => r.fromBackports) && !backportsConfigured) {
    if (backportsStanza === undefined) {
      throw new Error(
        `no apt source for '${codename}' found in /etc/apt/sources.list.d/*.sources to derive ${codename}-backports from`,
      );
    }
    steps.push({ kind: 'write-file', path: BACKPORTS_SOURCE_PATH, contents: backportsStanza });
  }
  steps.push({ kind: 'run', argv: ['apt-get', 'update'] });
  const plain = unmet.filter((r) => !(useBackports && r.fromBackports)).map((r) => r.pkg);
  // Install the whole backports group together, even the parts already present, so their versions match.
  const backported = useBackports && unmet.some((r) => r.fromBackports)
    ? REQUIREMENTS.filter((r) => r.fromBackports).map((r) => r.pkg)
    : [];
  if (plain.length > 0) steps.push({ kind: 'run', argv: ['apt-get', 'install', '-y', ...plain] });
  if (backported.length > 0) {
    steps.push({ kind: 'run', argv: ['apt-get', 'install', '-y', '-t', `${codename}-backports`, ...backported] });
  }
  return steps;
}

/** The plan as shell commands a person can paste (with sudo, for a non-root user). */
export function planAsShell(steps, { sudo }) {
  const prefix = sudo ? 'sudo ' : '';
  return steps.map((step) => {
    if (step.kind === 'write-file') {
      return `${prefix}tee ${step.path} >/dev/null <<'EOF'\n${step.contents}EOF`;
    }
    const env = step.argv[1] === 'install' ? 'DEBIAN_FRONTEND=noninteractive ' : '';
    return `${prefix}${env}${step.argv.join(' ')}`;
  });
}
