// After `tsc`: the pages use the server's labels (src/labels/labels.ts, compiled, with no imports of its
// own) as web/assets/js/shared/labels.js, so a visit type or a fund reads the same on a page, a slip and
// in the CLI: one definition. The copy is build output (ignored by git).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
mkdirSync(join(root, 'web', 'assets', 'js', 'shared'), { recursive: true });
copyFileSync(join(root, 'dist', 'labels', 'labels.js'), join(root, 'web', 'assets', 'js', 'shared', 'labels.js'));
