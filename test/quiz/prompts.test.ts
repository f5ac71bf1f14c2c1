import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrompts, placeholders, promptsVersion, renderPrompt, type PromptTemplate } from '../../src/quiz/prompts.js';

function promptDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qf-prompts-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.md`), text);
  return dir;
}

const template = (text: string): PromptTemplate => ({ name: 'generate', text, version: 'test' });

describe('loadPrompts', () => {
  const prompts = loadPrompts();

  it('loads the repository templates with versions = first 12 hex of sha256(content)', () => {
    for (const name of ['system', 'generate', 'repair'] as const) {
      const text = readFileSync(new URL(`../../prompts/${name}.md`, import.meta.url), 'utf8');
      expect(prompts[name].name).toBe(name);
      expect(prompts[name].text).toBe(text);
      expect(prompts[name].version).toBe(createHash('sha256').update(text).digest('hex').slice(0, 12));
    }
  });

  it('reads once and returns the same object', () => {
    expect(loadPrompts()).toBe(prompts);
  });

  it('versions are content hashes: same content same version, any change a new one', () => {
    const files = { system: 'S', generate: 'G {{topic}}', repair: 'R' };
    const a = loadPrompts(promptDir(files));
    const b = loadPrompts(promptDir(files));
    expect(b.generate.version).toBe(a.generate.version);
    expect(promptsVersion(b)).toBe(promptsVersion(a));
    const c = loadPrompts(promptDir({ ...files, repair: 'R.' }));
    expect(c.repair.version).not.toBe(a.repair.version);
    expect(c.system.version).toBe(a.system.version);
    expect(promptsVersion(c)).not.toBe(promptsVersion(a));
    expect(promptsVersion(a)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('CRLF checkouts hash like LF ones', () => {
    const lf = loadPrompts(promptDir({ system: 'a\nb\n', generate: 'g', repair: 'r' }));
    const crlf = loadPrompts(promptDir({ system: 'a\r\nb\r\n', generate: 'g', repair: 'r' }));
    expect(crlf.system.version).toBe(lf.system.version);
  });

  it('fails at load on a malformed placeholder or a missing file', () => {
    expect(() => loadPrompts(promptDir({ system: 'S', generate: 'G {{topic}', repair: 'R' }))).toThrow(/malformed placeholder/);
    expect(() => loadPrompts(promptDir({ system: 'S', generate: 'G' }))).toThrow(/repair\.md/);
  });

  it('the repository templates use exactly the placeholders the pipeline provides', () => {
    expect(placeholders(prompts.system)).toEqual([]);
    expect(placeholders(prompts.generate).sort()).toEqual(['audience', 'count', 'difficulty', 'language', 'maxIndex', 'options', 'topic']);
    expect(placeholders(prompts.repair).sort()).toEqual(['failing', 'failingCount', 'issues', 'maxIndex', 'options', 'previousOutput']);
  });
});

describe('renderPrompt', () => {
  it('substitutes strings and numbers, with or without inner spaces', () => {
    expect(renderPrompt(template('{{count}} on {{ topic }}.'), { count: 5, topic: 'tides' })).toBe('5 on tides.');
    expect(renderPrompt('plain text', {})).toBe('plain text');
  });

  it('throws on a missing placeholder, naming every one', () => {
    expect(() => renderPrompt(template('{{topic}} {{cuont}} {{level}}'), { topic: 't', count: 1 })).toThrow('prompt generate: no value for {{cuont}}, {{level}}');
  });

  it('does not re-expand placeholders inside substituted values', () => {
    const out = renderPrompt(template('<prev>{{previousOutput}}</prev> {{topic}}'), { previousOutput: '{{topic}} and {{secret}}', topic: 'bees' });
    expect(out).toBe('<prev>{{topic}} and {{secret}}</prev> bees');
  });

  it('keeps $ patterns in values literally', () => {
    expect(renderPrompt(template('x{{v}}y'), { v: "$& $1 $$ $'" })).toBe("x$& $1 $$ $'y");
  });

  it('ignores extra variables', () => {
    expect(renderPrompt(template('{{a}}'), { a: 1, unused: 'x' })).toBe('1');
  });

  it('renders every repository template with the pipeline variables', () => {
    const prompts = loadPrompts();
    const vars = { topic: 'Volcanoes', count: 5, options: 4, maxIndex: 3, difficulty: 'easy', audience: 'children', language: 'en', previousOutput: '{"questions": []}', issues: '- questions [question_count]: …', failing: 'questions[0], questions[3]', failingCount: 2 };
    for (const t of Object.values(prompts)) {
      const out = renderPrompt(t, vars);
      expect(out).not.toMatch(/\{\{|\}\}/);
    }
    expect(renderPrompt(prompts.repair, vars)).toContain('exactly 2 questions');
  });
});
