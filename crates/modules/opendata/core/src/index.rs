//! The search index that stands in for Solr: every dataset's words (folded, so "Đất đai",
//! "dat dai" and "DAT DAI" are one), its facet values and sort keys, held in memory. A query
//! walks the postings of its words only (a word matches a whole token, or the start of one
//! for half the weight), keeps the datasets that have every word and pass every filter,
//! ranks them (a word in the title counts most, then tags, the name, resource names, the
//! publisher, the description) and counts the facets of what matched.
//!
//! A changed dataset takes a new slot and its old one is left empty, so postings never need
//! rewriting in place; when more slots are empty than full the index is rebuilt.

use crate::model::{Dataset, State};
use crate::query::{Field, Filter, Parsed, SortKey};
use chrono::NaiveDateTime;
use std::collections::{BTreeMap, HashMap};

/// How much a word found in each part of a dataset weighs.
const TITLE: u16 = 16;
const TAG: u16 = 12;
const NAME: u16 = 8;
const RESOURCE: u16 = 6;
const PUBLISHER: u16 = 4;
const NOTES: u16 = 2;

/// What the index needs to know of a dataset besides the dataset itself.
pub struct Names<'a> {
    pub organization: &'a str,
    pub organization_title: &'a str,
    pub groups: Vec<&'a str>,
}

struct Doc {
    id: String,
    /// The id's first eight bytes as a number: the last tie-break of numeric sorts, the same on
    /// every server.
    id_key: i64,
    private: bool,
    state: State,
    org_id: String,
    /// The title's key in Vietnamese alphabetical order (đ after d, then tones).
    title_key: (Vec<u32>, Vec<u8>),
    name: String,
    created: NaiveDateTime,
    modified: NaiveDateTime,
    resources: usize,
    /// Facet values per field, interned.
    facets: std::ops::Range<u32>,
}

/// Who is searching: which organizations' private datasets and drafts they may see.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub all: bool,
    pub organizations: Vec<String>,
    pub drafts: bool,
}

impl Scope {
    fn sees(&self, d: &Doc) -> bool {
        match d.state {
            State::Deleted => false,
            State::Active if !d.private => true,
            state => (self.all || self.organizations.contains(&d.org_id)) && (state == State::Active || self.drafts),
        }
    }
}

pub struct Request<'a> {
    pub parsed: &'a Parsed,
    pub sort: &'a [(SortKey, bool)],
    pub start: usize,
    pub rows: usize,
    pub facets: &'a [Field],
    /// At most this many values per facet; negative: all.
    pub facet_limit: i64,
    pub facet_mincount: usize,
    pub scope: &'a Scope,
}

pub struct Answer {
    pub count: usize,
    pub ids: Vec<String>,
    /// The names of `ids`, in the same order.
    pub names: Vec<String>,
    /// Per requested field: (value, count), most frequent first.
    pub facets: Vec<(Field, Vec<(String, usize)>)>,
}

/// A search's per-slot working arrays, kept per thread between searches (all zero between them).
#[derive(Default)]
struct Scratch {
    total: Vec<u32>,
    found: Vec<u8>,
    best: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

#[derive(Default)]
pub struct Index {
    slots: Vec<Option<Doc>>,
    by_id: HashMap<String, usize>,
    empty: usize,
    /// Every dataset's facet values, one run each (`Doc::facets`), kept together so counting
    /// reads memory in order.
    facet_pool: Vec<(Field, u32)>,
    /// Every word, in order, so a prefix is a range.
    tokens: BTreeMap<String, u32>,
    postings: Vec<Vec<(u32, u16)>>,
    values: HashMap<String, u32>,
    value_text: Vec<String>,
}

impl Index {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn value(&mut self, field: Field, v: &str) -> (Field, u32) {
        let key = format!("{}\u{0}{v}", field.key());
        let next = u32::try_from(self.value_text.len()).unwrap_or(u32::MAX);
        let id = *self.values.entry(key).or_insert_with(|| next);
        if id == next {
            self.value_text.push(v.to_owned());
        }
        (field, id)
    }

    fn value_id(&self, field: Field, v: &str) -> Option<u32> {
        self.values.get(&format!("{}\u{0}{v}", field.key())).copied()
    }

    fn facet_range(&mut self, values: Vec<(Field, u32)>) -> std::ops::Range<u32> {
        let start = u32::try_from(self.facet_pool.len()).unwrap_or(u32::MAX);
        self.facet_pool.extend(values);
        start..u32::try_from(self.facet_pool.len()).unwrap_or(u32::MAX)
    }

    fn facets_of(&self, d: &Doc) -> &[(Field, u32)] {
        self.facet_pool.get(d.facets.start as usize..d.facets.end as usize).unwrap_or(&[])
    }

    /// Adds or replaces a dataset.
    pub fn put(&mut self, d: &Dataset, names: &Names<'_>) {
        self.remove(&d.id);
        let slot = self.slots.len();
        let slot32 = u32::try_from(slot).unwrap_or(u32::MAX);
        let mut weights: HashMap<String, u16> = HashMap::new();
        let mut add = |text: &str, w: u16| {
            for word in crate::query::words(text) {
                let e = weights.entry(word).or_insert(0);
                *e = (*e).max(w);
            }
        };
        add(&d.title, TITLE);
        for t in &d.tags {
            add(t, TAG);
        }
        add(&d.name.replace(['-', '_'], " "), NAME);
        for r in &d.resources {
            add(&r.name, RESOURCE);
            add(&r.format, RESOURCE);
        }
        add(names.organization_title, PUBLISHER);
        add(&d.notes, NOTES);
        for (word, w) in weights {
            let next = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
            let t = *self.tokens.entry(word).or_insert(next);
            if t == next {
                self.postings.push(Vec::new());
            }
            if let Some(p) = self.postings.get_mut(t as usize) {
                p.push((slot32, w));
            }
        }
        let mut facets = vec![self.value(Field::Organization, names.organization)];
        for g in &names.groups {
            facets.push(self.value(Field::Groups, g));
        }
        for t in &d.tags {
            facets.push(self.value(Field::Tags, t));
        }
        for r in &d.resources {
            let f = self.value(Field::ResFormat, &r.format);
            if !r.format.is_empty() && !facets.contains(&f) {
                facets.push(f);
            }
        }
        facets.push(self.value(Field::LicenseId, &d.license_id));
        if let Some(f) = d.frequency {
            facets.push(self.value(Field::Frequency, f.key()));
        }
        let range = self.facet_range(facets);
        let mut head = [0u8; 8];
        for (h, b) in head.iter_mut().zip(d.id.bytes()) {
            *h = b;
        }
        self.slots.push(Some(Doc {
            id_key: i64::from_be_bytes(head),
            id: d.id.clone(),
            private: d.private,
            state: d.state,
            org_id: d.owner_org.clone(),
            title_key: tinhso_kernel::text::vi_key(&d.title),
            name: d.name.clone(),
            created: d.created,
            modified: d.modified,
            resources: d.resources.len(),
            facets: range,
        }));
        self.by_id.insert(d.id.clone(), slot);
    }

    pub fn remove(&mut self, id: &str) {
        if let Some(slot) = self.by_id.remove(id) {
            if let Some(s) = self.slots.get_mut(slot) {
                *s = None;
                self.empty += 1;
            }
        }
    }

    /// Whether so many slots are empty that the index should be rebuilt from the datasets.
    pub fn needs_rebuild(&self) -> bool {
        self.empty > 1024 && self.empty > self.by_id.len()
    }

    /// The slots holding every query word, with their score (each word's best weight there:
    /// a whole-word match counts double a prefix match). `None` when the query has no words.
    fn scores(&self, words: &[String]) -> Option<Vec<(u32, u32)>> {
        if words.is_empty() {
            return None;
        }
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let Scratch { total, found, best } = &mut *scratch;
            let n = self.slots.len();
            if total.len() < n {
                total.resize(n, 0);
                found.resize(n, 0);
                best.resize(n, 0);
            }
            // Every slot the first word touches (later words touch fewer): what is reset after.
            let mut first: Vec<u32> = Vec::new();
            let mut touched: Vec<u32> = Vec::new();
            for (k, w) in words.iter().enumerate() {
                let round = u8::try_from(k).unwrap_or(u8::MAX);
                touched.clear();
                let prefix = w.chars().count() >= 2;
                for (tok, &t) in self.tokens.range(w.clone()..) {
                    let factor = if tok == w {
                        2
                    } else if prefix && tok.starts_with(w.as_str()) {
                        1
                    } else {
                        break;
                    };
                    for &(slot, weight) in self.postings.get(t as usize).map_or(&[][..], Vec::as_slice) {
                        let i = slot as usize;
                        // Only slots that held every earlier word go on.
                        if found.get(i).copied() != Some(round) {
                            continue;
                        }
                        if best[i] == 0 {
                            touched.push(slot);
                        }
                        best[i] = best[i].max(u32::from(weight) * factor);
                    }
                }
                for &slot in &touched {
                    let i = slot as usize;
                    total[i] += best[i];
                    best[i] = 0;
                    found[i] = round.saturating_add(1);
                }
                if k == 0 {
                    first.clone_from(&touched);
                }
            }
            let rounds = u8::try_from(words.len()).unwrap_or(u8::MAX);
            let out =
                touched.iter().filter(|s| found[**s as usize] == rounds).map(|s| (*s, total[*s as usize])).collect();
            for &slot in &first {
                total[slot as usize] = 0;
                found[slot as usize] = 0;
            }
            Some(out)
        })
    }

    fn passes(&self, d: &Doc, f: &Filter, ids: &[Option<u32>]) -> bool {
        let hit = match f.field {
            Field::Capacity => f.values.iter().any(|v| (v == "private") == d.private),
            Field::DatasetType => f.values.iter().any(|v| v == "dataset"),
            Field::Id => f.values.contains(&d.id),
            Field::OwnerOrg => f.values.contains(&d.org_id),
            Field::Name => f.values.contains(&d.name),
            Field::MetadataModified | Field::MetadataCreated => {
                let t = if f.field == Field::MetadataModified { d.modified } else { d.created };
                f.range.is_some_and(|(a, b)| a.is_none_or(|a| t >= a) && b.is_none_or(|b| t <= b))
            }
            field => ids.iter().flatten().any(|id| self.facets_of(d).contains(&(field, *id))),
        };
        hit != f.negate
    }

    pub fn search(&self, req: &Request<'_>) -> Answer {
        let scores = self.scores(&req.parsed.words);
        // Filter values resolved once to interned ids (a value no dataset has matches none).
        let resolved: Vec<Vec<Option<u32>>> = req
            .parsed
            .filters
            .iter()
            .map(|f| {
                f.values
                    .iter()
                    .map(|v| {
                        let v = if f.field == Field::ResFormat { v.to_ascii_uppercase() } else { v.clone() };
                        self.value_id(f.field, &v)
                    })
                    .collect()
            })
            .collect();
        let keep = |slot: usize| -> Option<&Doc> {
            let d = self.slots.get(slot)?.as_ref()?;
            (req.scope.sees(d) && req.parsed.filters.iter().zip(&resolved).all(|(f, ids)| self.passes(d, f, ids)))
                .then_some(d)
        };
        let mut hits: Vec<(u32, &Doc)> = match &scores {
            Some(m) => m.iter().filter_map(|&(s, score)| keep(s as usize).map(|d| (score, d))).collect(),
            None => (0..self.slots.len()).filter_map(|s| keep(s).map(|d| (0, d))).collect(),
        };
        let count = hits.len();
        // Counters per requested field, dense over the interned values (a few hundred).
        let mut counts: Vec<(Field, Vec<usize>)> =
            req.facets.iter().map(|f| (*f, vec![0usize; self.value_text.len()])).collect();
        if !counts.is_empty() {
            // Which counter each field goes to, looked up by the field's number.
            let mut slot_of = [usize::MAX; 16];
            for (k, (f, _)) in counts.iter().enumerate() {
                if let Some(x) = slot_of.get_mut(*f as usize) {
                    *x = k;
                }
            }
            for (_, d) in &hits {
                for (field, v) in self.facets_of(d) {
                    let k = slot_of.get(*field as usize).copied().unwrap_or(usize::MAX);
                    if let Some(c) = counts.get_mut(k).and_then(|(_, m)| m.get_mut(*v as usize)) {
                        *c += 1;
                    }
                }
            }
        }
        let order = |a: &(u32, &Doc), b: &(u32, &Doc)| {
            for &(key, desc) in req.sort {
                let o = match key {
                    SortKey::Score => a.0.cmp(&b.0),
                    SortKey::Modified => a.1.modified.cmp(&b.1.modified),
                    SortKey::Created => a.1.created.cmp(&b.1.created),
                    SortKey::Title => a.1.title_key.cmp(&b.1.title_key),
                    SortKey::Name => a.1.name.cmp(&b.1.name),
                    SortKey::Resources => a.1.resources.cmp(&b.1.resources),
                };
                let o = if desc { o.reverse() } else { o };
                if o.is_ne() {
                    return o;
                }
            }
            a.1.id.cmp(&b.1.id)
        };
        let end = req.start.saturating_add(req.rows).min(hits.len());
        let numeric = req.sort.len() <= 2 && req.sort.iter().all(|(k, _)| !matches!(k, SortKey::Title | SortKey::Name));
        if numeric && end < hits.len() {
            // The usual orders (score, times, counts) compare as plain numbers: a key per hit,
            // then a partial selection, far cheaper than the general comparison on many hits.
            let key = |h: &(u32, &Doc)| -> [i64; 3] {
                let mut k = [0i64; 3];
                for (slot, &(key, desc)) in k.iter_mut().zip(req.sort) {
                    let v = match key {
                        SortKey::Score => i64::from(h.0),
                        SortKey::Modified => h.1.modified.and_utc().timestamp_micros(),
                        SortKey::Created => h.1.created.and_utc().timestamp_micros(),
                        SortKey::Resources => i64::try_from(h.1.resources).unwrap_or(i64::MAX),
                        SortKey::Title | SortKey::Name => 0,
                    };
                    *slot = if desc { -v } else { v };
                }
                k[2] = h.1.id_key;
                k
            };
            let mut keyed: Vec<([i64; 3], usize)> = hits.iter().enumerate().map(|(i, h)| (key(h), i)).collect();
            if end > 0 {
                keyed.select_nth_unstable(end - 1);
            }
            keyed.truncate(end);
            hits = keyed.into_iter().filter_map(|(_, i)| hits.get(i).copied()).collect();
        } else if end > 0 && end < hits.len() {
            hits.select_nth_unstable_by(end - 1, order);
            hits.truncate(end);
        }
        hits.sort_unstable_by(order);
        let ids = hits.iter().skip(req.start).map(|(_, d)| d.id.clone()).collect();
        let names = hits.iter().skip(req.start).map(|(_, d)| d.name.clone()).collect();
        let facets = counts
            .into_iter()
            .map(|(field, m)| {
                let mut list: Vec<(String, usize)> = m
                    .into_iter()
                    .enumerate()
                    .filter(|(_, n)| *n >= req.facet_mincount.max(1))
                    .filter_map(|(v, n)| self.value_text.get(v).map(|t| (t.clone(), n)))
                    .filter(|(t, _)| !t.is_empty())
                    .collect();
                list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| tinhso_kernel::text::vi_cmp(&a.0, &b.0)));
                if let Ok(limit) = usize::try_from(req.facet_limit) {
                    list.truncate(limit);
                }
                (field, list)
            })
            .collect();
        Answer { count, ids, names, facets }
    }
}
