import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  REQUIREMENTS,
  deriveBackportsStanza,
  findUnmet,
  hasBackportsSource,
  parseDeb822,
  parseDpkgQuery,
  parseOsRelease,
  planAsShell,
  planInstall,
  upstreamVersionAtLeast,
} from '../../scripts/lib/system-requirements.mjs';

// The shape of Debian 12's stock /etc/apt/sources.list.d/debian.sources (the mirror here is only test data).
const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const DPKG_ALL_PRESENT = [
  'chromium\tinstalled\t156.0.8078.114-1~deb12u1',
  'libvulkan1\tinstalled\t1.3.239.0-1',
  'mesa-vulkan-drivers\tinstalled\t25.0.7-2~bpo12+1',
  '',
].join('\n');

describe('versions', () => {
  it('compares upstream versions, ignoring epoch and Debian revision', () => {
    expect(upstreamVersionAtLeast('25.0.7-2~bpo12+1', '25')).toBe(true);
    expect(upstreamVersionAtLeast('22.3.6-1+deb12u2', '25')).toBe(false);
    expect(upstreamVersionAtLeast('1:25.1.0-1', '25.0')).toBe(true);
    expect(upstreamVersionAtLeast('24.99-1', '25')).toBe(false);
    expect(upstreamVersionAtLeast('25', '25.0.1')).toBe(false);
  });
});

describe('what is missing', () => {
  it('finds nothing missing on a machine set up as WEBGPU-HERE.md says', () => {
    expect(findUnmet(parseDpkgQuery(DPKG_ALL_PRESENT))).toEqual([]);
  });

  it("flags Debian 12's own Mesa 22 as too old, and absent or half-removed packages as missing", () => {
    const dpkg = ['chromium\tconfig-files\t156.0-1', 'mesa-vulkan-drivers\tinstalled\t22.3.6-1+deb12u2', ''].join('\n');
    const unmet = findUnmet(parseDpkgQuery(dpkg));
    expect(unmet.map((r) => [r.pkg, r.problem])).toEqual([
      ['chromium', 'not installed'],
      ['mesa-vulkan-drivers', 'version 22.3.6-1+deb12u2 is older than 25'],
      ['libvulkan1', 'not installed'],
    ]);
  });

  it('reads the codename from os-release', () => {
    const text = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';
    expect(parseOsRelease(text)).toEqual({ id: 'debian', codename: 'bookworm' });
  });
});

describe('the backports source', () => {
  it('keeps multi-line values (an inline Signed-By key) and skips comments', () => {
    const text = 'Types: deb\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n# note\nSuites: x\n';
    expect(parseDeb822(text)).toEqual([
      [
        { name: 'Types', value: 'deb' },
        { name: 'Signed-By', value: '\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc' },
        { name: 'Suites', value: 'x' },
      ],
    ]);
  });

  it("derives bookworm-backports from the stanza serving bookworm, with that stanza's mirror and key", () => {
    const sources = new Map([['/etc/apt/sources.list.d/debian.sources', DEBIAN_SOURCES]]);
    expect(deriveBackportsStanza(sources, 'bookworm')).toBe(
      [
        'Types: deb',
        'URIs: http://mirror.example/debian',
        'Suites: bookworm-backports',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
        '',
      ].join('\n'),
    );
    expect(deriveBackportsStanza(sources, 'trixie')).toBeUndefined();
  });

  it('notices backports configured in deb822 or one-line form, but not when disabled', () => {
    const derived = `${deriveBackportsStanza(new Map([['d.sources', DEBIAN_SOURCES]]), 'bookworm')}`;
    expect(hasBackportsSource(new Map([['d.sources', DEBIAN_SOURCES]]), 'bookworm')).toBe(false);
    expect(hasBackportsSource(new Map([['b.sources', derived]]), 'bookworm')).toBe(true);
    expect(hasBackportsSource(new Map([['b.sources', `${derived}Enabled: no\n`]]), 'bookworm')).toBe(false);
    const oneLine = 'deb [signed-by=/k.gpg] http://mirror.example/debian bookworm-backports main\n';
    expect(hasBackportsSource(new Map([['/etc/apt/sources.list', oneLine]]), 'bookworm')).toBe(true);
  });

  // Where this machine was set up by hand (WEBGPU-HERE.md), the derivation must reproduce that file.
  const handWritten = '/etc/apt/sources.list.d/backports.sources';
  const stock = '/etc/apt/sources.list.d/debian.sources';
  it.skipIf(!existsSync(handWritten) || !existsSync(stock))('reproduces the hand-written backports.sources here', () => {
    const derived = deriveBackportsStanza(new Map([[stock, readFileSync(stock, 'utf8')]]), 'bookworm');
    expect(derived).toBeDefined();
    expect(parseDeb822(`${derived}`)).toEqual(parseDeb822(readFileSync(handWritten, 'utf8')));
  });
});

describe('the install plan', () => {
  const everythingMissing = findUnmet(new Map());
  const stanza = deriveBackportsStanza(new Map([['d.sources', DEBIAN_SOURCES]]), 'bookworm');

  it('on bookworm: writes the backports source, updates, installs Chromium plainly and Mesa from backports', () => {
    const steps = planInstall(everythingMissing, {
      codename: 'bookworm',
      backportsConfigured: false,
      backportsStanza: stanza,
    });
    expect(steps).toEqual([
      { kind: 'write-file', path: '/etc/apt/sources.list.d/backports.sources', contents: stanza },
      { kind: 'run', argv: ['apt-get', 'update'] },
      { kind: 'run', argv: ['apt-get', 'install', '-y', 'chromium'] },
      { kind: 'run', argv: ['apt-get', 'install', '-y', '-t', 'bookworm-backports', 'mesa-vulkan-drivers', 'libvulkan1'] },
    ]);
    expect(planAsShell(steps, { sudo: true }).slice(1)).toEqual([
      'sudo apt-get update',
      'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium',
      'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1',
    ]);
  });

  it('does not touch sources when backports is already there, nor install what is present', () => {
    const onlyChromium = everythingMissing.filter((r) => r.pkg === 'chromium');
    const steps = planInstall(onlyChromium, { codename: 'bookworm', backportsConfigured: true, backportsStanza: stanza });
    expect(steps.map((s) => (s.kind === 'run' ? s.argv.join(' ') : s.kind))).toEqual([
      'apt-get update',
      'apt-get install -y chromium',
    ]);
  });

  it('on a later release (own Mesa new enough) installs everything from its main suite', () => {
    const steps = planInstall(everythingMissing, { codename: 'trixie', backportsConfigured: false, backportsStanza: undefined });
    const packages = REQUIREMENTS.map((r) => r.pkg);
    expect(steps).toEqual([
      { kind: 'run', argv: ['apt-get', 'update'] },
      { kind: 'run', argv: ['apt-get', 'install', '-y', ...packages] },
    ]);
  });

  it('refuses, naming what it looked for, when no source serves the release', () => {
    expect(() =>
      planInstall(everythingMissing, { codename: 'bookworm', backportsConfigured: false, backportsStanza: undefined }),
    ).toThrow(/no apt source for 'bookworm'/);
  });

  it('plans nothing when nothing is missing', () => {
    expect(planInstall([], { codename: 'bookworm', backportsConfigured: false, backportsStanza: undefined })).toEqual([]);
  });
});
