/** A report's Markdown, formatted like every other Markdown file of the repository (`npm run lint` stays clean). */
import fs from 'node:fs';
import * as prettier from 'prettier';

export async function writeMarkdown(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
