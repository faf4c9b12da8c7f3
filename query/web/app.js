// morgue: the newsroom search page.
// Uses only the JSON API of morgue-serve (docs/http-api.md).  Every piece of
// text from the index goes into the page as a text node: nothing from an
// answer is ever parsed as HTML.  No inline styles (the server's
// Content-Security-Policy forbids them): looks are classes in style.css.
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const ENTITY_KINDS = ['person', 'place', 'org'];
  const KIND_LABEL = { person: 'Person', place: 'Place', org: 'Organisation', source: 'Source' };
  const KIND_PLURAL = { person: 'People', place: 'Places', org: 'Organisations', source: 'Sources' };
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const DATE_RE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
  const MAX_ENTITY_FILTERS = 8;
  const nf = new Intl.NumberFormat('en');

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('search-form'), q: $('q'), since: $('since'), until: $('until'), sort: $('sort'),
    error: $('error'), status: $('status'), loading: $('loading'), relaxed: $('relaxed'),
    suggestion: $('suggestion'),
    queryNotes: $('query-notes'), facetsBasis: $('facets-basis'),
    chips: $('chips'), chipList: $('chip-list'), clearFilters: $('clear-filters'),
    resultsView: $('results-view'), hits: $('hits'), pager: $('pager'), welcome: $('welcome'),
    timeline: $('timeline'), svg: $('timeline-svg'), timelineUnit: $('timeline-unit'),
    timelineMax: $('timeline-max'), axisStart: $('axis-start'), axisMid: $('axis-mid'),
    axisEnd: $('axis-end'), undated: $('undated'), range: $('range'), rangeText: $('range-text'),
    clearRange: $('clear-range'), facets: $('facets'), main: $('main'),
    articleView: $('article-view'), back: $('back'), articleTitle: $('article-title'),
    articleKicker: $('article-kicker'), articleMeta: $('article-meta'),
    articleLink: $('article-link'), articleUrl: $('article-url'),
    articleHighlights: $('article-highlights'), articleBody: $('article-body'),
    articleCaptionsSec: $('article-captions-sec'), articleCaptions: $('article-captions'),
    articleEntitiesSec: $('article-entities-sec'), articleEntities: $('article-entities'),
    matchBar: $('match-bar'), matchCount: $('match-count'), matchPrev: $('match-prev'),
    matchNext: $('match-next'), matchKeys: $('match-keys'),
    entityForm: $('entity-form'), entityInput: $('entity-input'), entityOptions: $('entity-options'),
    health: $('health'), home: $('home'),
  };

  // ---------------------------------------------------------------- state

  function emptyState() {
    return {
      q: '', person: [], place: [], org: [], source: '', since: '', until: '',
      sort: '', page: 1, strict: false, doc: '',
    };
  }

  function readState(search) {
    const p = new URLSearchParams(search);
    const s = emptyState();
    s.q = p.get('q') || '';
    for (const k of ENTITY_KINDS) s[k] = p.getAll(k).filter((v) => v !== '');
    s.source = p.get('source') || '';
    s.since = p.get('since') || '';
    s.until = p.get('until') || '';
    const sort = p.get('sort') || '';
    s.sort = ['relevance', 'newest', 'oldest'].includes(sort) ? sort : '';
    const page = parseInt(p.get('page') || '1', 10);
    s.page = Number.isFinite(page) && page >= 1 ? Math.min(page, 1000) : 1;
    s.strict = p.get('strict') === '1';
    s.doc = p.get('doc') || '';
    return s;
  }

  function copyState(s) {
    return Object.assign({}, s, { person: s.person.slice(), place: s.place.slice(), org: s.org.slice() });
  }

  // The parameters of the page's URL (forApi: of /api/search, without doc).
  function stateParams(s, forApi) {
    const p = new URLSearchParams();
    if (s.q.trim()) p.set('q', s.q.trim());
    for (const k of ENTITY_KINDS) for (const v of s[k]) p.append(k, v);
    if (s.source) p.set('source', s.source);
    if (s.since) p.set('since', s.since);
    if (s.until) p.set('until', s.until);
    if (s.sort) p.set('sort', s.sort);
    if (s.page > 1) p.set('page', String(s.page));
    if (s.strict) p.set('strict', '1');
    if (!forApi && s.doc) p.set('doc', s.doc);
    return p;
  }

  function stateUrl(s) {
    const qs = stateParams(s, false).toString();
    return qs ? '?' + qs : location.pathname;
  }

  function hasSearch(s) {
    return Boolean(s.q.trim() || s.source || s.since || s.until ||
      ENTITY_KINDS.some((k) => s[k].length));
  }

  function entityFilterCount(s) {
    return ENTITY_KINDS.reduce((n, k) => n + s[k].length, 0);
  }

  let state = emptyState();

  function navigate(s, opts) {
    opts = opts || {};
    const url = stateUrl(s);
    if (opts.replace) history.replaceState(opts.data || null, '', url);
    else history.pushState(opts.data || null, '', url);
    render(opts);
  }

  // ---------------------------------------------------------------- helpers

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'className') node.className = v;
        else if (k === 'text') node.textContent = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c);
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function plural(n, one, many) {
    return nf.format(n) + ' ' + (n === 1 ? one : many);
  }

  // "1987-03-12T16:11:38" -> "12 Mar 1987" (withTime: ", 16:11").  Dates are
  // shown as the archive gives them, never shifted to the reader's zone.
  function formatDate(d, withTime) {
    if (!d) return '';
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2}))?)?)?/.exec(d);
    if (!m) return d;
    const [, y, mo, day, hh, mm] = m;
    let out = y;
    if (mo && +mo >= 1 && +mo <= 12) out = MONTHS[+mo - 1] + ' ' + out;
    if (day) out = String(+day) + ' ' + out;
    if (withTime && hh && !(hh === '00' && mm === '00')) out += ', ' + hh + ':' + mm;
    return out;
  }

  function timeEl(d, withTime) {
    const t = h('time', { text: formatDate(d, withTime) });
    const iso = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?)?)?)?/.exec(d);
    if (iso) t.setAttribute('datetime', iso[0]);
    return t;
  }

  // Only http(s) links from the archive become links.
  function safeUrl(u) {
    if (!u) return null;
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // The [start, length] pairs of a highlights list that make sense; anything
  // else in the list is passed over.
  function validSpans(highlights) {
    return (Array.isArray(highlights) ? highlights : [])
      .filter((x) => Array.isArray(x) && x.length >= 2 && Number.isInteger(x[0]) &&
        Number.isInteger(x[1]) && x[0] >= 0 && x[1] > 0);
  }

  // The snippet with its matches in <mark>: highlights are [start, length]
  // in Unicode code points, so the snippet is split into code points first.
  function highlighted(node, text, highlights) {
    const cps = Array.from(text || '');
    const spans = validSpans(highlights)
      .map((x) => [x[0], x[0] + x[1]])
      .sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [a, b] of spans) {
      const start = Math.max(a, pos);
      const end = Math.min(b, cps.length);
      if (end <= start) continue;
      if (start > pos) node.append(cps.slice(pos, start).join(''));
      node.append(h('mark', { text: cps.slice(start, end).join('') }));
      pos = end;
    }
    if (pos < cps.length) node.append(cps.slice(pos).join(''));
    return node;
  }

  // The length of a text in Unicode code points.
  function cpLength(text) {
    return Array.from(text).length;
  }

  // The paragraphs of a text (split at blank lines, trimmed), each with the
  // code point offset of its first character in the whole text, so that
  // marks counted in the whole text can be placed in each paragraph.
  function paragraphs(text) {
    const out = [];
    const sep = /\r?\n[ \t]*\r?\n\s*/g;
    let from = 0; // UTF-16 index of the current paragraph in text
    let cpFrom = 0; // its offset in code points
    const take = (end) => {
      const chunk = text.slice(from, end);
      const trimmed = chunk.trim();
      if (trimmed) out.push({ text: trimmed, start: cpFrom + cpLength(chunk.slice(0, chunk.length - chunk.trimStart().length)) });
      cpFrom += cpLength(chunk);
    };
    let m;
    while ((m = sep.exec(text)) !== null) {
      take(m.index);
      cpFrom += cpLength(m[0]);
      from = m.index + m[0].length;
    }
    take(text.length);
    return out;
  }

  // The spans of a whole text's marks that fall in its part [start,
  // start + len), counted from that part's start (a span across the part's
  // edge is cut to it).
  function spansWithin(highlights, start, len) {
    const out = [];
    for (const [a, n] of validSpans(highlights)) {
      const lo = Math.max(a, start);
      const hi = Math.min(a + n, start + len);
      if (hi > lo) out.push([lo - start, hi - lo]);
    }
    return out;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, signal) {
    let res;
    try {
      res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError('Cannot reach the search server. Check that morgue-serve is running.', 0);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok || !data || typeof data !== 'object') {
      const msg = data && typeof data.error === 'string' ? data.error
        : 'The server answered ' + res.status + (res.statusText ? ' ' + res.statusText : '');
      throw new ApiError(msg, (data && data.status) || res.status);
    }
    return data;
  }

  function showError(msg) {
    el.error.textContent = '';
    if (!msg) {
      el.error.hidden = true;
      return;
    }
    el.error.append(h('strong', { text: 'Error: ' }), msg);
    el.error.hidden = false;
  }

  function setLoading(on) {
    el.loading.hidden = !on;
    el.resultsView.classList.toggle('busy', on);
    el.hits.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // ---------------------------------------------------------------- render

  let searchAbort = null;
  let articleAbort = null;
  let cache = { key: null, data: null };
  let resultsScroll = 0;
  let lastHitId = null;
  let pendingFacetFocus = null; // a facet button to focus again once the lists are redrawn
  let sortTouched = false; // the sort menu was changed since the page showed this search

  function syncForm(s) {
    if (document.activeElement !== el.q || el.q.value.trim() !== s.q.trim()) el.q.value = s.q;
    el.since.value = s.since;
    el.until.value = s.until;
    el.sort.value = s.sort || (s.q.trim() ? 'relevance' : 'newest');
    sortTouched = false;
    el.since.removeAttribute('aria-invalid');
    el.until.removeAttribute('aria-invalid');
  }

  function render(opts) {
    opts = opts || {};
    state = readState(location.search);
    syncForm(state);
    renderChips(state);
    if (state.doc) {
      showArticle(state.doc);
    } else {
      showResults(state, opts);
    }
  }

  function setView(reading) {
    document.body.classList.toggle('reading', reading);
    el.articleView.hidden = !reading;
    el.resultsView.hidden = reading;
    if (reading) el.facets.hidden = true;
  }

  function showResults(s, opts) {
    if (articleAbort) articleAbort.abort();
    setView(false);
    document.title = s.q.trim() ? s.q.trim() + ' \u2013 morgue' : 'morgue: news archive search';
    if (!hasSearch(s)) {
      if (searchAbort) searchAbort.abort();
      setLoading(false);
      showError('');
      cache = { key: null, data: null };
      clear(el.hits);
      el.status.textContent = '';
      el.suggestion.hidden = true;
      el.relaxed.hidden = true;
      el.queryNotes.hidden = true;
      el.facetsBasis.hidden = true;
      el.timeline.hidden = true;
      el.pager.hidden = true;
      el.facets.hidden = false;
      clearFacets();
      el.welcome.hidden = false;
      return;
    }
    el.welcome.hidden = true;
    const key = stateParams(s, true).toString();
    if (cache.key === key && cache.data) {
      renderResults(cache.data, s);
      if (opts.restore) restoreResultsPosition();
      return;
    }
    runSearch(s, key, opts);
  }

  async function runSearch(s, key, opts) {
    if (searchAbort) searchAbort.abort();
    const ctl = new AbortController();
    searchAbort = ctl;
    setLoading(true);
    try {
      const data = await api('api/search?' + key, ctl.signal);
      if (ctl.signal.aborted) return;
      cache = { key, data };
      showError('');
      renderResults(data, s);
      if (opts.restore) restoreResultsPosition();
      else if (opts.focusResults) {
        el.main.focus({ preventScroll: true });
        el.main.scrollIntoView({ block: 'start' });
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      cache = { key: null, data: null };
      showError(e.message);
      el.status.textContent = 'The search failed.';
      clear(el.hits);
      el.suggestion.hidden = true;
      el.relaxed.hidden = true;
      el.queryNotes.hidden = true;
      el.facetsBasis.hidden = true;
      el.timeline.hidden = true;
      el.pager.hidden = true;
      clearFacets();
    } finally {
      if (searchAbort === ctl) {
        searchAbort = null;
        setLoading(false);
      }
    }
  }

  function restoreResultsPosition() {
    window.scrollTo(0, resultsScroll);
    if (lastHitId !== null) {
      for (const a of el.hits.querySelectorAll('a.hit-title')) {
        if (a.dataset.id === lastHitId) {
          a.focus({ preventScroll: true });
          break;
        }
      }
    }
  }

  // "N articles", or "more than N" when the server stopped counting there
  // (total_exact false: SEARCH_TOTAL_EXACT, 10,000).
  function countText(n, exact, one, many) {
    return exact === false ? 'more than ' + nf.format(n) + ' ' + many : plural(n, one, many);
  }

  function capitalised(t) {
    return t.charAt(0).toUpperCase() + t.slice(1);
  }

  function renderResults(d, s) {
    const total = Number(d.total) || 0;
    const relaxed = d.relaxed === true;
    // The hits of a relaxed search are the articles with most of the words:
    // relaxed_total of them hold some; total counts those with all.
    const shown = relaxed ? Number(d.relaxed_total) || 0 : total;
    let line;
    if (relaxed) line = capitalised(countText(shown, d.relaxed_total_exact, 'article', 'articles')) + ' with some of the words';
    else line = total === 0 ? 'No articles found' : capitalised(countText(total, d.total_exact, 'article', 'articles'));
    if (typeof d.took_ms === 'number') line += ' \u00b7 ' + d.took_ms.toFixed(1) + ' ms';
    // morgue-serve --cluster --on-shard-failure partial: some shards did not answer
    if (d.partial === true && Array.isArray(d.missing_shards)) {
      const n = d.missing_shards.length;
      line += ' \u00b7 partial: ' + n + (n === 1 ? ' shard' : ' shards') + ' of the archive did not answer';
    }
    el.status.textContent = line;
    renderSuggestion(d.suggestion, s);

    clear(el.relaxed);
    if (relaxed) {
      el.relaxed.append(total === 0
        ? 'No article has all the words; these have most of them.'
        : 'Only ' + countText(total, d.total_exact, 'article has', 'articles have') + ' all the words; these have most of them.');
      if (total > 0) {
        const ns = copyState(s);
        ns.strict = true;
        ns.page = 1;
        const a = h('a', { href: stateUrl(ns), className: 'relaxed-link', text: 'Show only the ' + countText(total, d.total_exact, 'article', 'articles') + ' with all of them' });
        a.addEventListener('click', (e) => {
          if (plainClick(e)) {
            e.preventDefault();
            navigate(ns);
          }
        });
        el.relaxed.append(' ', a);
      }
      el.relaxed.hidden = false;
    } else {
      el.relaxed.hidden = true;
    }
    renderQueryNotes(d);

    renderHits(d.hits || [], s, shown, Number(d.limit) || 10);
    const top = d.facets_basis === 'relaxed_top' ? Number(d.facets_hits) || 0 : 0;
    renderTimeline(d.histogram, s, top);
    renderFacets(d.facets || {}, s, d.facets_approximate === true, top);
    renderPager(Number(d.page) || s.page, Number(d.pages) || 0, s);
  }

  // "Did you mean ...?" when the answer carries a suggestion (a query
  // corrected from the index's own words that finds more): a link to the
  // same search, filters and order kept, with that query, from page 1.
  function renderSuggestion(suggestion, s) {
    clear(el.suggestion);
    const q = typeof suggestion === 'string' ? suggestion.trim() : '';
    if (!q || q === s.q.trim()) {
      el.suggestion.hidden = true;
      return;
    }
    const ns = copyState(s);
    ns.q = q;
    ns.page = 1;
    ns.doc = '';
    const a = h('a', { href: stateUrl(ns), className: 'suggestion-link', text: q });
    a.addEventListener('click', (e) => {
      if (!plainClick(e)) return;
      e.preventDefault();
      navigate(ns);
    });
    el.suggestion.append('Did you mean ', a, '?');
    el.suggestion.hidden = false;
  }

  // How the server read the query, when it did not take it word for word.
  function renderQueryNotes(d) {
    clear(el.queryNotes);
    const notes = [];
    const narrowed = Array.isArray(d.narrowed_prefixes) ? d.narrowed_prefixes : [];
    for (const n of narrowed) {
      if (!n || typeof n.prefix !== 'string') continue;
      const kept = Number(n.kept) || 0;
      const of = Number(n.of) || 0;
      notes.push([h('code', { text: n.prefix + '*' }), kept > 0
        ? ' stands for its ' + plural(kept, 'most frequent word', 'most frequent words') + ' (of ' + nf.format(of) + ').'
        : ' was left out: the query\u2019s prefixes already stand for as many words as a search takes.']);
    }
    const dropped = Array.isArray(d.dropped_words) ? Array.from(new Set(d.dropped_words.map(String))) : [];
    if (dropped.length) {
      notes.push(['A long query: the most telling words were kept, these left out: ' + dropped.join(', ') + '.']);
    }
    if (d.operators_ignored === true) notes.push(['A query of this many words is read as a list of words: AND, OR, NOT, fields and brackets are ignored.']);
    if (d.operators_as_words === true) notes.push(['Written in capitals, so AND, OR and NOT were searched for as words.']);
    for (const parts of notes) el.queryNotes.append(h('li', null, ...parts));
    el.queryNotes.hidden = notes.length === 0;
  }

  function plainClick(e) {
    return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
  }

  function renderHits(hits, s, total, limit) {
    clear(el.hits);
    if (!hits.length) {
      el.hits.append(h('li', { className: 'no-hits' },
        h('p', { text: total > 0 ? 'No articles on this page.' : 'No article matches. Try fewer or other words, or remove a filter.' })));
      return;
    }
    el.hits.setAttribute('start', String((Math.max(1, s.page) - 1) * limit + 1));
    for (const hit of hits) {
      const id = String(hit.id);
      const ns = copyState(s);
      ns.doc = id;
      const title = h('a', { href: stateUrl(ns), className: 'hit-title', 'data-id': id, text: hit.title || '(untitled)' });
      title.addEventListener('click', (e) => {
        if (!plainClick(e)) return;
        e.preventDefault();
        resultsScroll = window.scrollY;
        lastHitId = id;
        navigate(ns, { data: { fromResults: true } });
      });

      const meta = h('p', { className: 'hit-meta' });
      if (hit.date) meta.append(timeEl(hit.date, false));
      else meta.append(h('span', { className: 'undated', text: 'Undated' }));
      if (hit.source) meta.append(h('span', { className: 'sep', 'aria-hidden': 'true', text: '\u00b7' }), h('span', { className: 'hit-source', text: hit.source }));
      if (Number(hit.similar) > 0) {
        meta.append(h('span', { className: 'sep', 'aria-hidden': 'true', text: '\u00b7' }),
          h('span', { className: 'similar', title: 'Near-duplicate copies folded under this article', text: '+' + nf.format(hit.similar) + ' similar' }));
      }

      const snippet = highlighted(h('p', { className: 'snippet' }), hit.snippet || '', hit.highlights);
      el.hits.append(h('li', { className: 'hit' },
        h('article', null, h('h2', { className: 'hit-heading' }, title), meta, snippet)));
    }
  }

  function renderPager(page, pages, s) {
    clear(el.pager);
    if (pages <= 1) {
      el.pager.hidden = true;
      return;
    }
    el.pager.hidden = false;
    const list = h('ul', { className: 'pager-list' });
    const link = (p, label, cls, aria) => {
      const ns = copyState(s);
      ns.page = p;
      const a = h('a', { href: stateUrl(ns), className: cls, 'aria-label': aria || null, text: label });
      if (p === page) a.setAttribute('aria-current', 'page');
      a.addEventListener('click', (e) => {
        if (!plainClick(e)) return;
        e.preventDefault();
        navigate(ns, { focusResults: true });
      });
      return a;
    };
    const disabled = (label) => h('span', { className: 'pager-step disabled', 'aria-disabled': 'true', text: label });

    list.append(h('li', null, page > 1 ? link(page - 1, '\u2190 Previous', 'pager-step', 'Previous page') : disabled('\u2190 Previous')));
    const shown = new Set([1, pages]);
    for (let p = page - 2; p <= page + 2; p++) if (p >= 1 && p <= pages) shown.add(p);
    let prev = 0;
    for (const p of Array.from(shown).sort((a, b) => a - b)) {
      if (p - prev > 1) list.append(h('li', { className: 'gap', 'aria-hidden': 'true', text: '\u2026' }));
      list.append(h('li', null, link(p, nf.format(p), 'pager-num', 'Page ' + p)));
      prev = p;
    }
    list.append(h('li', null, page < pages ? link(page + 1, 'Next \u2192', 'pager-step', 'Next page') : disabled('Next \u2192')));
    el.pager.append(list, h('p', { className: 'pager-where', text: 'Page ' + nf.format(page) + ' of ' + nf.format(pages) }));
  }

  // ---------------------------------------------------------------- chips

  function renderChips(s) {
    clear(el.chipList);
    const add = (label, value, remove) => {
      const b = h('button', { type: 'button', className: 'chip-remove', 'aria-label': 'Remove filter ' + label + ': ' + value, title: 'Remove this filter' });
      b.append(h('span', { 'aria-hidden': 'true', text: '\u00d7' }));
      b.addEventListener('click', () => {
        const ns = copyState(s);
        remove(ns);
        ns.page = 1;
        ns.doc = '';
        navigate(ns);
        el.q.focus({ preventScroll: true });
      });
      el.chipList.append(h('li', { className: 'chip' },
        h('span', { className: 'chip-kind', text: label }), h('span', { className: 'chip-value', text: value }), b));
    };
    for (const k of ENTITY_KINDS) {
      for (const v of s[k]) add(KIND_LABEL[k], v, (ns) => { ns[k] = ns[k].filter((x) => x !== v); });
    }
    if (s.source) add('Source', s.source, (ns) => { ns.source = ''; });
    if (s.since || s.until) add('Dates', rangeLabel(s), (ns) => { ns.since = ''; ns.until = ''; });
    if (s.strict) add('Match', 'all the words', (ns) => { ns.strict = false; });
    el.chips.hidden = !el.chipList.firstChild;
  }

  function rangeLabel(s) {
    if (s.since && s.until) return s.since === s.until ? s.since : s.since + ' to ' + s.until;
    if (s.since) return 'from ' + s.since;
    return 'until ' + s.until;
  }

  function addFilter(kind, value) {
    const a = document.activeElement;
    const fromFacet = a && a.classList && (a.classList.contains('facet-value') || a.classList.contains('facet-with-value'));
    pendingFacetFocus = fromFacet ? { kind, value } : null;
    const ns = copyState(state);
    ns.doc = '';
    ns.page = 1;
    if (kind === 'source') {
      ns.source = ns.source === value ? '' : value;
    } else {
      if (ns[kind].includes(value)) {
        ns[kind] = ns[kind].filter((x) => x !== value);
      } else {
        if (entityFilterCount(ns) >= MAX_ENTITY_FILTERS) {
          showError('At most ' + MAX_ENTITY_FILTERS + ' people, places and organisations can be filtered on at once.');
          return;
        }
        ns[kind].push(value);
      }
    }
    navigate(ns);
  }

  // ---------------------------------------------------------------- facets

  function clearFacets() {
    for (const k of ['person', 'place', 'org', 'source']) clear($('facet-' + k));
    el.facets.hidden = false;
    el.facetsBasis.hidden = true;
    for (const d of el.facets.querySelectorAll('details.facet')) d.hidden = true;
  }

  // approx: counted on a sample of the matches and scaled; top > 0: no
  // article has all the words, the counts are of the best top relaxed hits
  // (facets_basis "relaxed_top", docs/http-api.md)
  function renderFacets(f, s, approx, top) {
    el.facets.hidden = false;
    el.facetsBasis.textContent = top > 0
      ? 'No article has all the words: these counts are of the best ' + plural(top, 'match', 'matches') + ' (those with most of them), listed by how well their articles match.'
      : '';
    el.facetsBasis.hidden = !(top > 0);
    for (const k of ['person', 'place', 'org', 'source']) {
      const list = $('facet-' + k);
      const details = list.closest('details');
      clear(list);
      const values = Array.isArray(f[k]) ? f[k] : [];
      details.hidden = values.length === 0;
      const among = top > 0 ? ' of the best ' + nf.format(top) : '';
      for (const v of values) {
        const name = String(v.name);
        const active = k === 'source' ? s.source.toLowerCase() === name.toLowerCase() : s[k].includes(name);
        const b = h('button', {
          type: 'button', className: 'facet-value', 'aria-pressed': active ? 'true' : 'false',
          'data-kind': k, 'data-value': name,
          'aria-label': (active ? 'Remove filter ' : 'Filter by ') + KIND_LABEL[k].toLowerCase() + ' ' + name + ', ' + (approx ? 'about ' : '') + plural(v.count, 'article', 'articles') + among,
        }, h('span', { className: 'facet-name', text: name }), h('span', { className: 'count', text: (approx ? '\u2248\u2009' : '') + nf.format(v.count) }));
        b.addEventListener('click', () => addFilter(k, name));
        list.append(h('li', null, b, k === 'source' ? null : withLine(v, name, s, approx, among)));
        if (pendingFacetFocus && pendingFacetFocus.kind === k && pendingFacetFocus.value === name) {
          pendingFacetFocus = null;
          b.focus({ preventScroll: true });
        }
      }
    }
    if (pendingFacetFocus) {
      // The value is gone from the lists: keep the keyboard in the facets.
      pendingFacetFocus = null;
      const first = el.facets.querySelector('details:not([hidden]) .facet-value');
      if (first) first.focus({ preventScroll: true });
    }
  }

  // The names mentioned most with facet value v (its "with"), in small
  // text under it: each a button that filters on that name as a facet
  // value does.  null when there are none.
  function withLine(v, name, s, approx, among) {
    const names = (Array.isArray(v.with) ? v.with : []).filter((w) => ENTITY_KINDS.includes(w.kind));
    if (names.length === 0) return null;
    const p = h('p', { className: 'facet-with' }, h('span', { className: 'facet-with-label', text: 'with ' }));
    names.forEach((w, i) => {
      const wn = String(w.name);
      const active = s[w.kind].includes(wn);
      const b = h('button', {
        type: 'button', className: 'facet-with-value', 'aria-pressed': active ? 'true' : 'false',
        'data-kind': w.kind, 'data-value': wn,
        title: (approx ? 'about ' : '') + plural(w.count, 'article', 'articles') + among + ' name both',
        'aria-label': (active ? 'Remove filter ' : 'Filter by ') + KIND_LABEL[w.kind].toLowerCase() + ' ' + wn + ', named with ' + name + ' in ' + (approx ? 'about ' : '') + plural(w.count, 'article', 'articles') + among,
        text: wn,
      });
      b.addEventListener('click', () => addFilter(w.kind, wn));
      if (i > 0) p.append(h('span', { className: 'facet-with-sep', 'aria-hidden': 'true', text: ' \u00b7 ' }));
      p.append(b);
    });
    return p;
  }

  // ---------------------------------------------------------------- timeline

  const tl = { buckets: [], unit: 'day', label: '', focus: 0, anchor: null, dragging: false, dragStart: 0, dragEnd: 0, width: 0, offset: 0 };
  const BAR = 10;
  const TL_H = 100;

  function bucketLabel(date, unit) {
    return formatDate(date) || date;
  }

  // top > 0: the histogram counts the best top relaxed hits only.
  function renderTimeline(hist, s, top) {
    clear(el.svg);
    const buckets = hist && Array.isArray(hist.buckets) ? hist.buckets : [];
    const undated = hist ? Number(hist.undated) || 0 : 0;
    el.undated.hidden = undated === 0;
    el.undated.textContent = undated ? plural(undated, 'matching article', 'matching articles') +
      ' without a date ' + (undated === 1 ? 'is' : 'are') + ' not shown on the timeline.' : '';
    // The date range in force, with its clear button.
    el.range.hidden = !(s.since || s.until);
    el.rangeText.textContent = s.since || s.until ? 'Dates: ' + rangeLabel(s) : '';

    // No dated article among the matches: no timeline at all (a date range
    // in force is still shown, and removable, as a chip).
    if (!buckets.some((b) => Number(b.count) > 0)) {
      el.timeline.hidden = true;
      el.svg.classList.add('empty');
      el.timelineUnit.textContent = '';
      el.timelineMax.textContent = '';
      el.axisStart.textContent = el.axisMid.textContent = el.axisEnd.textContent = '';
      tl.buckets = [];
      tl.refocus = false;
      return;
    }
    el.svg.classList.remove('empty');
    el.timeline.hidden = false;
    tl.buckets = buckets;
    tl.unit = hist.unit || 'day';
    tl.label = 'Articles per ' + tl.unit + (top > 0 ? ', among the best ' + plural(top, 'match', 'matches') : '');
    tl.anchor = null;
    const n = buckets.length;
    const slots = Math.max(n, 24);
    tl.width = slots * BAR;
    tl.offset = Math.floor((slots - n) / 2) * BAR;
    el.svg.setAttribute('viewBox', '0 0 ' + tl.width + ' ' + TL_H);
    el.timelineUnit.textContent = tl.label;

    let max = 0;
    for (const b of buckets) max = Math.max(max, Number(b.count) || 0);
    el.timelineMax.textContent = nf.format(max);

    // guide lines
    for (const frac of [0.5, 1]) {
      const y = TL_H - frac * (TL_H - 4);
      el.svg.append(svg('line', { x1: 0, x2: tl.width, y1: y, y2: y, class: 'guide' }));
    }
    el.svg.append(svg('line', { x1: 0, x2: tl.width, y1: TL_H - 0.5, y2: TL_H - 0.5, class: 'baseline' }));

    // Keep keyboard focus on the bar that had it, else the busiest.
    let focus = 0;
    buckets.forEach((b, i) => { if ((Number(b.count) || 0) > (Number(buckets[focus].count) || 0)) focus = i; });
    if (tl.focus < n && tl.keepFocus) focus = tl.focus;
    tl.focus = focus;
    tl.keepFocus = false;

    buckets.forEach((b, i) => {
      const count = Number(b.count) || 0;
      const hgt = count ? Math.max(3, (count / max) * (TL_H - 4)) : 1.5;
      const rect = svg('rect', {
        x: tl.offset + i * BAR + 1, width: BAR - 2, y: TL_H - hgt, height: hgt,
        class: 'bar' + (count ? '' : ' zero'),
        tabindex: i === focus ? 0 : -1, role: 'button', 'data-i': i, 'data-date': b.date,
        'aria-label': b.date + ': ' + plural(count, 'article', 'articles'),
      });
      const title = svg('title');
      title.textContent = b.date + ': ' + plural(count, 'article', 'articles');
      rect.append(title);
      el.svg.append(rect);
    });

    if (tl.refocus) {
      tl.refocus = false;
      const bar = el.svg.querySelector('rect.bar[tabindex="0"]');
      if (bar) bar.focus({ preventScroll: true });
    }

    el.axisStart.textContent = bucketLabel(buckets[0].date, tl.unit);
    el.axisEnd.textContent = n > 1 ? bucketLabel(buckets[n - 1].date, tl.unit) : '';
    el.axisMid.textContent = n > 4 ? bucketLabel(buckets[Math.floor((n - 1) / 2)].date, tl.unit) : '';
  }

  function bars() {
    return el.svg.querySelectorAll('rect.bar');
  }

  function markSelection(a, b) {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    bars().forEach((r, i) => r.classList.toggle('selected', a !== null && i >= lo && i <= hi));
    if (a === null) return;
    const from = tl.buckets[lo].date;
    const to = tl.buckets[hi].date;
    el.timelineUnit.textContent = lo === hi ? 'Narrow to ' + from : 'Narrow to ' + from + ' to ' + to;
  }

  function applyBuckets(a, b) {
    tl.refocus = el.svg.contains(document.activeElement);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (!tl.buckets[lo] || !tl.buckets[hi]) return;
    const ns = copyState(state);
    ns.since = tl.buckets[lo].date;
    ns.until = tl.buckets[hi].date;
    ns.page = 1;
    ns.doc = '';
    navigate(ns);
  }

  function indexAt(clientX) {
    const r = el.svg.getBoundingClientRect();
    if (!r.width || !tl.buckets.length) return 0;
    const x = ((clientX - r.left) / r.width) * tl.width - tl.offset;
    return Math.max(0, Math.min(tl.buckets.length - 1, Math.floor(x / BAR)));
  }

  el.svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || !tl.buckets.length) return;
    e.preventDefault();
    tl.dragging = true;
    tl.dragStart = tl.dragEnd = indexAt(e.clientX);
    try { el.svg.setPointerCapture(e.pointerId); } catch (err) { /* not capturable */ }
    markSelection(tl.dragStart, tl.dragEnd);
  });
  el.svg.addEventListener('pointermove', (e) => {
    if (!tl.dragging) return;
    const i = indexAt(e.clientX);
    if (i !== tl.dragEnd) {
      tl.dragEnd = i;
      markSelection(tl.dragStart, tl.dragEnd);
    }
  });
  el.svg.addEventListener('pointerup', (e) => {
    if (!tl.dragging) return;
    tl.dragging = false;
    tl.dragEnd = indexAt(e.clientX);
    applyBuckets(tl.dragStart, tl.dragEnd);
  });
  el.svg.addEventListener('pointercancel', () => {
    tl.dragging = false;
    markSelection(null, null);
  });

  function focusBar(i) {
    const list = bars();
    if (!list.length) return;
    i = Math.max(0, Math.min(list.length - 1, i));
    list.forEach((r, j) => r.setAttribute('tabindex', j === i ? '0' : '-1'));
    tl.focus = i;
    list[i].focus();
  }

  el.svg.addEventListener('focusin', (e) => {
    const i = Number(e.target.getAttribute && e.target.getAttribute('data-i'));
    if (Number.isInteger(i)) tl.focus = i;
  });

  el.svg.addEventListener('keydown', (e) => {
    if (!tl.buckets.length) return;
    const n = tl.buckets.length;
    let next = null;
    switch (e.key) {
      case 'ArrowRight': case 'ArrowUp': next = tl.focus + 1; break;
      case 'ArrowLeft': case 'ArrowDown': next = tl.focus - 1; break;
      case 'PageUp': next = tl.focus + 10; break;
      case 'PageDown': next = tl.focus - 10; break;
      case 'Home': next = 0; break;
      case 'End': next = n - 1; break;
      case 'Enter': case ' ':
        e.preventDefault();
        applyBuckets(tl.anchor === null ? tl.focus : tl.anchor, tl.focus);
        return;
      case 'Escape':
        if (tl.anchor !== null) {
          e.preventDefault();
          tl.anchor = null;
          markSelection(null, null);
          el.timelineUnit.textContent = tl.label;
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    next = Math.max(0, Math.min(n - 1, next));
    if (e.shiftKey) {
      if (tl.anchor === null) tl.anchor = tl.focus;
      markSelection(tl.anchor, next);
    } else if (tl.anchor !== null) {
      tl.anchor = null;
      markSelection(null, null);
      el.timelineUnit.textContent = tl.label;
    }
    focusBar(next);
  });

  el.clearRange.addEventListener('click', () => {
    const ns = copyState(state);
    ns.since = '';
    ns.until = '';
    ns.page = 1;
    navigate(ns);
  });

  // ---------------------------------------------------------------- article

  async function showArticle(id) {
    if (searchAbort) searchAbort.abort();
    setLoading(false);
    if (articleAbort) articleAbort.abort();
    const ctl = new AbortController();
    articleAbort = ctl;
    setView(true);
    const back = copyState(state);
    back.doc = '';
    el.back.setAttribute('href', stateUrl(back));
    // "← Back" on a phone, to keep the match bar beside it on one line.
    clear(el.back);
    if (hasSearch(back)) {
      el.back.setAttribute('aria-label', 'Back to results');
      el.back.append('\u2190 Back', h('span', { className: 'wide-only', text: ' to results' }));
    } else {
      el.back.removeAttribute('aria-label');
      el.back.textContent = '\u2190 New search';
    }
    clearArticle();
    el.articleTitle.textContent = 'Loading\u2026';
    el.articleView.setAttribute('aria-busy', 'true');
    window.scrollTo(0, 0);
    try {
      const a = await fetchArticle(id, state.q.trim(), ctl.signal);
      if (ctl.signal.aborted) return;
      showError('');
      renderArticle(a);
    } catch (e) {
      if (e.name === 'AbortError') return;
      el.articleTitle.textContent = e.status === 404 ? 'Article not found' : 'The article could not be loaded';
      showError(e.message);
    } finally {
      if (articleAbort === ctl) {
        articleAbort = null;
        el.articleView.setAttribute('aria-busy', 'false');
      }
    }
    el.articleTitle.focus({ preventScroll: true });
  }

  // The article, with the places of the query's words when the search has
  // a query (GET /api/article/ID?q=: "marks").  A query the server refuses
  // (400: one it cannot read, a prefix too short) still shows the article,
  // unmarked.
  async function fetchArticle(id, q, signal) {
    const path = 'api/article/' + encodeURIComponent(id);
    if (!q) return api(path, signal);
    try {
      return await api(path + '?' + new URLSearchParams({ q }).toString(), signal);
    } catch (e) {
      if (e.name === 'AbortError' || e.status !== 400) throw e;
      return api(path, signal);
    }
  }

  function clearArticle() {
    resetMatches();
    for (const n of [el.articleKicker, el.articleMeta, el.articleBody, el.articleHighlights, el.articleCaptions, el.articleEntities]) clear(n);
    el.articleLink.hidden = true;
    el.articleHighlights.hidden = true;
    el.articleCaptionsSec.hidden = true;
    el.articleEntitiesSec.hidden = true;
    el.articleUrl.removeAttribute('href');
  }

  // marks[key][i]: the marks of line i of a list field (captions,
  // highlights), or null.
  function lineMarks(marks, key, i) {
    return marks && Array.isArray(marks[key]) && Array.isArray(marks[key][i]) ? marks[key][i] : null;
  }

  function renderArticle(a) {
    document.title = (a.title || 'Article') + ' \u2013 morgue';
    // The query's words, where the server placed them: [start, length] in
    // code points of each field (or line), as a hit's highlights.
    const marks = a.marks && typeof a.marks === 'object' ? a.marks : null;
    clear(el.articleTitle);
    if (a.title) highlighted(el.articleTitle, String(a.title), marks && marks.title);
    else el.articleTitle.textContent = '(untitled)';

    const kicker = [a.section, a.dateline].filter(Boolean);
    el.articleKicker.textContent = kicker.join(' \u00b7 ');

    const meta = [];
    meta.push(a.date ? timeEl(a.date, true) : h('span', { className: 'undated', text: 'Undated' }));
    if (a.source) meta.push(h('span', { className: 'article-source', text: a.source }));
    if (a.byline) meta.push(h('span', { className: 'byline', text: a.byline }));
    meta.forEach((m, i) => {
      if (i) el.articleMeta.append(h('span', { className: 'sep', 'aria-hidden': 'true', text: '\u00b7' }));
      el.articleMeta.append(m);
    });

    const url = safeUrl(a.url);
    if (url) {
      el.articleUrl.setAttribute('href', url);
      el.articleUrl.textContent = 'Original article at ' + new URL(url).hostname;
      el.articleLink.hidden = false;
    }

    // Lines are numbered as the answer gives them, empty ones included, so
    // that marks.highlights[i] and marks.captions[i] stay theirs.
    const hl = Array.isArray(a.highlights) ? a.highlights : [];
    hl.forEach((t, i) => {
      if (t) el.articleHighlights.append(highlighted(h('li'), String(t), lineMarks(marks, 'highlights', i)));
    });
    el.articleHighlights.hidden = !el.articleHighlights.firstChild;

    const hasBody = typeof a.body === 'string' && a.body.trim();
    const text = hasBody ? a.body : (typeof a.lede === 'string' ? a.lede : '');
    const textMarks = marks && (hasBody ? marks.body : marks.lede);
    const paras = paragraphs(text);
    if (!paras.length) el.articleBody.append(h('p', { className: 'hint', text: 'This article has no text.' }));
    for (const p of paras) el.articleBody.append(highlighted(h('p'), p.text, spansWithin(textMarks, p.start, cpLength(p.text))));

    const caps = Array.isArray(a.captions) ? a.captions : [];
    caps.forEach((c, i) => {
      if (c) el.articleCaptions.append(highlighted(h('li'), String(c), lineMarks(marks, 'captions', i)));
    });
    el.articleCaptionsSec.hidden = !el.articleCaptions.firstChild;

    const ents = Array.isArray(a.entities) ? a.entities : [];
    for (const k of ENTITY_KINDS) {
      const of = ents.filter((e) => e.kind === k);
      if (!of.length) continue;
      const list = h('ul', { className: 'entity-list' });
      for (const e of of) {
        const name = String(e.name);
        const b = h('button', { type: 'button', className: 'entity', 'aria-label': 'Search articles naming ' + name },
          h('span', { text: name }));
        if (Number(e.mentions) > 0) b.append(h('span', { className: 'count', 'aria-hidden': 'true', text: nf.format(e.mentions) }));
        b.addEventListener('click', () => addFilter(k, name));
        list.append(h('li', null, b));
      }
      el.articleEntities.append(h('h3', { text: KIND_PLURAL[k] }), list);
    }
    el.articleEntitiesSec.hidden = !el.articleEntities.firstChild;
    setMatches(marks !== null);
  }

  // ------------------------------------------------------ matches in the article

  // The marks of the open article in reading order, and the one shown as
  // current (-1: none yet; the first step goes to the first or the last).
  const matches = { list: [], current: -1 };

  function resetMatches() {
    matches.list = [];
    matches.current = -1;
    el.matchBar.hidden = true;
  }

  // After an article is drawn: the bar shows how many of the query's words
  // are marked (marked false: the answer had no marks, no bar).
  function setMatches(marked) {
    matches.list = Array.from(el.articleView.querySelectorAll('.article-head mark, #article-highlights mark, #article-body mark, #article-captions mark'));
    matches.current = -1;
    el.matchBar.hidden = !marked;
    const any = matches.list.length > 0;
    el.matchPrev.hidden = el.matchNext.hidden = !any;
    el.matchKeys.hidden = !any;
    showMatchCount();
  }

  function showMatchCount() {
    const n = matches.list.length;
    if (!n) el.matchCount.textContent = 'Your search\u2019s words are not in the text';
    else if (matches.current < 0) el.matchCount.textContent = plural(n, 'match', 'matches');
    else el.matchCount.textContent = nf.format(matches.current + 1) + ' of ' + plural(n, 'match', 'matches');
  }

  // Makes the next (step 1) or previous (step -1) mark the current one,
  // round from the last to the first, and scrolls it into view.
  function stepMatch(step) {
    const n = matches.list.length;
    if (!n || el.articleView.hidden) return;
    const old = matches.list[matches.current];
    if (old) {
      old.classList.remove('current');
      old.removeAttribute('aria-current');
    }
    if (matches.current < 0) matches.current = step > 0 ? 0 : n - 1;
    else matches.current = (matches.current + step + n) % n;
    const m = matches.list[matches.current];
    m.classList.add('current');
    m.setAttribute('aria-current', 'true');
    m.scrollIntoView({ block: 'center', inline: 'nearest' });
    showMatchCount();
  }

  el.matchNext.addEventListener('click', () => stepMatch(1));
  el.matchPrev.addEventListener('click', () => stepMatch(-1));
  // In the bar, Enter goes to the next match and Shift+Enter to the
  // previous, whichever button has the focus (as in a browser's find bar).
  el.matchBar.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    stepMatch(e.shiftKey ? -1 : 1);
  });

  el.back.addEventListener('click', (e) => {
    if (!plainClick(e)) return;
    e.preventDefault();
    goBack();
  });

  function goBack() {
    if (history.state && history.state.fromResults) {
      history.back();
    } else {
      const ns = copyState(state);
      ns.doc = '';
      navigate(ns);
    }
  }

  // ---------------------------------------------------------------- forms

  function checkDate(input) {
    const v = input.value.trim();
    if (v && !DATE_RE.test(v)) {
      input.setAttribute('aria-invalid', 'true');
      return false;
    }
    input.removeAttribute('aria-invalid');
    return true;
  }

  el.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const okSince = checkDate(el.since);
    const okUntil = checkDate(el.until);
    if (!okSince || !okUntil) {
      showError('Dates are written YYYY, YYYY-MM or YYYY-MM-DD, for example 2018 or 2018-02-10.');
      (okSince ? el.until : el.since).focus();
      return;
    }
    const ns = copyState(state);
    ns.q = el.q.value.trim();
    ns.since = el.since.value.trim();
    ns.until = el.until.value.trim();
    // The menu shows the default order when the URL gives none: that
    // default depends on the query, so only a choice made in the menu sticks.
    if (sortTouched) {
      const implied = ns.q ? 'relevance' : 'newest';
      ns.sort = el.sort.value === implied ? '' : el.sort.value;
    }
    ns.page = 1;
    ns.doc = '';
    if (!hasSearch(ns) && hasSearch(state)) {
      // An emptied box with no filters: back to the start.
      navigate(emptyState());
      return;
    }
    if (!hasSearch(ns)) {
      showError('');
      el.q.focus();
      return;
    }
    // Same search again: refetch (the index may have changed).
    if (stateUrl(ns) === location.search) cache = { key: null, data: null };
    navigate(ns);
  });

  el.sort.addEventListener('change', () => {
    sortTouched = true;
    if (hasSearch(state) || el.q.value.trim()) el.form.requestSubmit();
  });

  el.clearFilters.addEventListener('click', () => {
    const ns = emptyState();
    ns.q = state.q;
    ns.sort = state.sort;
    navigate(ns);
    el.q.focus({ preventScroll: true });
  });

  el.home.addEventListener('click', (e) => {
    if (!plainClick(e)) return;
    e.preventDefault();
    navigate(emptyState());
    el.q.focus();
  });

  // Entity autocompletion (GET /api/entities).
  const known = new Map(); // lower-case name -> {kind, name}
  let suggestTimer = 0;
  let suggestAbort = null;

  async function suggest(prefix) {
    if (suggestAbort) suggestAbort.abort();
    const ctl = new AbortController();
    suggestAbort = ctl;
    try {
      const d = await api('api/entities?' + new URLSearchParams({ prefix, limit: '10' }).toString(), ctl.signal);
      if (ctl.signal.aborted) return [];
      const ents = Array.isArray(d.entities) ? d.entities : [];
      clear(el.entityOptions);
      for (const e of ents) {
        if (!ENTITY_KINDS.includes(e.kind)) continue;
        if (!known.has(String(e.name).toLowerCase())) known.set(String(e.name).toLowerCase(), { kind: e.kind, name: String(e.name) });
        el.entityOptions.append(h('option', { value: e.name, label: KIND_LABEL[e.kind] + ' \u00b7 ' + plural(Number(e.count) || 0, 'article', 'articles') }));
      }
      return ents;
    } catch (e) {
      return [];
    }
  }

  el.entityInput.addEventListener('input', (e) => {
    const v = el.entityInput.value.trim();
    clearTimeout(suggestTimer);
    const hit = known.get(v.toLowerCase());
    // A suggestion picked from the list: add it at once.
    if (hit && e.inputType === 'insertReplacementText') {
      addEntity(hit);
      return;
    }
    if (v.length < 2) {
      clear(el.entityOptions);
      return;
    }
    suggestTimer = setTimeout(() => suggest(v), 150);
  });

  function addEntity(ent) {
    el.entityInput.value = '';
    clear(el.entityOptions);
    if (state[ent.kind].includes(ent.name)) return;
    addFilter(ent.kind, ent.name);
  }

  el.entityForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = el.entityInput.value.trim();
    if (!v) return;
    let ent = known.get(v.toLowerCase());
    if (!ent) {
      const ents = await suggest(v);
      const exact = ents.find((x) => String(x.name).toLowerCase() === v.toLowerCase() && ENTITY_KINDS.includes(x.kind));
      const only = ents.filter((x) => ENTITY_KINDS.includes(x.kind));
      if (exact) ent = { kind: exact.kind, name: String(exact.name) };
      else if (only.length === 1) ent = { kind: only[0].kind, name: String(only[0].name) };
    }
    if (!ent) {
      showError('No person, place or organisation in the archive is called \u201c' + v + '\u201d. Pick one of the suggestions.');
      el.entityInput.focus();
      return;
    }
    addEntity(ent);
  });

  // ---------------------------------------------------------------- keyboard

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      el.q.focus();
      el.q.select();
    } else if (e.key === 'Escape' && !typing && state.doc) {
      e.preventDefault();
      goBack();
    } else if ((e.key === 'n' || e.key === 'N') && !typing && state.doc && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // n: the next match in the article, Shift+N the previous.
      e.preventDefault();
      stepMatch(e.shiftKey ? -1 : 1);
    }
  });

  // ---------------------------------------------------------------- start

  window.addEventListener('popstate', () => render({ restore: true }));

  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

  // On a phone the facet lists start folded, below the results.
  if (window.matchMedia && window.matchMedia('(max-width: 700px)').matches) {
    for (const d of el.facets.querySelectorAll('details.facet')) d.open = false;
  }

  fetch('healthz', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .then((d) => {
      if (d && typeof d.articles === 'number') el.health.textContent = ' \u00b7 ' + plural(d.articles, 'article', 'articles') + ' indexed';
    })
    .catch(() => {});

  render({});
})();
