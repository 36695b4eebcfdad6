/**
 * The relative links of the README and docs/: every `[text](target)` and `![alt](target)` outside code
 * (fenced blocks and inline code are text, not links), with the file it is in and its line.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DocLink {
  /** The markdown file, relative to the root. */
  file: string;
  line: number;
  target: string;
}

/** README.md and every .md under docs/, relative to `root`. */
export function markdownFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) return walk(rel);
      return e.name.endsWith('.md') ? [rel] : [];
    });
  return ['README.md', ...walk('docs')];
}

const LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/**
 * The links of one markdown text that stay inside the repository (no scheme, not a bare `#anchor`). Code
 * is blanked out first, keeping every offset, so a link whose text runs over two lines is still found.
 */
export function relativeLinks(file: string, text: string): DocLink[] {
  let fence: string | null = null;
  const prose = text
    .split('\n')
    .map((line) => {
      const opener = /^\s*(`{3,}|~{3,})/.exec(line);
      const inCode = fence !== null || opener !== null;
      if (opener && fence === null) fence = opener[1];
      else if (opener && fence !== null && opener[1].startsWith(fence)) fence = null;
      if (inCode) return ' '.repeat(line.length);
      return line.replace(/(`+)[\s\S]*?\1/g, (code) => ' '.repeat(code.length));
    })
    .join('\n');
  const links: DocLink[] = [];
  for (const m of prose.matchAll(LINK)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    links.push({ file, line: prose.slice(0, m.index).split('\n').length, target });
  }
  return links;
}

/** The links whose file does not exist, as `file:line → target`. */
export function brokenLinks(root: string, files: string[]): string[] {
  return files.flatMap((file) =>
    relativeLinks(file, fs.readFileSync(path.join(root, file), 'utf8'))
      .filter(({ target }) => {
        const filePart = decodeURIComponent(target.split('#')[0]);
        return !fs.existsSync(path.join(root, path.dirname(file), filePart));
      })
      .map(({ file: f, line, target }) => `${f}:${line} → ${target}`),
  );
}
