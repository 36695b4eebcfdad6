/**
 * Every relative link of README.md and docs/**\/*.md names a file that exists, so moving a page cannot
 * leave a link behind. The checker is tried on a tree with a broken link first, so an empty answer for
 * the repository means something.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brokenLinks, markdownFiles, relativeLinks } from './doc-links';

test('the checker finds a broken link and ignores code, external links and bare anchors', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-links-'));
  fs.mkdirSync(path.join(root, 'docs/sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'README.md'), '[ok](docs/a.md) [gone](docs/gone.md#x)\n');
  fs.writeFileSync(
    path.join(root, 'docs/a.md'),
    [
      '[up](../README.md) ![pic](sub/b.md) [web](https://example.com) [here](#top) `[code](no.md)`',
      '```md',
      '[fenced](no.md)',
      '```',
      '[moved](operations.md#retry) and [two',
      'lines](gone.md)',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(root, 'docs/sub/b.md'), '[back](../a.md#x)\n');
  expect(markdownFiles(root).sort()).toEqual(['README.md', 'docs/a.md', 'docs/sub/b.md']);
  expect(brokenLinks(root, markdownFiles(root))).toEqual([
    'README.md:1 → docs/gone.md#x',
    'docs/a.md:5 → operations.md#retry',
    'docs/a.md:5 → gone.md',
  ]);
  expect(relativeLinks('docs/a.md', '[t](b.md "title")')).toEqual([{ file: 'docs/a.md', line: 1, target: 'b.md' }]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('every relative link of the README and docs/ resolves to a file', () => {
  const root = path.resolve(__dirname, '../..');
  const files = markdownFiles(root);
  expect(files).toContain('docs/operations/retry.md');
  expect(files.flatMap((f) => relativeLinks(f, fs.readFileSync(path.join(root, f), 'utf8'))).length).toBeGreaterThan(
    50,
  );
  expect(brokenLinks(root, files)).toEqual([]);
});
