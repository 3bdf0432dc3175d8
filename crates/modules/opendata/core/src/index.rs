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
use std::collections::HashMap;

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
    private: bool,
    state: State,
    org_id: String,
    title_key: String,
    name: String,
    created: NaiveDateTime,
    modified: NaiveDateTime,
    resources: usize,
    /// Facet values per field, interned.
    facets: Vec<(Field, u32)>,
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

#[derive(Default)]
pub struct Index {
    slots: Vec<Option<Doc>>,
    by_id: HashMap<String, usize>,
    empty: usize,
    tokens: HashMap<String, u32>,
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
        facets.push(self.value(Field::Name, &d.name));
        self.slots.push(Some(Doc {
            id: d.id.clone(),
            private: d.private,
            state: d.state,
            org_id: d.owner_org.clone(),
            title_key: tinhso_kernel::text::fold(&d.title),
            name: d.name.clone(),
            created: d.created,
            modified: d.modified,
            resources: d.resources.len(),
            facets,
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

    /// Per slot, the best weight each query word found there (`None`: some word is missing).
    fn scores(&self, words: &[String]) -> Option<HashMap<u32, u32>> {
        if words.is_empty() {
            return None;
        }
        let mut total: Option<HashMap<u32, u32>> = None;
        for w in words {
            let mut best: HashMap<u32, u32> = HashMap::new();
            for (tok, &t) in &self.tokens {
                let factor = if tok == w {
                    2
                } else if w.chars().count() >= 2 && tok.starts_with(w.as_str()) {
                    1
                } else {
                    continue;
                };
                for &(slot, weight) in self.postings.get(t as usize).map_or(&[][..], Vec::as_slice) {
                    if total.as_ref().is_some_and(|m| !m.contains_key(&slot)) {
                        continue;
                    }
                    let s = u32::from(weight) * factor;
                    let e = best.entry(slot).or_insert(0);
                    *e = (*e).max(s);
                }
            }
            total = Some(match total {
                None => best,
                Some(prev) => best.into_iter().filter_map(|(k, v)| prev.get(&k).map(|p| (k, p + v))).collect(),
            });
        }
        total
    }

    fn passes(&self, d: &Doc, f: &Filter, ids: &[Option<u32>]) -> bool {
        let hit = match f.field {
            Field::Capacity => f.values.iter().any(|v| (v == "private") == d.private),
            Field::DatasetType => f.values.iter().any(|v| v == "dataset"),
            Field::Id => f.values.contains(&d.id),
            Field::OwnerOrg => f.values.contains(&d.org_id),
            Field::MetadataModified | Field::MetadataCreated => {
                let t = if f.field == Field::MetadataModified { d.modified } else { d.created };
                f.range.is_some_and(|(a, b)| a.is_none_or(|a| t >= a) && b.is_none_or(|b| t <= b))
            }
            field => ids.iter().flatten().any(|id| d.facets.contains(&(field, *id))),
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
            Some(m) => m.iter().filter_map(|(&s, &score)| keep(s as usize).map(|d| (score, d))).collect(),
            None => (0..self.slots.len()).filter_map(|s| keep(s).map(|d| (0, d))).collect(),
        };
        let count = hits.len();
        let mut counts: Vec<(Field, HashMap<u32, usize>)> = req.facets.iter().map(|f| (*f, HashMap::new())).collect();
        if !counts.is_empty() {
            for (_, d) in &hits {
                for (field, v) in &d.facets {
                    if let Some((_, m)) = counts.iter_mut().find(|(f, _)| f == field) {
                        *m.entry(*v).or_insert(0) += 1;
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
        if end > 0 && end < hits.len() {
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
                    .filter(|(_, n)| *n >= req.facet_mincount)
                    .filter_map(|(v, n)| self.value_text.get(v as usize).map(|t| (t.clone(), n)))
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
