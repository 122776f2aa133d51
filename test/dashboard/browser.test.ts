import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { findTool, toolAvailable } from '../helpers/system-tools.js'

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven by playwright-core): an agent
 * writes a bounding box through the real runner against the emulator while the dashboard is open;
 * the stage counts change live, and the task shows the box drawn where the agent put it.
 *
 * Without Chromium the test is skipped with a notice, except in CI (CI=true), where it must run.
 * `DASHBOARD_DOCS_SCREENSHOT=1` also refreshes docs/dashboard.png (the README's screenshot).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const hasChromium = toolAvailable('chromium', 'the dashboard in a browser')
const CHROMIUM = findTool('chromium') ?? 'chromium'

const BOX = { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }

// What the page functions below use of the browser (this tsconfig has no DOM library, on purpose).
declare const getComputedStyle: (element: unknown) => { stroke: string; strokeWidth: string }
interface SvgShape {
  getBBox(): { x: number; y: number; width: number; height: number }
  getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null
}

describe.skipIf(!hasChromium)('dashboard in a browser', () => {
  let env: RunnerEnv
  let context: BrowserContext
  let page: Page
  const temp = mkdtempSync(join(tmpdir(), 'dashboard-browser-'))
  const savedDir = process.env.ENCORD_AGENTS_DASHBOARD_DIR
  const pageErrors: string[] = []

  beforeAll(async () => {
    // Build the front end for this test only (esbuild, a second or so), so a concurrent `npm run build`
    // emptying dist/ cannot pull the assets away; the e2e test of `run --ui` covers the package's own build.
    const assets = join(temp, 'assets')
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-dashboard.mjs'), '--out', assets, '--no-check'], {
      cwd: ROOT,
      stdio: 'pipe',
    })
    process.env.ENCORD_AGENTS_DASHBOARD_DIR = assets

    env = await startRunnerEnv({
      tasks: 6,
      stages: ['Pre-label', 'Quality check'],
      labelledFraction: 0,
      seed: 11,
      imageSize: { width: 320, height: 240 },
    })
    context = await chromium.launchPersistentContext(join(temp, 'profile'), {
      executablePath: CHROMIUM,
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
      viewport: { width: 1280, height: 860 },
    })
    page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (error) => pageErrors.push(error.message))
    // Nothing may leave the machine: any request to another origin fails the test.
    await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
      pageErrors.push(`request to another origin: ${route.request().url()}`)
      return route.abort()
    })
  })

  afterAll(async () => {
    await context?.close()
    await env?.close()
    if (savedDir === undefined) delete process.env.ENCORD_AGENTS_DASHBOARD_DIR
    else process.env.ENCORD_AGENTS_DASHBOARD_DIR = savedDir
    rmSync(temp, { recursive: true, force: true })
  })

  const count = (title: string) => page.locator(`g.stage[data-stage-title="${title}"]`).getAttribute('data-count')

  it('shows the stage counts move live and the bounding box an agent wrote, drawn on the image', async () => {
    await page.goto(`${env.emulator.domain}/`)
    await page.locator('[data-testid=live]', { hasText: 'live' }).waitFor()
    await page.locator('g.stage[data-stage-title="Pre-label"][data-count="6"]').waitFor()
    expect(await count('Quality check')).toBe('0')
    await expect.poll(() => page.locator('g.stage[data-stage-type="AGENT"]').count()).toBe(2)

    const dataHash = env.fixture.projects[0].dataUnits[0].dataHash
    const result = await new Runner({ projectHash: env.projectHash, client: env.client })
      .stage(
        'Pre-label',
        defineAgent({
          deps: { row: labelRow() },
          handler: ({ deps }) => {
            deps.row.addBoundingBox('Box', BOX, { answers: { Colour: 'Red' }, confidence: 0.9 })
            return 'complete'
          },
        }),
      )
      .run({ taskBatchSize: 6 })
    expect(result.stages[0]).toMatchObject({ processed: 6, moved: { complete: 6 }, failed: 0 })

    // No reload: the counts come over server-sent events.
    await page.locator('g.stage[data-stage-title="Pre-label"][data-count="0"]').waitFor({ timeout: 5000 })
    expect(await count('Quality check')).toBe('6')

    // The stage's task list, then the task of the first data unit.
    await page.locator('g.stage[data-stage-title="Quality check"]').click()
    const task = env.taskOfData(dataHash)
    await page.locator(`[data-testid=task-list] tr[data-task-uuid="${task.uuid}"]`).click()
    const panel = page.locator(`[data-testid=task-panel][data-task-uuid="${task.uuid}"]`)
    await panel.waitFor()

    // After: the box, at the right place over the loaded image.
    const after = panel.locator('[data-testid=labels-after]')
    const rect = after.locator('g.label-object[data-shape="bounding_box"][data-name="Box"] rect')
    await rect.waitFor()
    const image = after.locator('img.media')
    await expect
      .poll(() =>
        image.evaluate((img) =>
          (img as unknown as { complete: boolean }).complete
            ? (img as unknown as { naturalWidth: number }).naturalWidth
            : 0,
        ),
      )
      .toBe(320)
    const frame = (await image.boundingBox())!
    // The rectangle's geometry on screen (its fill box through the SVG's transform; the client box would include the stroke).
    const drawn = await rect.evaluate((el) => {
      const shape = el as unknown as SvgShape
      const box = shape.getBBox()
      const m = shape.getScreenCTM()!
      const at = (x: number, y: number) => ({ x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f })
      const a = at(box.x, box.y)
      const b = at(box.x + box.width, box.y + box.height)
      return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y }
    })
    const tolerance = 1 // px
    expect(Math.abs(drawn.x - (frame.x + BOX.x * frame.width))).toBeLessThan(tolerance)
    expect(Math.abs(drawn.y - (frame.y + BOX.y * frame.height))).toBeLessThan(tolerance)
    expect(Math.abs(drawn.width - BOX.w * frame.width)).toBeLessThan(tolerance)
    expect(Math.abs(drawn.height - BOX.h * frame.height)).toBeLessThan(tolerance)
    // ...and visible: stroked in the ontology's colour for Box.
    expect(
      await rect.evaluate((el) => [getComputedStyle(el).stroke, parseFloat(getComputedStyle(el).strokeWidth) > 0]),
    ).toEqual(['rgb(211, 49, 21)', true])
    expect(await after.locator('g.label-object text').textContent()).toBe('Box')
    // Before: the row as it was before the agent's save, without the box.
    expect(await panel.locator('[data-testid=labels-before] g.label-object').count()).toBe(0)
    // Beside the picture: the object, its answer, and that it is new.
    const objects = panel.locator('.lists .label-list').last()
    await expect.poll(() => objects.textContent()).toMatch(/Box.*bounding box.*added.*confidence 0\.9.*Colour: Red/)
    // The history says which agent stage moved it along which pathway.
    expect(await panel.locator('[data-testid=history] li[data-kind=proceed]').textContent()).toMatch(
      /Pre-label took pathway complete → Quality check/,
    )

    mkdirSync(join(ROOT, 'test-results'), { recursive: true })
    await page.screenshot({ path: join(ROOT, 'test-results', 'dashboard.png'), fullPage: true })
    if (process.env.DASHBOARD_DOCS_SCREENSHOT === '1') {
      await page.screenshot({ path: join(ROOT, 'docs', 'dashboard.png') })
      expect(statSync(join(ROOT, 'docs', 'dashboard.png')).size).toBeLessThan(400_000)
    }

    // Request counters: what the runner sent, by endpoint and status.
    await page.locator('[data-testid=tab-requests]').click()
    const matrix = page.locator('[data-testid=requests-by-endpoint]')
    await matrix.waitFor()
    expect(await matrix.textContent()).toMatch(/save-label-rows.*1/)
    expect(pageErrors).toEqual([])
  })
})
