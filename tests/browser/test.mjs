// Browser test of the morgue search page: headless Debian Chromium driven by
// playwright-core, against a running morgue-serve over the repo's corpus.
//
//   node tests/browser/test.mjs --base http://127.0.0.1:PORT --out DIR
//
// Prints one "ok - ..." or "FAIL - ..." line per check, then
// "N passed, N failed"; exits 1 on any failure.  Screenshots go to DIR:
// results.png, filtered.png, article.png, phone.png.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const BASE = (arg('--base', process.env.MORGUE_BASE || 'http://127.0.0.1:8080')).replace(/\/+$/, '');
const OUT = arg('--out', 'build/browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 10000;
fs.mkdirSync(OUT, { recursive: true });

let passed = 0;
let failed = 0;
function ok(name) {
  passed++;
  console.log('ok - ' + name);
}
function fail(name, why) {
  failed++;
  console.log('FAIL - ' + name + (why ? ': ' + String(why).split('\n')[0] : ''));
}
// check(name, fn): fn returns true/undefined for a pass, a string (the
// reason) or false for a failure; a throw is a failure too.
async function check(name, fn) {
  try {
    const r = await fn();
    if (r === true || r === undefined) ok(name);
    else fail(name, r === false ? '' : r);
    return r === true || r === undefined;
  } catch (e) {
    fail(name, e && e.message ? e.message : e);
    return false;
  }
}

// Console errors, uncaught exceptions and CSP violations of a page.
function watch(page, problems, opts = {}) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && !/content security policy/i.test(msg.text())) return;
    if (opts.allowHttpErrors && /Failed to load resource: the server responded with a status of [45]\d\d/.test(msg.text())) return;
    problems.push('console: ' + msg.text());
  });
  page.on('pageerror', (err) => problems.push('pageerror: ' + err.message));
}
async function cspWatch(context) {
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || ''));
    });
  });
}
const statusText = (page) => page.locator('#status').innerText();
const totalOf = (s) => {
  const m = /^([\d,]+) articles?\b/.exec(s);
  return m ? Number(m[1].replace(/,/g, '')) : (/^No articles/.test(s) ? 0 : NaN);
};
async function waitIdle(page) {
  await page.waitForFunction(() => {
    const l = document.getElementById('loading');
    return l && l.hidden && document.getElementById('status').textContent !== '';
  }, null, { timeout: TIMEOUT });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

try {
  // ------------------------------------------------------------ desktop
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await cspWatch(context);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  watch(page, problems);

  let resp;
  await check('the page loads', async () => {
    resp = await page.goto(BASE + '/', { waitUntil: 'load' });
    if (!resp || resp.status() !== 200) return 'status ' + (resp && resp.status());
    return true;
  });
  await check('the page is sent with a Content-Security-Policy', async () => {
    const csp = resp && (await resp.allHeaders())['content-security-policy'];
    return csp && /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) ? true : 'header: ' + csp;
  });
  await check('the page has a labelled search box and landmarks', async () => {
    const label = await page.locator('label[for="q"]').count();
    const main = await page.locator('main').count();
    const search = await page.locator('[role="search"]').count();
    return label === 1 && main === 1 && search === 1 ? true : `label ${label}, main ${main}, search ${search}`;
  });

  await check('keyboard: Tab reaches the search box', async () => {
    await page.locator('body').focus();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement && document.activeElement.id === 'q')) return true;
    }
    return 'focus is on ' + (await page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName)));
  });

  // Search by typing and pressing Enter.
  let before = NaN;
  const searched = await check('typing "summit" and Enter shows hits', async () => {
    await page.keyboard.type('summit');
    await page.keyboard.press('Enter');
    await page.locator('#hits li.hit').first().waitFor();
    await waitIdle(page);
    const n = await page.locator('#hits li.hit').count();
    return n > 0 ? true : 'no hits';
  });
  await check('the URL holds the query', async () => {
    const u = new URL(page.url());
    return u.searchParams.get('q') === 'summit' && !u.searchParams.has('sort') ? true : page.url();
  });
  await check('the count and timing line reads "N articles · T ms"', async () => {
    const s = await statusText(page);
    before = totalOf(s);
    return /^[\d,]+ articles? · \d+(\.\d)? ms$/.test(s) && before > 0 ? true : JSON.stringify(s);
  });
  await check('matches are highlighted with <mark> around "summit"', async () => {
    const marks = await page.locator('#hits .snippet mark').allInnerTexts();
    if (!marks.length) return 'no <mark>';
    const bad = marks.filter((t) => !/summit/i.test(t));
    return bad.length ? 'marks not on "summit": ' + JSON.stringify(bad.slice(0, 5)) : true;
  });
  await check('snippets are text only (no HTML from the index)', async () => {
    const odd = await page.evaluate(() => Array.from(document.querySelectorAll('#hits .snippet *'))
      .filter((e) => e.tagName !== 'MARK').map((e) => e.tagName));
    return odd.length ? 'elements in snippets: ' + odd.join(',') : true;
  });
  await check('the timeline SVG has bars with tooltips, focusable', async () => {
    const info = await page.evaluate(() => {
      const rects = Array.from(document.querySelectorAll('#timeline-svg rect.bar'));
      return {
        n: rects.length,
        titles: rects.filter((r) => r.querySelector('title') && /^\d{4}(-\d\d){0,2}: [\d,]+ articles?$/.test(r.querySelector('title').textContent)).length,
        focusable: rects.filter((r) => r.hasAttribute('tabindex')).length,
        tabbable: rects.filter((r) => r.getAttribute('tabindex') === '0').length,
      };
    });
    if (!info.n) return 'no rect';
    if (info.titles !== info.n) return `${info.titles} of ${info.n} bars have a "DATE: N articles" title`;
    if (info.focusable !== info.n || info.tabbable !== 1) return `tabindex on ${info.focusable} of ${info.n}, tabbable ${info.tabbable}`;
    return true;
  });
  await check('facet lists show people, places and sources', async () => {
    const p = await page.locator('#facet-person button.facet-value').count();
    const pl = await page.locator('#facet-place button.facet-value').count();
    const so = await page.locator('#facet-source button.facet-value').count();
    return p > 0 && pl > 0 && so > 0 ? true : `person ${p}, place ${pl}, source ${so}`;
  });
  await check('pagination lists the pages', async () => {
    const cur = await page.locator('#pager [aria-current="page"]').innerText();
    const next = await page.locator('#pager a', { hasText: 'Next' }).count();
    return cur === '1' && next === 1 ? true : `current ${cur}, next links ${next}`;
  });
  await page.screenshot({ path: path.join(OUT, 'results.png'), fullPage: true });

  // A place facet.
  let place = '';
  let placeCount = 0;
  if (searched) {
    await check('clicking a place facet filters the results', async () => {
      const b = page.locator('#facet-place button.facet-value').first();
      place = await b.getAttribute('data-value');
      placeCount = Number((await b.locator('.count').innerText()).replace(/,/g, ''));
      await b.click();
      await page.waitForURL((u) => new URL(u).searchParams.getAll('place').includes(place));
      await waitIdle(page);
      return true;
    });
    await check('the place filter is shown as a removable chip', async () => {
      const chip = page.locator('#chip-list .chip', { hasText: place });
      if (await chip.count() !== 1) return 'no chip for ' + place;
      return (await chip.locator('button').count()) === 1 ? true : 'chip has no remove button';
    });
    await check('the filtered count is the facet\'s count, at most the unfiltered one', async () => {
      const s = await statusText(page);
      const n = totalOf(s);
      if (n !== placeCount) return `status ${JSON.stringify(s)}, facet said ${placeCount}`;
      if (n > before) return `a filter raised the count (${before} -> ${n})`;
      return true;
    });
    await check('the filtered hits name the place', async () => {
      const ids = await page.locator('#hits a.hit-title').evaluateAll((as) => as.map((a) => a.dataset.id));
      if (!ids.length) return 'no hits';
      for (const id of ids.slice(0, 5)) {
        const a = await page.evaluate(async (u) => (await fetch(u)).json(), 'api/article/' + encodeURIComponent(id));
        const names = (a.entities || []).filter((e) => e.kind === 'place').map((e) => e.name);
        if (!names.includes(place)) return `${id} names no ${place} (${names.join(', ')})`;
      }
      const marks = await page.locator('#hits .snippet mark').count();
      return marks > 0 ? true : 'no highlight in the filtered hits';
    });
    await check('the place facet is shown as active', async () => {
      const p = await page.locator('#facet-place button.facet-value[aria-pressed="true"]').getAttribute('data-value');
      return p === place ? true : 'pressed: ' + p;
    });
    await page.screenshot({ path: path.join(OUT, 'filtered.png'), fullPage: true });

    await check('the back button returns to the unfiltered search', async () => {
      await page.goBack();
      await page.waitForURL((u) => !new URL(u).searchParams.has('place'));
      await waitIdle(page);
      const n = totalOf(await statusText(page));
      const chips = await page.locator('#chip-list .chip').count();
      return n === before && chips === 0 ? true : `count ${n} (was ${before}), ${chips} chips`;
    });
    await check('forward again restores the filter', async () => {
      await page.goForward();
      await page.waitForURL((u) => new URL(u).searchParams.has('place'));
      await waitIdle(page);
      return totalOf(await statusText(page)) === placeCount ? true : await statusText(page);
    });
    await check('removing the chip removes the filter', async () => {
      await page.locator('#chip-list .chip', { hasText: place }).locator('button').click();
      await page.waitForURL((u) => !new URL(u).searchParams.has('place'));
      await waitIdle(page);
      return totalOf(await statusText(page)) === before ? true : await statusText(page);
    });

    await check('keyboard: Enter on a facet filters, focus stays on the facet', async () => {
      const b = page.locator('#facet-person button.facet-value').first();
      const person = await b.getAttribute('data-value');
      await b.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => new URL(u).searchParams.getAll('person').includes(person));
      await waitIdle(page);
      const f = await page.evaluate(() => document.activeElement &&
        [document.activeElement.getAttribute('data-value'), document.activeElement.getAttribute('aria-pressed')]);
      await page.goBack();
      await page.waitForURL((u) => !new URL(u).searchParams.has('person'));
      await waitIdle(page);
      return f && f[0] === person && f[1] === 'true' ? true : 'focus on ' + JSON.stringify(f);
    });

    // The names mentioned with a facet value, in small text under it.
    await check('each person and place facet names those mentioned with it, as the answer says', async () => {
      const d = await page.evaluate(async () => (await fetch('api/search?q=summit')).json());
      for (const k of ['person', 'place']) {
        const v = d.facets[k][0];
        const shown = await page.locator(`#facet-${k} li`).first().locator('.facet-with button').evaluateAll(
          (bs) => bs.map((b) => [b.dataset.kind, b.dataset.value, b.getAttribute('aria-label')]));
        const want = v.with.map((w) => [w.kind, w.name]);
        if (!want.length) return `${k} ${v.name}: no with in the answer`;
        if (JSON.stringify(shown.map((x) => x.slice(0, 2))) !== JSON.stringify(want)) return `${k} ${v.name}: shown ${JSON.stringify(shown)}, answer ${JSON.stringify(want)}`;
        if (!shown.every((x) => x[2].includes('named with ' + v.name))) return 'label ' + JSON.stringify(shown[0][2]);
      }
      const src = await page.locator('#facet-source .facet-with').count();
      return src === 0 ? true : 'sources with names under them: ' + src;
    });
    await check('keyboard: Enter on a name under a facet filters on it, focus on its facet', async () => {
      const b = page.locator('#facet-place li').first().locator('.facet-with button').first();
      const kind = await b.getAttribute('data-kind');
      const name = await b.getAttribute('data-value');
      await b.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => new URL(u).searchParams.getAll(kind).includes(name));
      await waitIdle(page);
      const f = await page.evaluate(() => document.activeElement &&
        [document.activeElement.className, document.activeElement.getAttribute('data-value'), document.activeElement.getAttribute('aria-pressed')]);
      const chip = await page.locator('#chip-list .chip', { hasText: name }).count();
      await page.goBack();
      await page.waitForURL((u) => !new URL(u).searchParams.has(kind));
      await waitIdle(page);
      if (chip !== 1) return 'no chip for ' + name;
      return f && f[0] === 'facet-value' && f[1] === name && f[2] === 'true' ? true : 'focus on ' + JSON.stringify(f);
    });

    // The timeline: a click on the busiest bar narrows to its date.
    await check('clicking a timeline bar narrows to its date', async () => {
      const bar = await page.evaluate(() => {
        const rects = Array.from(document.querySelectorAll('#timeline-svg rect.bar'));
        let best = null;
        for (const r of rects) {
          const n = Number(/: ([\d,]+) article/.exec(r.querySelector('title').textContent)[1].replace(/,/g, ''));
          if (!best || n > best.n) best = { i: rects.indexOf(r), n, date: r.getAttribute('data-date') };
        }
        return best;
      });
      await page.locator('#timeline-svg rect.bar').nth(bar.i).click({ position: { x: 2, y: 2 } });
      await page.waitForURL((u) => new URL(u).searchParams.get('since') === bar.date);
      await waitIdle(page);
      const u = new URL(page.url());
      if (u.searchParams.get('until') !== bar.date) return 'until=' + u.searchParams.get('until') + ', want ' + bar.date;
      const n = totalOf(await statusText(page));
      if (n !== bar.n) return `${n} articles for ${bar.date}, the bar said ${bar.n}`;
      const shown = await page.locator('#range-text').innerText();
      return shown.includes(bar.date) ? true : 'range shown: ' + shown;
    });
    await check('"Clear dates" removes the date range', async () => {
      await page.locator('#clear-range').click();
      await page.waitForURL((u) => !new URL(u).searchParams.has('since'));
      await waitIdle(page);
      return totalOf(await statusText(page)) === before ? true : await statusText(page);
    });
    await check('dragging across bars narrows to the range', async () => {
      const rects = page.locator('#timeline-svg rect.bar');
      const n = await rects.count();
      if (n < 3) return 'too few bars: ' + n;
      const box = await page.locator('#timeline-svg').boundingBox();
      const first = await rects.nth(0).getAttribute('data-date');
      const last = await rects.nth(Math.floor(n / 2)).getAttribute('data-date');
      const x0 = (await rects.nth(0).boundingBox()).x + 1;
      const b1 = await rects.nth(Math.floor(n / 2)).boundingBox();
      const y = box.y + box.height / 2;
      await page.mouse.move(x0, y);
      await page.mouse.down();
      await page.mouse.move((x0 + b1.x) / 2, y, { steps: 4 });
      await page.mouse.move(b1.x + b1.width / 2, y, { steps: 4 });
      await page.mouse.up();
      await page.waitForURL((u) => new URL(u).searchParams.has('since'));
      await waitIdle(page);
      const u = new URL(page.url());
      const got = [u.searchParams.get('since'), u.searchParams.get('until')];
      return got[0] === first && got[1] === last ? true : `since/until ${got.join('/')}, want ${first}/${last}`;
    });
    await check('keyboard: Enter on a focused bar narrows to its date', async () => {
      await page.goBack();
      await page.waitForURL((u) => !new URL(u).searchParams.has('since'));
      await waitIdle(page);
      await page.locator('#timeline-svg rect.bar[tabindex="0"]').focus();
      await page.keyboard.press('Home');
      const date = await page.evaluate(() => document.activeElement.getAttribute('data-date'));
      const first = await page.locator('#timeline-svg rect.bar').first().getAttribute('data-date');
      if (date !== first) return 'Home focused ' + date;
      await page.keyboard.press('ArrowRight');
      const second = await page.evaluate(() => document.activeElement.getAttribute('data-date'));
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => new URL(u).searchParams.get('since') === second);
      await waitIdle(page);
      if (new URL(page.url()).searchParams.get('until') !== second) return page.url();
      const still = await page.evaluate(() => document.activeElement && document.activeElement.matches('#timeline-svg rect.bar'));
      return still ? true : 'focus left the timeline';
    });

    // Pages.
    await check('"Next" goes to page 2', async () => {
      await page.goto(BASE + '/?q=summit');
      await waitIdle(page);
      const firstId = await page.locator('#hits a.hit-title').first().getAttribute('data-id');
      await page.locator('#pager a', { hasText: 'Next' }).click();
      await page.waitForURL((u) => new URL(u).searchParams.get('page') === '2');
      await waitIdle(page);
      const id2 = await page.locator('#hits a.hit-title').first().getAttribute('data-id');
      const cur = await page.locator('#pager [aria-current="page"]').innerText();
      return id2 !== firstId && cur === '2' ? true : `first hit ${id2}, current page ${cur}`;
    });

    // The article view.
    await check('a hit\'s title opens the article', async () => {
      const link = page.locator('#hits a.hit-title').first();
      const title = await link.innerText();
      await link.click();
      await page.waitForURL((u) => new URL(u).searchParams.has('doc'));
      await page.waitForFunction((t) => document.getElementById('article-title').textContent === t, title);
      const paras = await page.locator('#article-body p').count();
      const meta = await page.locator('#article-meta').innerText();
      const ents = await page.locator('#article-entities button').count();
      if (!paras) return 'no paragraphs';
      if (!/Reuters|DailyMail/i.test(meta)) return 'meta: ' + meta;
      return ents > 0 ? true : 'no entities';
    });
    await page.screenshot({ path: path.join(OUT, 'article.png'), fullPage: true });
    await check('"Back to results" returns to the same page of results', async () => {
      await page.locator('#back').click();
      await page.waitForURL((u) => !new URL(u).searchParams.has('doc'));
      await page.locator('#hits li.hit').first().waitFor();
      const u = new URL(page.url());
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('hit-title'));
      return u.searchParams.get('page') === '2' && focused ? true : `page ${u.searchParams.get('page')}, focus back on the hit: ${focused}`;
    });
    await check('a reload of a shared link shows the same search', async () => {
      await page.goto(BASE + '/?q=summit&place=' + encodeURIComponent(place) + '&sort=oldest');
      await waitIdle(page);
      const n = totalOf(await statusText(page));
      const sort = await page.locator('#sort').inputValue();
      const q = await page.locator('#q').inputValue();
      const dates = await page.locator('#hits time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
      const sorted = dates.every((d, i) => i === 0 || dates[i - 1] <= d);
      return n === placeCount && sort === 'oldest' && q === 'summit' && sorted ? true
        : `count ${n}, sort ${sort}, q ${q}, dates in order ${sorted}`;
    });
  }

  // ------------------------------------------------------------ relaxed
  // "zanzibar" is in no article: none has all the words, the hits have most.
  await check('no article with all the words: the relaxed notice, without the strict link', async () => {
    await page.goto(BASE + '/?q=zanzibar+summit');
    await page.locator('#hits li.hit').first().waitFor();
    await waitIdle(page);
    const r = await page.evaluate(() => ({
      visible: !document.getElementById('relaxed').hidden,
      text: document.getElementById('relaxed').textContent,
      links: document.querySelectorAll('#relaxed a').length,
      status: document.getElementById('status').textContent,
    }));
    if (!r.visible) return 'notice hidden';
    if (r.text !== 'No article has all the words; these have most of them.') return 'notice ' + JSON.stringify(r.text);
    if (r.links) return 'a strict link with nothing to show';
    return /^[\d,]+ articles with some of the words · /.test(r.status) ? true : 'status ' + JSON.stringify(r.status);
  });
  await check('relaxed_top: the facets and the timeline say they describe the best relaxed hits', async () => {
    const d = await page.evaluate(async () => (await fetch('api/search?q=zanzibar+summit')).json());
    if (d.facets_basis !== 'relaxed_top' || !(d.facets_hits > 0)) return 'answer: ' + d.facets_basis + ' ' + d.facets_hits;
    const n = new Intl.NumberFormat('en').format(d.facets_hits);
    const basis = page.locator('#facets-basis');
    if (!(await basis.isVisible())) return 'no note on the facets';
    const note = await basis.innerText();
    if (!note.includes('best ' + n + ' matches')) return 'facet note ' + JSON.stringify(note);
    const unit = await page.locator('#timeline-unit').innerText();
    if (!unit.includes('among the best ' + n)) return 'timeline label ' + JSON.stringify(unit);
    const label = await page.locator('#facet-place button.facet-value').first().getAttribute('aria-label');
    return label.endsWith('of the best ' + n) ? true : 'facet label ' + JSON.stringify(label);
  });
  await check('one article with all the words: "Only 1 article has all the words" and the link to it', async () => {
    await page.goto(BASE + '/?q=summit+pyongyang');
    await page.locator('#hits li.hit').first().waitFor();
    await waitIdle(page);
    const text = await page.locator('#relaxed').innerText();
    if (!text.startsWith('Only 1 article has all the words; these have most of them.')) return 'notice ' + JSON.stringify(text);
    const basis = await page.locator('#facets-basis').isVisible();
    if (basis) return 'facets labelled as relaxed, but one article has all the words';
    const link = page.locator('#relaxed a.relaxed-link');
    if ((await link.innerText()) !== 'Show only the 1 article with all of them') return 'link ' + JSON.stringify(await link.innerText());
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => new URL(u).searchParams.get('strict') === '1');
    await waitIdle(page);
    const s = await statusText(page);
    const hidden = await page.locator('#relaxed').isHidden();
    const chip = await page.locator('#chip-list .chip', { hasText: 'all the words' }).count();
    const hits = await page.locator('#hits li.hit').count();
    return totalOf(s) === 1 && hidden && chip === 1 && hits === 1 ? true
      : `status ${JSON.stringify(s)}, notice hidden ${hidden}, chip ${chip}, hits ${hits}`;
  });
  await check('a narrowed prefix is noted under the count', async () => {
    await page.goto(BASE + '/?q=com*');
    await page.locator('#hits li.hit').first().waitFor();
    await waitIdle(page);
    const notes = await page.locator('#query-notes li').allInnerTexts();
    return notes.length === 1 && /^com\* stands for its 64 most frequent words \(of [\d,]+\)\.$/.test(notes[0]) ? true : JSON.stringify(notes);
  });

  await check('no console errors, exceptions or CSP violations', async () => {
    const csp = await page.evaluate(() => window.__csp || []);
    const all = problems.concat(csp.map((c) => 'csp: ' + c));
    return all.length ? all.length + ' problems: ' + all.slice(0, 3).join(' | ') : true;
  });

  // ------------------------------------------------------------ crafted answer
  // An answer the sample corpus cannot give: characters outside the BMP
  // before the matches (highlights count code points, not UTF-16 units) and
  // markup in the archive's text, which must show as text.
  {
    const page3 = await context.newPage();
    page3.setDefaultTimeout(TIMEOUT);
    const problems4 = [];
    watch(page3, problems4);
    await page3.route('**/api/search?*', (route) => route.fulfill({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({
        query: 'caf\u00e9', total: 1, page: 1, limit: 10, pages: 1, relaxed: false, collapsed: 2,
        hits: [{
          id: 'x/1 ?#', title: '<img src=x onerror="window.__pwned=1">Caf\u00e9 <b>news</b>', date: '2018-02-10',
          source: 'Test <i>Wire</i>', url: 'javascript:alert(1)', score: 1,
          snippet: '\u{1F4F0}\u{1F30D} Caf\u00e9 \u{1D573}\u{1D586} caf\u00e9s <script>x</script>',
          highlights: [[3, 4], [11, 5]], similar: 2,
        }],
        facets: { person: [], place: [], org: [], source: [{ name: 'Test <i>Wire</i>', count: 1 }] },
        histogram: { unit: 'month', buckets: [{ date: '2018-01', count: 0 }, { date: '2018-02', count: 1 }], undated: 0 },
        took_ms: 0.4,
      }),
    }));
    await check('highlights are placed by code point, markup from the index stays text', async () => {
      await page3.goto(BASE + '/?q=caf%C3%A9');
      await page3.locator('#hits li.hit').first().waitFor();
      const marks = await page3.locator('#hits .snippet mark').allInnerTexts();
      if (JSON.stringify(marks) !== JSON.stringify(['Caf\u00e9', 'caf\u00e9s'])) return 'marks ' + JSON.stringify(marks);
      const r = await page3.evaluate(() => ({
        title: document.querySelector('#hits a.hit-title').textContent,
        elements: document.querySelectorAll('#hits img, #hits b, #hits i, #hits script, #facets i').length,
        pwned: window.__pwned || 0,
        similar: document.querySelector('#hits .similar') && document.querySelector('#hits .similar').textContent,
        bars: document.querySelectorAll('#timeline-svg rect.bar').length,
      }));
      if (!r.title.startsWith('<img src=x')) return 'title ' + JSON.stringify(r.title);
      if (r.elements || r.pwned) return 'markup from the answer became elements';
      if (r.similar !== '+2 similar') return 'similar note ' + JSON.stringify(r.similar);
      return r.bars === 2 ? true : r.bars + ' bars for 2 buckets';
    });
    await check('no exceptions or CSP violations with the crafted answer', async () => {
      const csp = await page3.evaluate(() => window.__csp || []);
      const all = problems4.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await page3.close();
  }

  // ------------------------------------------------------------ crafted counts
  // Counts past SEARCH_TOTAL_EXACT and notes the sample corpus cannot give.
  {
    const page5 = await context.newPage();
    page5.setDefaultTimeout(TIMEOUT);
    const problems5 = [];
    watch(page5, problems5);
    const answer = (over) => JSON.stringify(Object.assign({
      query: 'x', total: 10000, total_exact: false, relaxed: false, collapsed: 0, page: 1, limit: 10, pages: 1000,
      hits: [{ id: 'h1', title: 'A hit', date: '1987-03-01', source: 'Reuters', url: null, score: 1, snippet: 'oil prices', highlights: [[0, 3]], similar: 0 }],
      facets: { person: [], place: [{ name: 'Kuwait', count: 12 }], org: [], source: [] },
      facets_basis: 'all_words', facets_approximate: true, facets_sample: 2000,
      histogram: { unit: 'year', buckets: [{ date: '1987', count: 10000 }], undated: 0 }, took_ms: 3.2,
    }, over));
    let over = {};
    await page5.route('**/api/search?*', (route) => route.fulfill({ status: 200, contentType: 'application/json; charset=utf-8', body: answer(over) }));
    await check('total_exact false: "More than 10,000 articles"', async () => {
      await page5.goto(BASE + '/?q=oil');
      await page5.locator('#hits li.hit').first().waitFor();
      const s = await page5.locator('#status').innerText();
      return s.startsWith('More than 10,000 articles · ') ? true : JSON.stringify(s);
    });
    await check('relaxed past 10,000, some with all the words; dropped words and capitals noted', async () => {
      over = {
        total: 3, total_exact: true, relaxed: true, relaxed_total: 10000, relaxed_total_exact: false,
        dropped_words: ['the', 'of', 'the'], operators_as_words: true,
        narrowed_prefixes: [{ prefix: 'sai', kept: 64, of: 90 }, { prefix: 'yea', kept: 0, of: 12 }],
      };
      await page5.goto(BASE + '/?q=OIL+AND+<b>GAS</b>');
      await page5.locator('#hits li.hit').first().waitFor();
      const s = await page5.locator('#status').innerText();
      if (!s.startsWith('More than 10,000 articles with some of the words')) return 'status ' + JSON.stringify(s);
      const t = await page5.locator('#relaxed').innerText();
      if (!t.startsWith('Only 3 articles have all the words; these have most of them. Show only the 3 articles with all of them')) return 'notice ' + JSON.stringify(t);
      const notes = await page5.locator('#query-notes li').allInnerTexts();
      const want = [/^sai\* stands for its 64 most frequent words \(of 90\)\.$/, /^yea\* was left out/, /left out: the, of\.$/, /capitals.*AND, OR and NOT/];
      if (notes.length !== want.length || !want.every((re, i) => re.test(notes[i]))) return 'notes ' + JSON.stringify(notes);
      return true;
    });
    await check('no exceptions or CSP violations with the crafted counts', async () => {
      const csp = await page5.evaluate(() => window.__csp || []);
      const all = problems5.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await page5.close();
  }

  // ------------------------------------------------------------ errors
  {
    const page2 = await context.newPage();
    page2.setDefaultTimeout(TIMEOUT);
    const problems2 = [];
    watch(page2, problems2, { allowHttpErrors: true });
    await check('an API error is shown in the alert region', async () => {
      await page2.goto(BASE + '/?q=summit&since=yesterday');
      const err = page2.locator('#error');
      await err.waitFor({ state: 'visible' });
      const t = await err.innerText();
      const live = await err.getAttribute('role');
      return t.length > 8 && live === 'alert' ? true : `text ${JSON.stringify(t)}, role ${live}`;
    });
    await check('a prefix of 2 letters: the server\'s message naming it', async () => {
      await page2.goto(BASE + '/?q=ec*');
      const err = page2.locator('#error');
      await err.waitFor({ state: 'visible' });
      const t = await err.innerText();
      return /"ec\*" too short/.test(t) ? true : JSON.stringify(t);
    });
    await check('a bad date is refused in the page', async () => {
      await page2.goto(BASE + '/?q=summit');
      await waitIdle(page2);
      await page2.locator('#since').fill('March');
      await page2.locator('#since').press('Enter');
      const inv = await page2.locator('#since').getAttribute('aria-invalid');
      const t = await page2.locator('#error').innerText();
      return inv === 'true' && /YYYY/.test(t) ? true : `aria-invalid ${inv}, error ${JSON.stringify(t)}`;
    });
    await check('no exceptions or CSP violations on the error page', async () => {
      const csp = await page2.evaluate(() => window.__csp || []);
      const all = problems2.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await page2.close();
  }
  await context.close();

  // ------------------------------------------------------------ phone
  {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 700 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB',
    });
    await cspWatch(phone);
    const p = await phone.newPage();
    p.setDefaultTimeout(TIMEOUT);
    const problems3 = [];
    watch(p, problems3);
    await check('phone (375x700): results render', async () => {
      await p.goto(BASE + '/?q=summit');
      await p.locator('#hits li.hit').first().waitFor();
      await waitIdle(p);
      return true;
    });
    await check('phone: no horizontal overflow', async () => {
      const w = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, vw: window.innerWidth }));
      return w.doc <= w.vw && w.body <= w.vw ? true : JSON.stringify(w);
    });
    await check('phone: a single column, facets below the results', async () => {
      const r = await p.evaluate(() => {
        const m = document.querySelector('main').getBoundingClientRect();
        const f = document.getElementById('facets').getBoundingClientRect();
        return { mainBottom: m.bottom, facetsTop: f.top, facetsWidth: f.width, vw: window.innerWidth };
      });
      return r.facetsTop >= r.mainBottom - 1 && r.facetsWidth <= r.vw ? true : JSON.stringify(r);
    });
    await check('phone: a relaxed search with a note fits the screen', async () => {
      await p.goto(BASE + '/?q=com*+zanzibar');
      await p.locator('#hits li.hit').first().waitFor();
      await waitIdle(p);
      const r = await p.evaluate(() => ({
        doc: document.documentElement.scrollWidth, vw: window.innerWidth,
        relaxed: !document.getElementById('relaxed').hidden, notes: document.querySelectorAll('#query-notes li').length,
      }));
      await p.screenshot({ path: path.join(OUT, 'phone-relaxed.png'), fullPage: false });
      return r.doc <= r.vw && r.relaxed && r.notes === 1 ? true : JSON.stringify(r);
    });
    await p.goto(BASE + '/?q=summit');
    await waitIdle(p);
    await p.screenshot({ path: path.join(OUT, 'phone.png'), fullPage: false });
    await p.screenshot({ path: path.join(OUT, 'phone-full.png'), fullPage: true });
    await check('phone: no console errors or CSP violations', async () => {
      const csp = await p.evaluate(() => window.__csp || []);
      const all = problems3.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await phone.close();
  }
} catch (e) {
  fail('the test ran to its end', e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}

console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
