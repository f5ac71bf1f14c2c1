import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelConfigError, resolveModelConfig } from '../../src/model/config.js';

describe('resolveModelConfig', () => {
  it('defaults to replay with a placeholder key when no server is configured', () => {
    const config = resolveModelConfig({});
    expect(config.mode).toBe('replay');
    expect(config.apiKey).not.toBe('');
    expect(config.model).toBe('gpt-4o-mini');
    expect(config.timeoutMs).toBe(60_000);
    expect(config.baseURL).toBeUndefined();
    expect(path.basename(config.fixturesDir)).toBe('fixtures');
    expect(path.isAbsolute(config.fixturesDir)).toBe(true);
  });

  it('defaults to live when a key or a base URL is present', () => {
    expect(resolveModelConfig({ OPENAI_API_KEY: 'sk-test' }).mode).toBe('live');
    const local = resolveModelConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(local.mode).toBe('live');
    expect(local.baseURL).toBe('http://127.0.0.1:11434/v1');
  });

  it('never hands a real key to replay mode', () => {
    const config = resolveModelConfig({ OPENAI_API_KEY: 'sk-secret', QUIZFORGE_MODEL_MODE: 'replay' });
    expect(config.mode).toBe('replay');
    expect(config.apiKey).not.toBe('sk-secret');
  });

  it('reads every variable', () => {
    const config = resolveModelConfig({
      QUIZFORGE_MODEL_MODE: 'record',
      OPENAI_API_KEY: 'sk-test',
      QUIZFORGE_MODEL: 'llama3.1',
      QUIZFORGE_MODEL_TIMEOUT_MS: '1500',
      QUIZFORGE_FIXTURES_DIR: '/tmp/cassettes',
    });
    expect(config).toMatchObject({
      mode: 'record',
      apiKey: 'sk-test',
      model: 'llama3.1',
      timeoutMs: 1500,
      fixturesDir: '/tmp/cassettes',
    });
  });

  it('reads the output mode and per-model overrides, defaulting to discovery', () => {
    expect(resolveModelConfig({}).outputMode).toBe('auto');
    const config = resolveModelConfig({
      QUIZFORGE_OUTPUT_MODE: 'json_object',
      QUIZFORGE_OUTPUT_MODES: ' deepseek-chat=json_object , org/model:8b=tools ',
    });
    expect(config.outputMode).toBe('json_object');
    expect(config.outputModeOverrides).toEqual({ 'deepseek-chat': 'json_object', 'org/model:8b': 'tools' });
  });

  it('treats empty variables as unset', () => {
    expect(resolveModelConfig({ OPENAI_API_KEY: '', QUIZFORGE_MODEL_MODE: '' }).mode).toBe('replay');
  });

  it.each([
    [{ QUIZFORGE_MODEL_MODE: 'fake' }, 'QUIZFORGE_MODEL_MODE'],
    [{ QUIZFORGE_MODEL_TIMEOUT_MS: 'soon' }, 'QUIZFORGE_MODEL_TIMEOUT_MS'],
    [{ QUIZFORGE_MODEL_TIMEOUT_MS: '-5' }, 'QUIZFORGE_MODEL_TIMEOUT_MS'],
    [{ OPENAI_BASE_URL: 'localhost:8080' }, 'OPENAI_BASE_URL'],
    [{ QUIZFORGE_MODEL_MODE: 'record' }, 'OPENAI_API_KEY'],
    [{ QUIZFORGE_OUTPUT_MODE: 'yaml' }, 'QUIZFORGE_OUTPUT_MODE'],
    [{ QUIZFORGE_OUTPUT_MODES: 'deepseek-chat:json_object' }, 'QUIZFORGE_OUTPUT_MODES'],
    [{ QUIZFORGE_OUTPUT_MODES: 'a=tools,b=grammar' }, 'QUIZFORGE_OUTPUT_MODES'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => resolveModelConfig(env)).toThrow(ModelConfigError);
    expect(() => resolveModelConfig(env)).toThrow(variable);
  });
});
