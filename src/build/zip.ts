import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

// fflate writes DOS times from the local-time fields of the Date, so a Date built from local fields gives the same
// bytes in every time zone. 1980-01-01 is the earliest DOS time.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const FILE_ATTRS = (0o100644 << 16) >>> 0;
const EXEC_ATTRS = (0o100755 << 16) >>> 0;

/** A zip whose bytes depend only on the entries: sorted names, fixed times, fixed permissions, fixed level. */
export function deterministicZip(entries: Record<string, Uint8Array>, executable: (name: string) => boolean = () => false): Uint8Array {
  const files: Zippable = {};
  for (const name of Object.keys(entries).sort()) {
    files[name] = [entries[name]!, { mtime: FIXED_MTIME, level: 9, os: 3, attrs: executable(name) ? EXEC_ATTRS : FILE_ATTRS }];
  }
  return zipSync(files);
}

/** All files under `dir` as zip entries named `${prefix}/<relative path>` (POSIX separators). */
export function directoryEntries(dir: string, prefix = ''): { entries: Record<string, Uint8Array>; executables: Set<string> } {
  const entries: Record<string, Uint8Array> = {};
  const executables = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) {
        const rel = relative(dir, full).split(sep).join('/');
        const key = prefix ? `${prefix}/${rel}` : rel;
        entries[key] = readFileSync(full);
        if (st.mode & 0o111) executables.add(key);
      }
    }
  };
  walk(dir);
  return { entries, executables };
}
