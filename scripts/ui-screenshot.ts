/**
 * `npm run ui-screenshot`: the browser check of the Web UI. Starts the embedded stack on free ports (temp
 * data dir), signs a contract through the platform, waits until the runs it causes have closed, then
 * approves its OA approval, waits again, then opens the Temporal Web UI in headless Chromium (playwright-core, system `/usr/bin/chromium`):
 *
 *   - docs/webui-linkage-runs.png: `LinkageBusinessKeys="crm:contract:<id>"`, every run of that contract
 *     (the signing's run, and the run that writes the approved approval back to it);
 *   - docs/webui-linkage-run.png: the contract's own run (ContractSignedWorkflow), its summary and history.
 *
 * With TEMPORAL_BACKEND=cluster the stack runs on the multi-service cluster and its own UI server, and the
 * files end in `-cluster` (docs/webui-linkage-run-cluster.png, ...).
 *
 * CHROMIUM_PATH overrides the browser; SCREENSHOT_DIR the output folder. Everything it started stops.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './lib/paths';
import { PlatformClient } from './lib/platform-client';
import { waitFor } from '../ops/gateway-admin';
import { backendFromEnv, startStack, type Stack } from './start';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT_DIR = process.env.SCREENSHOT_DIR ?? path.join(ROOT, 'docs');
const SUFFIX = backendFromEnv() === 'cluster' ? '-cluster' : '';

interface RunRow {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
}

/** The runs that touched the contract: they carry its business key. */
async function runsOf(client: Client, contractKey: string): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  for await (const wf of client.workflow.list({ query: `LinkageBusinessKeys="${contractKey}"` })) {
    rows.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type, status: wf.status.name });
  }
  return rows;
}

async function shoot(page: Page, url: string, waitSelector: string, file: string, minCount = 1): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page
    .locator(waitSelector)
    .nth(minCount - 1)
    .waitFor({ state: 'visible', timeout: 60_000 });
  // Let the table settle (fonts, status badges) before the picture.
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${path.relative(ROOT, file)}  (${url})`);
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linkage-ui-'));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linkage-ui-chromium-'));
  const token = `ui-${Math.random().toString(36).slice(2, 10)}`;
  let stack: Stack | undefined;
  let browser: BrowserContext | undefined;
  let connection: Connection | undefined;
  try {
    console.log('starting the embedded stack on free ports...');
    stack = await startStack({ freePorts: true, dataDir, env: { GATEWAY_TOKEN: token, LOG_LEVEL: 'warn' } });
    const api = new PlatformClient(stack.gatewayUrl, token, stack.datalakeUrl);
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: 'default' });

    const tenant = 'acme';
    const contract = await api.signContract(tenant, {
      customerId: 'cus-screenshot',
      contractNo: 'HT-2026-0042',
      amountCents: 1_280_000,
    });
    const key = `crm:contract:${contract.id}`;
    console.log(`signed contract ${contract.id}; waiting for its run (${key})...`);
    const closedRuns = (min: number) => async () => {
      const rows = await runsOf(client, key);
      return rows.length >= min && rows.every((r) => r.status !== 'RUNNING') ? rows : null;
    };
    // 1. The contract's run: ERP order, then the contract approval.
    await waitFor('the contract run closed', closedRuns(1), 120_000, 500);
    // 2. The approver approves: the approval's run writes "approved" back to the contract (same key).
    const [approval] = await api.list(
      tenant,
      `/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`,
    );
    if (!approval) throw new Error('no contract approval was created');
    await api.completeApproval(tenant, approval.id, true);
    const runs = await waitFor('the approval run closed', closedRuns(2), 120_000, 500);
    for (const r of runs) console.log(`  ${r.type.padEnd(28)} ${r.status.padEnd(10)} ${r.workflowId}`);

    // A fresh profile of our own (launchPersistentContext is how Playwright takes --user-data-dir).
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      viewport: { width: 1600, height: 900 },
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());

    const query = encodeURIComponent(`LinkageBusinessKeys="${key}"`);
    await shoot(
      page,
      `${stack.uiUrl}/namespaces/default/workflows?query=${query}`,
      'a[href*="/workflows/linkage-"]',
      path.join(OUT_DIR, `webui-linkage-runs${SUFFIX}.png`),
      runs.length,
    );

    const own = runs.find((r) => r.type === 'ContractSignedWorkflow') ?? runs[0];
    // Tall enough for the whole event history below the input and result (the page scrolls inside itself).
    await page.setViewportSize({ width: 1600, height: 2000 });
    await shoot(
      page,
      `${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(own.workflowId)}/${own.runId}/history`,
      'main',
      path.join(OUT_DIR, `webui-linkage-run${SUFFIX}.png`),
    );
  } finally {
    await browser?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`ui-screenshot failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
