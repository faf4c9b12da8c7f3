// Browser test of the morgue search page: headless Debian Chromium driven by
// playwright-core, against a running morgue-serve over the repo's corpus.
//
//   node tests/browser/test.mjs --base http://127.0.0.1:PORT --out DIR
//
// Prints one "ok - ..." or "FAIL - ..." line per check, then
// "N passed, N failed"; exits 1 on any failure.  Screenshots go to DIR:
// results.png, filtered.png, article.png, article-matches.png, phone.png,
// phone-full.png, phone-relaxed.png, phone-article.png.
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
// The marks of the article view in reading order, the current one's index
// and state, the match bar's count and whether the current mark is in sight
// below the bar that stays at the top.
async function matchState(page) {
  return page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('#article-view mark'));
    const cur = Array.from(document.querySelectorAll('#article-view mark.current'));
    const c = cur[0];
    const nav = document.querySelector('.article-nav').getBoundingClientRect();
    const r = c ? c.getBoundingClientRect() : null;
    return {
      n: all.length, currents: cur.length, i: all.indexOf(c), aria: c ? c.getAttribute('aria-current') : null,
      count: document.getElementById('match-count').textContent,
      inView: r ? r.top >= nav.bottom - 1 && r.bottom <= window.innerHeight : false,
    };
  });
}
// How many marks an article answer gives, over the fields the page shows.
function marksCount(a) {
  const m = a.marks || {};
  const lines = (x) => (Array.isArray(x) ? x.reduce((n, l) => n + (Array.isArray(l) ? l.length : 0), 0) : 0);
  const body = typeof a.body === 'string' && a.body.trim() ? m.body : m.lede;
  return (m.title || []).length + (body || []).length + lines(m.captions) + lines(m.highlights);
}
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

  // ------------------------------------------------------------ undated
  // The seed article has no date: a search that finds only it has no
  // timeline to draw, and shows no empty box.
  await check('a result set with no dated article shows no timeline box', async () => {
    await page.goto(BASE + '/?q=pyeongchang');
    await page.locator('#hits li.hit').first().waitFor();
    await waitIdle(page);
    const r = await page.evaluate(() => ({
      timeline: document.getElementById('timeline').getClientRects().length,
      undated: document.querySelector('#hits .undated') && document.querySelector('#hits .undated').textContent,
      status: document.getElementById('status').textContent,
    }));
    if (!/^1 article · /.test(r.status)) return 'status ' + JSON.stringify(r.status);
    if (r.undated !== 'Undated') return 'the hit is not shown undated: ' + JSON.stringify(r.undated);
    return r.timeline === 0 ? true : 'the timeline box is shown';
  });
  await check('a dated result set still shows its timeline', async () => {
    await page.goto(BASE + '/?q=summit');
    await waitIdle(page);
    return (await page.locator('#timeline').isVisible()) && (await page.locator('#timeline-svg rect.bar').count()) > 0 ? true : 'no timeline';
  });
  await check('desktop: the keyboard hints are shown', async () => {
    const kbd = await page.locator('#timeline-help .kbd-hint').isVisible();
    const click = await page.locator('#timeline-help .for-pointer').isVisible();
    const tap = await page.locator('#timeline-help .for-touch').isVisible();
    return kbd && click && !tap ? true : `keyboard hint ${kbd}, "Click" ${click}, "Tap" ${tap}`;
  });

  // ------------------------------------------------------------ did you mean
  await check('"Did you mean" under a misspelt query that finds nothing, linking to the search that does', async () => {
    await page.goto(BASE + '/?q=Gorbachov');
    await waitIdle(page);
    if (totalOf(await statusText(page)) !== 0) return 'status ' + JSON.stringify(await statusText(page));
    const p = page.locator('#suggestion');
    if (!(await p.isVisible())) return 'no suggestion shown';
    const text = await p.innerText();
    if (text !== 'Did you mean Gorbachev?') return 'text ' + JSON.stringify(text);
    await page.locator('#suggestion a').click();
    await page.waitForURL((u) => new URL(u).searchParams.get('q') === 'Gorbachev');
    await waitIdle(page);
    const n = totalOf(await statusText(page));
    const marks = await page.locator('#hits .snippet mark').allInnerTexts();
    const hidden = await p.isHidden();
    return n > 0 && hidden && marks.includes('Gorbachev') ? true : `${n} articles, suggestion hidden ${hidden}, marks ${JSON.stringify(marks)}`;
  });
  await check('no "Did you mean" when the query finds articles', async () => {
    await page.goto(BASE + '/?q=summit');
    await waitIdle(page);
    return (await page.locator('#suggestion').isHidden()) ? true : 'suggestion shown: ' + (await page.locator('#suggestion').innerText());
  });

  // ------------------------------------------------------------ article matches
  // /api/article/ID?q= gives the places of the query's words ("marks"),
  // stemmed forms included: "negotiations" marks "negotiating".
  let artMarks = 0;
  await check('the article view marks the query\'s words, stemmed forms included, as the server places them', async () => {
    await page.goto(BASE + '/?q=summit+negotiations&doc=reuters-15718');
    await page.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
    const a = await page.evaluate(async () => (await fetch('api/article/reuters-15718?q=summit+negotiations')).json());
    if (!a.marks) return 'the answer has no marks: ' + Object.keys(a).join(',');
    const marks = await page.locator('#article-view mark').allInnerTexts();
    artMarks = marks.length;
    if (marks.length !== marksCount(a)) return `${marks.length} marks shown, the answer places ${marksCount(a)}`;
    const bad = marks.filter((t) => !/^(summit|negotiat)/i.test(t));
    if (bad.length) return 'marks on other words: ' + JSON.stringify(bad);
    const title = await page.locator('#article-title mark').allInnerTexts();
    if (JSON.stringify(title) !== '["SUMMIT"]') return 'title marks ' + JSON.stringify(title);
    if (!marks.includes('negotiating') || !marks.includes('negotiations')) return 'no stemmed match: ' + JSON.stringify(marks);
    if (!(await page.locator('#match-bar').isVisible())) return 'no match bar';
    if (!(await page.locator('#match-keys').isVisible())) return 'no key hint in the bar on a desktop';
    const count = await page.locator('#match-count').innerText();
    return count === marks.length + ' matches' ? true : 'count ' + JSON.stringify(count);
  });
  await check('n, Shift+N, the bar\'s buttons and Enter in the bar move the current match', async () => {
    if (artMarks < 3) return 'too few marks: ' + artMarks;
    const steps = [];
    const want = (st, i) => st.i === i && st.currents === 1 && st.aria === 'true' && st.inView &&
      st.count === (i + 1) + ' of ' + artMarks + ' matches';
    await page.keyboard.press('n');
    steps.push(['n', await matchState(page), 0]);
    await page.keyboard.press('n');
    steps.push(['n', await matchState(page), 1]);
    await page.keyboard.press('Shift+N');
    steps.push(['Shift+N', await matchState(page), 0]);
    await page.keyboard.press('Shift+N');
    steps.push(['Shift+N (round to the last)', await matchState(page), artMarks - 1]);
    await page.locator('#match-next').click();
    steps.push(['next button (round to the first)', await matchState(page), 0]);
    await page.locator('#match-prev').click();
    steps.push(['previous button', await matchState(page), artMarks - 1]);
    await page.locator('#match-next').focus();
    await page.keyboard.press('Enter');
    steps.push(['Enter', await matchState(page), 0]);
    await page.keyboard.press('Enter');
    steps.push(['Enter', await matchState(page), 1]);
    await page.keyboard.press('Shift+Enter');
    steps.push(['Shift+Enter', await matchState(page), 0]);
    for (const [key, st, i] of steps) if (!want(st, i)) return `after ${key}: ${JSON.stringify(st)}, want mark ${i}`;
    return true;
  });
  await check('a long article: jumping scrolls each match into sight below the bar', async () => {
    const d = await page.evaluate(async () => (await fetch('api/search?q=pyeongchang')).json());
    await page.goto(BASE + '/?q=kim&doc=' + encodeURIComponent(d.hits[0].id));
    await page.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
    const n = await page.locator('#article-view mark').count();
    if (n < 10) return n + ' marks of "kim"';
    let lastY = -1;
    for (let i = 0; i < n; i++) {
      await page.keyboard.press('n');
      const st = await matchState(page);
      if (st.i !== i || !st.inView) return `step ${i + 1}: ${JSON.stringify(st)}`;
      lastY = await page.evaluate(() => window.scrollY);
    }
    await page.screenshot({ path: path.join(OUT, 'article-matches.png'), fullPage: false });
    return lastY > 0 ? true : 'the page never scrolled';
  });
  await check('an article opened without a query has no match bar', async () => {
    await page.goto(BASE + '/?doc=reuters-15718');
    await page.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
    const bar = await page.locator('#match-bar').isVisible();
    const marks = await page.locator('#article-view mark').count();
    return !bar && marks === 0 ? true : `bar ${bar}, ${marks} marks`;
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

  // ------------------------------------------------------------ crafted article
  // Marks the sample corpus cannot give: characters outside the BMP before
  // them, paragraphs split at blank lines with spaces and CRs, empty lines
  // among the captions and highlights (marks go by the answer's line index).
  {
    const page6 = await context.newPage();
    page6.setDefaultTimeout(TIMEOUT);
    const problems6 = [];
    watch(page6, problems6);
    const title = 'Summit \u{1F30D} <b>summits</b>';
    const body = '\u{1F4F0} First summit.\n\n  Second \u{1D573} Summits here.\r\n \r\nThird: none.';
    const cp = (str, sub, from) => Array.from(str.slice(0, str.indexOf(sub, from))).length;
    let asked = '';
    await page6.route('**/api/article/**', (route) => {
      asked = new URL(route.request().url()).searchParams.get('q');
      route.fulfill({
        status: 200,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({
          id: 'x/1', title, date: null, source: 'Test', url: null, byline: null, section: null, dateline: null,
          language: 'en', lede: 'First summit.', body, captions: ['', 'A caption on the summit'],
          highlights: ['Summit point', ''], entities: [], query: 'summit',
          marks: {
            title: [[0, 6], [cp(title, 'summits'), 7]], lede: [[6, 6]],
            body: [[cp(body, 'summit'), 6], [cp(body, 'Summits'), 7]],
            captions: [[], [[17, 6]]], highlights: [[[0, 6]], []],
          },
        }),
      });
    });
    await check('article marks are placed by code point in each paragraph and line', async () => {
      await page6.goto(BASE + '/?q=summit&doc=x%2F1');
      await page6.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
      if (asked !== 'summit') return 'the article was asked for with q=' + JSON.stringify(asked);
      const got = await page6.evaluate(() => ({
        title: Array.from(document.querySelectorAll('#article-title mark')).map((m) => m.textContent),
        titleText: document.getElementById('article-title').textContent,
        hl: Array.from(document.querySelectorAll('#article-highlights li')).map((li) => [li.textContent, Array.from(li.querySelectorAll('mark')).map((m) => m.textContent)]),
        paras: Array.from(document.querySelectorAll('#article-body p')).map((p) => [p.textContent, Array.from(p.querySelectorAll('mark')).map((m) => m.textContent)]),
        caps: Array.from(document.querySelectorAll('#article-captions li')).map((li) => [li.textContent, Array.from(li.querySelectorAll('mark')).map((m) => m.textContent)]),
        elements: document.querySelectorAll('#article-view b').length,
      }));
      const want = {
        title: ['Summit', 'summits'], titleText: title,
        hl: [['Summit point', ['Summit']]],
        paras: [['\u{1F4F0} First summit.', ['summit']], ['Second \u{1D573} Summits here.', ['Summits']], ['Third: none.', []]],
        caps: [['A caption on the summit', ['summit']]],
        elements: 0,
      };
      return JSON.stringify(got) === JSON.stringify(want) ? true : 'got ' + JSON.stringify(got);
    });
    await check('the bar counts them and steps through them in reading order', async () => {
      const seen = [];
      for (let i = 0; i < 6; i++) {
        await page6.keyboard.press('n');
        seen.push(await page6.evaluate(() => document.querySelector('#article-view mark.current').textContent));
      }
      const count = await page6.locator('#match-count').innerText();
      const want = ['Summit', 'summits', 'Summit', 'summit', 'Summits', 'summit'];
      return JSON.stringify(seen) === JSON.stringify(want) && count === '6 of 6 matches' ? true : `${JSON.stringify(seen)}, count ${JSON.stringify(count)}`;
    });
    await check('marks, but none in the text: the bar says so, without buttons', async () => {
      await page6.unroute('**/api/article/**');
      await page6.route('**/api/article/**', (route) => route.fulfill({
        status: 200, contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ id: 'y', title: 'Oil', body: 'Prices rose.', captions: [], highlights: [], entities: [], query: 'gas', marks: { title: [], lede: [], body: [], captions: [], highlights: [] } }),
      }));
      await page6.goto(BASE + '/?q=gas&doc=y');
      await page6.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
      const count = await page6.locator('#match-count').innerText();
      const buttons = await page6.locator('#match-bar button:visible').count();
      await page6.keyboard.press('n');
      const current = await page6.locator('#article-view mark').count();
      return /not in the text/.test(count) && buttons === 0 && current === 0 ? true : `count ${JSON.stringify(count)}, ${buttons} buttons, ${current} marks`;
    });
    await check('no exceptions or CSP violations with the crafted article', async () => {
      const csp = await page6.evaluate(() => window.__csp || []);
      const all = problems6.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await page6.close();
  }

  // ------------------------------------------------------------ did you mean
  // An answer with a "suggestion": a link to the same search with that query.
  {
    const page7 = await context.newPage();
    page7.setDefaultTimeout(TIMEOUT);
    const problems7 = [];
    watch(page7, problems7);
    const answer = (q) => JSON.stringify(Object.assign({
      query: q, total: 0, total_exact: true, relaxed: false, collapsed: 0, page: 1, limit: 10, pages: 0, hits: [],
      facets: { person: [], place: [], org: [], source: [] }, histogram: { unit: 'day', buckets: [], undated: 0 }, took_ms: 0.3,
    }, q === 'Gorbachov' ? { suggestion: 'Gorbachev' } : { total: 1, pages: 1, hits: [{ id: 'g', title: 'Gorbachev', date: '1987-03-01', source: 'Reuters', snippet: 'Gorbachev said', highlights: [[0, 9]], similar: 0 }] }));
    await page7.route('**/api/search?*', (route) => route.fulfill({
      status: 200, contentType: 'application/json; charset=utf-8',
      body: answer(new URL(route.request().url()).searchParams.get('q')),
    }));
    await check('"Did you mean" links to the suggested query, filters and order kept', async () => {
      await page7.goto(BASE + '/?q=Gorbachov&place=Moscow&sort=oldest');
      await waitIdle(page7);
      const p = page7.locator('#suggestion');
      if (!(await p.isVisible())) return 'no suggestion shown';
      const text = await p.innerText();
      if (text !== 'Did you mean Gorbachev?') return 'text ' + JSON.stringify(text);
      const link = page7.locator('#suggestion a');
      const u = new URL(await link.getAttribute('href'), BASE + '/');
      if (u.searchParams.get('q') !== 'Gorbachev' || u.searchParams.get('place') !== 'Moscow' || u.searchParams.get('sort') !== 'oldest') return 'href ' + u.search;
      await link.focus();
      await page7.keyboard.press('Enter');
      await page7.waitForURL((x) => new URL(x).searchParams.get('q') === 'Gorbachev');
      await waitIdle(page7);
      const hidden = await p.isHidden();
      const q = await page7.locator('#q').inputValue();
      const hits = await page7.locator('#hits li.hit').count();
      return hidden && q === 'Gorbachev' && hits === 1 ? true : `suggestion hidden ${hidden}, box ${JSON.stringify(q)}, ${hits} hits`;
    });
    await check('no exceptions or CSP violations with a suggestion', async () => {
      const csp = await page7.evaluate(() => window.__csp || []);
      const all = problems7.concat(csp.map((c) => 'csp: ' + c));
      return all.length ? all.join(' | ') : true;
    });
    await page7.close();
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
    await check('a query the server cannot read still opens the article, unmarked', async () => {
      await page2.goto(BASE + '/?q=ec*&doc=reuters-15718');
      await page2.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
      const t = await page2.locator('#article-title').innerText();
      const err = await page2.locator('#error').isVisible();
      const marks = await page2.locator('#article-view mark').count();
      return /SUMMIT AGRICULTURE/.test(t) && !err && marks === 0 ? true : `title ${JSON.stringify(t)}, error shown ${err}, ${marks} marks`;
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
    await check('phone: no keyboard hints on a touch screen, "Tap" for "Click"', async () => {
      await p.goto(BASE + '/?q=summit');
      await waitIdle(p);
      const coarse = await p.evaluate(() => window.matchMedia('(hover: none) and (pointer: coarse)').matches);
      if (!coarse) return 'the emulated phone is not a touch screen to the page';
      const kbd = await p.locator('#timeline-help .kbd-hint').isVisible();
      const tap = await p.locator('#timeline-help .for-touch').isVisible();
      const click = await p.locator('#timeline-help .for-pointer').isVisible();
      const help = await p.locator('#timeline-help').innerText();
      return !kbd && tap && !click && !/Keyboard|arrow keys/i.test(help) ? true : `keyboard hint ${kbd}, "Tap" ${tap}, "Click" ${click}: ${JSON.stringify(help)}`;
    });
    await check('phone: the article\'s match bar fits, without key hints, and its buttons step', async () => {
      await p.goto(BASE + '/?q=summit+negotiations&doc=reuters-15718');
      await p.waitForFunction(() => document.getElementById('article-view').getAttribute('aria-busy') === 'false');
      if (!(await p.locator('#match-bar').isVisible())) return 'no match bar';
      const keys = await p.locator('#match-keys').isVisible();
      await p.locator('#match-next').tap();
      await p.locator('#match-next').tap();
      const st = await matchState(p);
      const w = await p.evaluate(() => {
        const back = document.getElementById('back').getBoundingClientRect();
        const next = document.getElementById('match-next').getBoundingClientRect();
        return {
          doc: document.documentElement.scrollWidth, vw: window.innerWidth,
          oneLine: next.top < back.bottom && back.top < next.bottom,
          name: document.getElementById('back').getAttribute('aria-label'),
        };
      });
      await p.screenshot({ path: path.join(OUT, 'phone-article.png'), fullPage: false });
      if (keys) return 'key hints shown on a phone';
      if (w.doc > w.vw) return 'overflow ' + JSON.stringify(w);
      if (!w.oneLine || w.name !== 'Back to results') return 'the back link and the match bar: ' + JSON.stringify(w);
      return st.i === 1 && st.inView ? true : JSON.stringify(st);
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
