// Types for system-requirements.mjs (plain JS so that `node` runs it before any dependency is installed).

export interface Requirement {
  pkg: string;
  why: string;
  minimumVersion: string | undefined;
  fromBackports: boolean;
}

export interface UnmetRequirement extends Requirement {
  found: string | undefined;
  problem: string;
}

export type InstallStep =
  | { kind: 'write-file'; path: string; contents: string }
  | { kind: 'run'; argv: string[] };

export interface Deb822Field {
  name: string;
  value: string;
}

export declare const REQUIREMENTS: readonly Requirement[];
export declare const BACKPORTS_SOURCE_PATH: string;

export declare function upstreamVersionAtLeast(version: string, minimum: string): boolean;
export declare function parseDpkgQuery(output: string): Map<string, string>;
export declare function findUnmet(
  installed: ReadonlyMap<string, string>,
  requirements?: readonly Requirement[],
): UnmetRequirement[];
export declare function parseOsRelease(text: string): { id: string | undefined; codename: string | undefined };
export declare function parseDeb822(text: string): Deb822Field[][];
export declare function hasBackportsSource(sourceFiles: ReadonlyMap<string, string>, codename: string): boolean;
export declare function deriveBackportsStanza(
  sourceFiles: ReadonlyMap<string, string>,
  codename: string,
): string | undefined;
export declare function planInstall(
  unmet: readonly UnmetRequirement[],
  context: { codename: string; backportsConfigured: boolean; backportsStanza: string | undefined },
): InstallStep[];
export declare function planAsShell(steps: readonly InstallStep[], options: { sudo: boolean }): string[];
