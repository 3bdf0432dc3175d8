//! Procedure search. Queries and names are folded (no marks, đ as d, lower case) so
//! "dang ky khai sinh" finds "Đăng ký khai sinh"; ranking puts the query as a phrase, then
//! words typed with the right marks, then shorter names first. Glued words ("khaisinh")
//! fall back to a match on names with spaces removed.

use crate::procedure::{Applicants, CompetentAgency, Level, OnlineLevel, Procedure};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use tinhso_kernel::text::{fold, lower_exact, vi_cmp, words};

/// A document with its words interned: scoring compares integers, not strings.
struct Doc {
    code: String,
    /// Folded words of the name, as ids into `folded`.
    name_fold: Vec<u32>,
    /// Lower-cased words of the name with their marks, as ids into `exact`.
    name_exact: Vec<u32>,
    /// The folded name without spaces, for queries typed with glued words.
    name_glued: String,
    field_fold: Vec<u32>,
    /// The whole folded field, for the field filter.
    field_key: String,
}

/// Filters besides the text; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub field: Option<String>,
    pub level: Option<Level>,
    pub agency: Option<CompetentAgency>,
    pub online_level: Option<OnlineLevel>,
    /// Procedures open to people (`People`), to organisations (`Organizations`), or to both.
    pub applicant: Option<Applicants>,
}

pub struct Hits<'a> {
    pub total: usize,
    pub items: Vec<&'a Arc<Procedure>>,
}

/// An immutable index over one catalogue; rebuilt whole when the catalogue changes
/// (thousands of procedures index in milliseconds).
pub struct SearchIndex {
    procedures: Vec<Arc<Procedure>>,
    docs: Vec<Doc>,
    /// Folded word -> id; ordered so a prefix is a range.
    folded: BTreeMap<String, u32>,
    /// Documents holding each folded word (index = word id), ascending.
    postings: Vec<Vec<u32>>,
    /// Exact (marked) word -> id.
    exact: HashMap<String, u32>,
    /// The fields (spellings that fold alike counted as one) with their procedures, in
    /// Vietnamese alphabetical order: the home page's and the filter's lists, made once.
    fields: Vec<(String, usize)>,
    /// Each document's place when names are sorted the Vietnamese way: equal scores (every
    /// procedure of a field browsed without a query) list by name, as a citizen reads them.
    alpha: Vec<u32>,
}

fn intern(map: &mut BTreeMap<String, u32>, word: &str) -> u32 {
    // Word ids: a catalogue holds thousands of words, never 2^32.
    let next = u32::try_from(map.len()).unwrap_or(u32::MAX);
    *map.entry(word.to_owned()).or_insert(next)
}

/// One query word: the folded word ids it matches, and the id of its exact spelling.
struct QueryWord {
    /// Ids of the word itself (or, for a prefix, every word it starts), ascending.
    ids: Vec<u32>,
    /// Id of the folded word itself, if any document has it.
    whole: Option<u32>,
    exact: Option<u32>,
}

impl QueryWord {
    fn matches(&self, id: u32) -> bool {
        self.ids.binary_search(&id).is_ok()
    }
}

impl SearchIndex {
    /// Documents are numbered by u32 (postings stay small); a catalogue has thousands.
    fn doc_count(&self) -> u32 {
        u32::try_from(self.docs.len()).unwrap_or(u32::MAX)
    }

    pub fn new(mut procedures: Vec<Arc<Procedure>>) -> Self {
        procedures.sort_by(|a, b| a.code.cmp(&b.code));
        let mut folded: BTreeMap<String, u32> = BTreeMap::new();
        let mut exact_ids: BTreeMap<String, u32> = BTreeMap::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut docs = Vec::with_capacity(procedures.len());
        for (i, p) in procedures.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let name_folded = fold(&p.name);
            let name_words = words(&name_folded);
            let field_folded = fold(&p.field);
            let field_words = words(&field_folded);
            let code = p.code.as_str().to_owned();
            let mut add = |w: &str| -> u32 {
                let wid = intern(&mut folded, w);
                if postings.len() <= wid as usize {
                    postings.resize_with(wid as usize + 1, Vec::new);
                }
                if let Some(list) = postings.get_mut(wid as usize) {
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
                wid
            };
            let name_fold: Vec<u32> = name_words.iter().map(|w| add(w)).collect();
            let field_fold: Vec<u32> = field_words.iter().map(|w| add(w)).collect();
            add(&code);
            let name_exact = words(&lower_exact(&p.name)).into_iter().map(|w| intern(&mut exact_ids, w)).collect();
            docs.push(Doc {
                code,
                name_glued: name_words.concat(),
                name_fold,
                name_exact,
                field_fold,
                field_key: field_folded.trim().to_owned(),
            });
        }
        let mut fields: BTreeMap<&str, (String, usize)> = BTreeMap::new();
        for (p, d) in procedures.iter().zip(&docs) {
            fields.entry(d.field_key.as_str()).or_insert_with(|| (p.field.clone(), 0)).1 += 1;
        }
        let mut fields: Vec<(String, usize)> = fields.into_values().collect();
        fields.sort_by(|a, b| vi_cmp(&a.0, &b.0));
        let mut by_name: Vec<usize> = (0..procedures.len()).collect();
        // Stable: equal names keep the code order.
        by_name.sort_by(|&a, &b| match (procedures.get(a), procedures.get(b)) {
            (Some(a), Some(b)) => vi_cmp(&a.name, &b.name),
            _ => std::cmp::Ordering::Equal,
        });
        let mut alpha = vec![0u32; procedures.len()];
        for (rank, doc) in by_name.into_iter().enumerate() {
            if let Some(slot) = alpha.get_mut(doc) {
                *slot = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        Self { procedures, docs, folded, postings, exact: exact_ids.into_iter().collect(), fields, alpha }
    }

    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Arc<Procedure>> {
        self.procedures.binary_search_by(|p| p.code.as_str().cmp(code)).ok().and_then(|i| self.procedures.get(i))
    }

    pub fn all(&self) -> &[Arc<Procedure>] {
        &self.procedures
    }

    /// Distinct fields in Vietnamese alphabetical order (đ after d), for the filter list.
    pub fn fields(&self) -> Vec<&str> {
        self.fields.iter().map(|(f, _)| f.as_str()).collect()
    }

    /// The fields with how many procedures each has, in the same order, for browsing.
    pub fn field_counts(&self) -> &[(String, usize)] {
        &self.fields
    }

    fn query_word(&self, folded: &str, exact: Option<&str>, prefix: bool) -> QueryWord {
        let whole = self.folded.get(folded).copied();
        let mut ids: Vec<u32> = if prefix {
            self.folded
                .range::<str, _>((Bound::Included(folded), Bound::Unbounded))
                .take_while(|(k, _)| k.starts_with(folded))
                .map(|(_, v)| *v)
                .collect()
        } else {
            whole.into_iter().collect()
        };
        ids.sort_unstable();
        QueryWord { ids, whole, exact: exact.and_then(|e| self.exact.get(e).copied()) }
    }

    /// Documents matching any of `ids`, ascending.
    fn documents(&self, ids: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> =
            ids.iter().filter_map(|&i| self.postings.get(i as usize)).flat_map(|v| v.iter().copied()).collect();
        if ids.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    pub fn search(&self, query: &str, filters: &Filters, offset: usize, limit: usize) -> Hits<'_> {
        let folded = fold(query);
        let q_fold: Vec<&str> = words(&folded);
        let exact = lower_exact(query);
        let q_exact: Vec<&str> = words(&exact);
        let qwords: Vec<QueryWord> = q_fold
            .iter()
            .enumerate()
            .map(|(i, w)| self.query_word(w, q_exact.get(i).copied(), i + 1 == q_fold.len()))
            .collect();

        let mut candidates: Option<Vec<u32>> = None;
        for qw in &qwords {
            let set = self.documents(&qw.ids);
            candidates = Some(match candidates {
                None => set,
                Some(c) => intersect(&c, &set),
            });
        }
        let ids: Vec<u32> = match candidates {
            None => (0..self.doc_count()).collect(),
            Some(c) if c.is_empty() => {
                let glued = q_fold.concat();
                (0..self.doc_count())
                    .filter(|&i| self.docs.get(i as usize).is_some_and(|d| d.name_glued.contains(&glued)))
                    .collect()
            }
            Some(c) => c,
        };

        let field = filters.field.as_deref().map(|f| fold(f).trim().to_owned());
        let code_query = folded.trim();
        let mut scored: Vec<(i64, u32)> = ids
            .into_iter()
            .filter_map(|i| {
                let d = self.docs.get(i as usize)?;
                let p = self.procedures.get(i as usize)?;
                passes(d, p, field.as_deref(), filters).then(|| (score(d, code_query, &qwords), i))
            })
            .collect();
        let total = scored.len();
        let wanted = offset.saturating_add(limit).min(total);
        let rank = |i: u32| self.alpha.get(i as usize).copied().unwrap_or(u32::MAX);
        let order = |a: &(i64, u32), b: &(i64, u32)| b.0.cmp(&a.0).then(rank(a.1).cmp(&rank(b.1)));
        if wanted > 0 && wanted < total {
            scored.select_nth_unstable_by(wanted - 1, order);
            scored.truncate(wanted);
        }
        scored.sort_unstable_by(order);
        let items =
            scored.into_iter().skip(offset).take(limit).filter_map(|(_, i)| self.procedures.get(i as usize)).collect();
        Hits { total, items }
    }
}

fn passes(d: &Doc, p: &Procedure, field: Option<&str>, f: &Filters) -> bool {
    field.is_none_or(|x| x == d.field_key)
        && f.level.is_none_or(|l| p.levels.contains(&l))
        && f.agency.as_ref().is_none_or(|a| *a == p.competent_agency)
        && f.online_level.is_none_or(|o| o == p.online_level)
        && f.applicant.is_none_or(|a| match a {
            Applicants::People => p.applicants.admits_people(),
            Applicants::Organizations => p.applicants.admits_organizations(),
            Applicants::PeopleAndOrganizations => p.applicants == a,
        })
}

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(*x);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Where the query occurs in `hay` as consecutive words, by `matches(word, k)`.
fn phrase_at(hay: &[u32], n: usize, matches: impl Fn(u32, usize) -> bool) -> Option<usize> {
    if n == 0 || n > hay.len() {
        return None;
    }
    (0..=hay.len() - n).find(|&s| (0..n).all(|k| hay.get(s + k).is_some_and(|&w| matches(w, k))))
}

fn score(d: &Doc, code_query: &str, q: &[QueryWord]) -> i64 {
    if q.is_empty() {
        return 0;
    }
    let mut s: i64 = 0;
    if d.code == code_query {
        s += 10_000;
    }
    // The last word may be a prefix (people are still typing it).
    if let Some(at) = phrase_at(&d.name_fold, q.len(), |w, k| q.get(k).is_some_and(|qw| qw.matches(w))) {
        s += 400 - at.min(20) as i64;
        let exact_phrase =
            phrase_at(&d.name_exact, q.len(), |w, k| q.get(k).is_some_and(|qw| qw.exact == Some(w))).is_some();
        if exact_phrase {
            s += 200;
        }
    }
    let mut in_name = 0;
    for qw in q {
        match qw.whole {
            Some(id) if d.name_fold.contains(&id) => {
                in_name += 1;
                s += 10;
                if qw.exact.is_some_and(|e| d.name_exact.contains(&e)) {
                    s += 20;
                }
            }
            Some(id) if d.field_fold.contains(&id) => s += 2,
            _ => {}
        }
    }
    if in_name == q.len() {
        s += 100;
    }
    s - d.name_fold.len() as i64
}

#[cfg(test)]
mod tests;
