// The folders the API may list, open and save in. Whoever holds the session token of `condense serve`
// (or script in the app's page) would otherwise read and write anywhere the user can; instead every
// path from the page must lie inside one of these roots, after symlinks are resolved, and never in a
// system folder even when a root contains it (a server started in /).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Never listed, opened or written through the API, whatever the roots are. */
export const SYSTEM_FOLDERS = process.platform === 'win32' ? [] : ['/etc', '/proc', '/sys', '/dev', '/boot'];

function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : `${parent}${path.sep}`;
  return child.startsWith(prefix);
}

/** `file` with symlinks resolved as far as it exists, the rest (not created yet) appended. */
export function realPathOf(file: string): string {
  const absolute = path.resolve(file);
  const tail: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...tail.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      tail.push(path.basename(current));
      current = parent;
    }
  }
}

export function systemFolderOf(file: string): string | undefined {
  const real = realPathOf(file);
  return SYSTEM_FOLDERS.find((folder) => isInside(real, folder) || isInside(path.resolve(file), folder));
}

export class PathRoots {
  private roots: string[] = [];

  constructor(roots: string[] = []) {
    for (const root of roots) this.add(root);
  }

  /** Adds a root (a folder the user picked in a native dialog, `--allow DIR`). System folders are refused. */
  add(dir: string): void {
    const real = realPathOf(dir);
    const system = systemFolderOf(dir);
    if (system) throw new Error(`${dir} is inside ${system}, a system folder; it cannot be made available`);
    if (!this.roots.includes(real)) this.roots.push(real);
  }

  list(): string[] {
    return [...this.roots];
  }

  /** True when `file` may be used: inside a root and in no system folder. */
  allows(file: string): boolean {
    const real = realPathOf(file);
    return systemFolderOf(file) === undefined && this.roots.some((root) => isInside(real, root));
  }

  /**
   * `file` resolved, when it may be used for `action`; otherwise an error that names the path and the
   * roots, and how to add one.
   */
  check(file: string, action: string): string {
    const absolute = path.resolve(file);
    const system = systemFolderOf(absolute);
    if (system) throw new Error(`${action} ${absolute}: refused, ${system} is a system folder`);
    if (!this.allows(absolute)) {
      throw new Error(
        `${action} ${absolute}: refused, it is outside the folders this editor may use (${this.roots.join(', ') || 'none'}); ` +
          'start `condense serve --allow DIR` to add a folder',
      );
    }
    return absolute;
  }
}

export interface DefaultRootsOptions {
  /** The folder the server was started in. */
  cwd: string;
  /** $CONDENSE_HOME. */
  condenseHome: string;
  examplesDir: string;
  /** `--allow DIR` folders. */
  allow?: string[];
  /** The user's home folder (default: os.homedir()). */
  userHome?: string;
}

/** The user's home, the server's folder, the examples, $CONDENSE_HOME and the `--allow` folders. */
export function defaultRoots(options: DefaultRootsOptions): PathRoots {
  const roots = new PathRoots();
  for (const dir of [options.userHome ?? os.homedir(), options.cwd, options.examplesDir, options.condenseHome]) {
    // A home or start folder inside a system folder (a service account in /etc) is simply not a root.
    if (!systemFolderOf(dir)) roots.add(dir);
  }
  for (const dir of options.allow ?? []) roots.add(dir);
  return roots;
}
