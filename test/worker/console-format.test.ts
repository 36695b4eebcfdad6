/**
 * A console a person can read. The worker and the platform run as child processes under a
 * pseudo-terminal (`script` from util-linux) and without one: readable lines on the terminal (time, level,
 * component, message; no `{`), JSON lines elsewhere, LOG_FORMAT overriding either way (and refused when
 * unknown), no READY handshake on a terminal (it is still given, and never forwarded, through a pipe),
 * webpack's bundle report at debug only, secrets redacted in the readable format too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { logFormat, prettyLine } from '../../common/logger';
import { ROOT } from '../../scripts/lib/paths';
import { startService } from '../../scripts/service-process';
import { createLinkageEnv, workflowBundleFile, type LinkageEnv } from '../helpers/linkage-env';
import { freePorts } from '../helpers/ports';

/** A readable line: `HH:MM:SS.mmm LEVEL component …` (colour codes removed). */
const PRETTY = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): (\S+) +(.*)$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** webpack's bundle report, as the SDK's bundler logs it when a worker bundles the workflows at start. */
const WEBPACK_REPORT = /compiled successfully|modules by path|\[emitted\]/;

const lines = (text: string) =>
  text
    .replace(ANSI, '')
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim());

interface Run {
  output(): string;
  /** Resolves once the output matches `pattern`; rejects if the process exits first. */
  until(pattern: RegExp): Promise<void>;
  /** Ctrl-C (on the terminal) or SIGINT, then waits for the exit. */
  stop(): Promise<number | null>;
}

function follow(child: ChildProcess, interrupt: () => void): Run {
  let out = '';
  const waiters: { pattern: RegExp; resolve(): void; reject(e: Error): void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(out.replace(ANSI, ''))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', (c: Buffer) => ((out += c.toString()), check()));
  child.stderr!.on('data', (c: Buffer) => ((out += c.toString()), check()));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (c) => {
      code = c;
      for (const w of waiters.splice(0)) w.reject(new Error(`exited (${c}) before ${w.pattern}:\n${out}`));
      resolve(c);
    }),
  );
  return {
    output: () => out,
    until: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (code !== undefined) return reject(new Error(`exited (${code}) before ${pattern}:\n${out}`));
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    async stop() {
      if (code !== undefined) return code;
      interrupt();
      const hard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const c = await exited;
      clearTimeout(hard);
      return c;
    },
  };
}

/** `node --import tsx <entry>` under a pseudo-terminal: its stdout is a TTY. */
function onTerminal(entry: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn('script', ['-qfec', `exec '${process.execPath}' --import tsx ${entry}`, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Ctrl-C typed on the terminal: SIGINT to the service, which stops cleanly.
  return follow(child, () => child.stdin!.write('\x03'));
}

/** The same with plain pipes: its stdout is not a TTY. */
function offTerminal(entry: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return follow(child, () => child.kill('SIGINT'));
}

function expectPretty(text: string): string[] {
  const all = lines(text);
  const records = all.filter((l) => PRETTY.test(l));
  expect(records.length).toBeGreaterThan(0);
  for (const l of all) expect(l.startsWith('{')).toBe(false);
  return records;
}

function expectJson(text: string, except: RegExp[] = []): Record<string, unknown>[] {
  const records = lines(text)
    .filter((l) => !except.some((e) => e.test(l)))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(records.length).toBeGreaterThan(0);
  for (const r of records)
    expect(r).toEqual(expect.objectContaining({ level: expect.any(Number), msg: expect.any(String) }));
  return records;
}

describe('the log format', () => {
  it('LOG_FORMAT chooses; unset, the terminal decides; anything else is refused', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => logFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow(/LOG_FORMAT="yaml": must be pretty or json/);
  });

  it('a readable line: time, level, component, workflow id, message, then the other fields', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: Date.now(),
        pid: 1,
        name: 'linkage-worker',
        component: 'activity',
        workflowId: 'linkage-e1',
        runId: 'r',
        taskQueue: 'q',
        msg: 'order created',
        orderId: 'ord 1',
        token: '[redacted]',
      }),
    );
    expect(line).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: linkage-worker\/activity \[linkage-e1\] order created \{"orderId":"ord 1","token":"\[redacted\]"\}\n$/,
    );
    expect(prettyLine('WORKER_READY {}')).toBe('WORKER_READY {}\n');
  });

  it.each([
    ['worker/main.ts', /linkage worker: invalid configuration:\n {2}- LOG_FORMAT="yaml": must be pretty or json/],
    ['platform/main.ts', /invalid platform configuration:\n {2}LOG_FORMAT="yaml": must be pretty or json/],
    ['scripts/start.ts', /npm start: invalid configuration:\n {2}- LOG_FORMAT="yaml": must be pretty or json/],
  ])('%s refuses an unknown LOG_FORMAT at start: exit 2, the variable named', (entry, message) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
      cwd: ROOT,
      // The platform's ports: none would be listened on anyway.
      env: { ...process.env, LOG_FORMAT: 'yaml', GATEWAY_PORT: '0', PLATFORM_SERVICES: 'gateway' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
  });
});

describe('the platform', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-format-'));
    const [gateway, datalake] = await freePorts(2);
    env = {
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_SERVICES: 'gateway,datalake',
      GATEWAY_PORT: String(gateway),
      DATALAKE_PORT: String(datalake),
      LOG_LEVEL: 'info',
      LOG_FORMAT: '',
    };
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('on a terminal: readable lines, no handshake', async () => {
    const run = onTerminal('platform/main.ts', env);
    await run.until(/platform started/);
    expect(await run.stop()).toBe(0);
    const records = expectPretty(run.output());
    expect(records).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ INFO: platform\/gateway +Server listening at http:/),
        expect.stringMatching(/ INFO: platform +platform started/),
      ]),
    );
    expect(run.output()).not.toContain('PLATFORM_READY');
  });

  it('Ctrl-C while it starts (the gateway listening, the lake not yet): it stops cleanly, exit 0', async () => {
    const run = onTerminal('platform/main.ts', env);
    await run.until(/platform\/gateway +Server listening/);
    // Before the fix the signal came before the handler: Node's default, exit 130, the lake never closed.
    expect(await run.stop()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/healthz`)).rejects.toThrow();
  });

  it('on a terminal with LOG_FORMAT=json: JSON lines, still no handshake', async () => {
    const run = onTerminal('platform/main.ts', { ...env, LOG_FORMAT: 'json' });
    await run.until(/platform started/);
    await run.stop();
    // The terminal echoes the Ctrl-C that stopped it.
    const records = expectJson(run.output(), [/^\^C/]);
    expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'platform started' })]));
    expect(run.output()).not.toContain('PLATFORM_READY');
  });

  it('off a terminal: JSON lines and the handshake line', async () => {
    const run = offTerminal('platform/main.ts', env);
    await run.until(/^PLATFORM_READY \{/m);
    await run.stop();
    const records = expectJson(run.output(), [/^PLATFORM_READY /]);
    expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'gateway', level: 30 })]));
  });

  it('off a terminal with LOG_FORMAT=pretty, forwarded by a parent: readable, the handshake kept off the console', async () => {
    const forwarded: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      forwarded.push(chunk.toString());
      return true;
    });
    let raw = '';
    try {
      const platform = await startService({
        name: 'platform',
        entry: 'platform/main.ts',
        env: { ...env, LOG_FORMAT: 'pretty' },
        readyLine: 'PLATFORM_READY',
        inheritOutput: true,
        onOutput: (chunk) => (raw += chunk),
      });
      expect(JSON.parse(platform.readyPayload)).toEqual(expect.objectContaining({ gatewayUrl: expect.any(String) }));
      await platform.stop();
    } finally {
      write.mockRestore();
    }
    // The child did give its handshake; the parent used it and did not forward it.
    expect(raw).toMatch(/^PLATFORM_READY \{/m);
    const text = forwarded.join('');
    expect(text).not.toContain('PLATFORM_READY');
    expect(expectPretty(text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/ INFO: platform\/gateway +Server listening/)]),
    );
  });
});

describe('the worker', () => {
  let env: LinkageEnv;
  const apiKey = `api-key-${randomBytes(16).toString('hex')}`;
  beforeAll(async () => {
    env = await createLinkageEnv('console-format');
  });
  afterAll(async () => {
    await env?.stop();
  });
  const workerEnv = (over: Record<string, string>) => ({
    ...env.env,
    // The dev server takes no API key: TEMPORAL_TLS=0 sends it in plaintext (as to a local TLS sidecar).
    TEMPORAL_API_KEY: apiKey,
    TEMPORAL_TLS: '0',
    WORKFLOW_BUNDLE_PATH: '',
    LOG_FORMAT: '',
    ...over,
  });

  it('on a terminal, bundling the workflows: readable lines, no handshake, no bundle report', async () => {
    const run = onTerminal('worker/main.ts', workerEnv({ LOG_LEVEL: 'info' }));
    await run.until(/linkage worker running/);
    await run.stop();
    const records = expectPretty(run.output());
    expect(records).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ INFO: linkage-worker +starting linkage worker .*"temporal":/),
        expect.stringMatching(/ INFO: linkage-worker\/worker +Workflow bundle created/),
        expect.stringMatching(/ INFO: linkage-worker +linkage worker running/),
      ]),
    );
    expect(run.output()).not.toContain('WORKER_READY');
    expect(run.output()).not.toMatch(WEBPACK_REPORT);
    expect(run.output()).not.toContain(apiKey);
  });

  it('off a terminal, bundling the workflows: JSON lines, the handshake, the bundle report at debug', async () => {
    const run = offTerminal('worker/main.ts', workerEnv({ LOG_LEVEL: 'debug' }));
    await run.until(/^WORKER_READY \{/m);
    await run.stop();
    const records = expectJson(run.output(), [/^WORKER_READY /]);
    const report = records.filter((r) => WEBPACK_REPORT.test(JSON.stringify(r)));
    expect(report).toEqual([
      expect.objectContaining({ level: 20, msg: expect.stringMatching(/^webpack [\d.]+ compiled successfully/) }),
    ]);
    expect(records).toEqual(
      expect.arrayContaining([expect.objectContaining({ level: 30, msg: 'linkage worker running' })]),
    );
    expect(run.output()).not.toContain(apiKey);
  });

  it('off a terminal with LOG_FORMAT=pretty at debug: readable lines, secrets redacted, the handshake still given', async () => {
    const run = offTerminal(
      'worker/main.ts',
      workerEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty', WORKFLOW_BUNDLE_PATH: await workflowBundleFile() }),
    );
    await run.until(/^WORKER_READY \{/m);
    await run.stop();
    const text = run.output();
    const records = expectPretty(text);
    // The whole configuration, at debug, with its secrets redacted.
    const config = records.find((l) => / DEBUG: linkage-worker +configuration /.test(l));
    expect(config).toContain('"token":"[redacted]"');
    expect(config).toContain('"apiKey":"[redacted]"');
    expect(text).not.toContain(apiKey);
  });
});
