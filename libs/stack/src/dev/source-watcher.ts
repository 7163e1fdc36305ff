import { transformFile, type Options } from '@swc/core';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** A workspace whose src/ is compiled to dist/ on save, and the apps to restart when it changes. */
export interface WatchedWorkspace {
  dir: string;
  restarts: string[];
}

export interface SourceChange {
  /** Files compiled (or removed) in this batch, relative to the repository. */
  files: string[];
  /** Apps to restart (union over the batch). */
  restarts: string[];
  /** Compile errors; no app is restarted when there is one. */
  errors: string[];
}

const isSource = (file: string) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts');

/**
 * The watch half of `npm run dev` (pattern: incremental SWC build + restart). A saved .ts file under
 * a watched src/ is compiled alone with the same .swcrc as scripts/build.mjs (decorator metadata
 * kept for NestJS DI; a few ms per file) into dist/, a deleted one is removed from dist/; saves
 * within `debounceMs` form one batch, then onChange names the apps to restart. Type checking stays
 * with the editor and `npm run typecheck`, as in the build.
 * Tested in infra/test/stack/dev-mode.e2e.spec.ts (a saved change is served after the restart).
 */
export class SourceWatcher {
  private readonly watchers: FSWatcher[] = [];
  private pending = new Map<string, WatchedWorkspace>();
  private timer?: NodeJS.Timeout;
  private swc?: Options;

  constructor(
    private readonly root: string,
    private readonly workspaces: WatchedWorkspace[],
    private readonly onChange: (change: SourceChange) => void,
    private readonly debounceMs = 150,
  ) {}

  async start(): Promise<void> {
    const swcrc = JSON.parse(await readFile(join(this.root, '.swcrc'), 'utf8')) as Options & { $schema?: string };
    delete swcrc.$schema;
    this.swc = { ...swcrc, swcrc: false };
    for (const ws of this.workspaces) {
      const src = join(ws.dir, 'src');
      const watcher = watch(src, { recursive: true }, (_event, name) => {
        if (!name || !isSource(name)) return;
        this.pending.set(join(src, name), ws);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), this.debounceMs);
      });
      this.watchers.push(watcher);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending = new Map();
    const restarts = new Set<string>();
    const errors: string[] = [];
    for (const [file, ws] of batch) {
      try {
        await this.compile(file, ws.dir);
        for (const app of ws.restarts) restarts.add(app);
      } catch (error) {
        errors.push(`${relative(this.root, file)}: ${(error as Error).message}`);
      }
    }
    this.onChange({ files: batch.map(([file]) => relative(this.root, file)), restarts: errors.length ? [] : [...restarts], errors });
  }

  private async compile(file: string, dir: string): Promise<void> {
    const target = join(dir, 'dist', relative(join(dir, 'src'), file)).replace(/\.ts$/, '.js');
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await rm(target, { force: true });
      await rm(`${target}.map`, { force: true });
      return;
    }
    const { code, map } = await transformFile(file, { ...this.swc, filename: file, sourceFileName: relative(dirname(target), file) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
  }
}
