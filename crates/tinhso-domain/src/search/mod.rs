//! Procedure search. Queries and names are folded (no marks, đ as d, lower case) so
//! "dang ky khai sinh" finds "Đăng ký khai sinh"; ranking puts the query as a phrase, then
//! words typed with the right marks, then shorter names first. Glued words ("khaisinh")
//! fall back to a match on names with spaces removed.

use crate::catalogue::{CompetentAgency, Level, OnlineLevel, Procedure};
use crate::text::{fold, lower_exact, words};
use std::collections::BTreeMap;
use std::sync::Arc;

struct Doc {
    code: String,
    name_fold: Vec<String>,
    name_exact: Vec<String>,
    name_glued: String,
    field_fold: Vec<String>,
}

/// Filters besides the text; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub field: Option<String>,
    pub level: Option<Level>,
    pub agency: Option<CompetentAgency>,
    pub online_level: Option<OnlineLevel>,
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
    postings: BTreeMap<String, Vec<u32>>,
}

impl SearchIndex {
    pub fn new(mut procedures: Vec<Arc<Procedure>>) -> Self {
        procedures.sort_by(|a, b| a.code.cmp(&b.code));
        let mut postings: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut docs = Vec::with_capacity(procedures.len());
        for (i, p) in procedures.iter().enumerate() {
            let name_folded = fold(&p.name);
            let name_fold: Vec<String> =
                words(&name_folded).into_iter().map(str::to_owned).collect();
            let name_exact: Vec<String> = words(&lower_exact(&p.name))
                .into_iter()
                .map(str::to_owned)
                .collect();
            let field_fold: Vec<String> = words(&fold(&p.field))
                .into_iter()
                .map(str::to_owned)
                .collect();
            let code = p.code.as_str().to_owned();
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            for t in name_fold
                .iter()
                .chain(&field_fold)
                .chain(std::iter::once(&code))
            {
                let list = postings.entry(t.clone()).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            docs.push(Doc {
                code,
                name_glued: name_fold.concat(),
                name_fold,
                name_exact,
                field_fold,
            });
        }
        Self {
            procedures,
            docs,
            postings,
        }
    }

    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&Arc<Procedure>> {
        self.procedures
            .binary_search_by(|p| p.code.as_str().cmp(code))
            .ok()
            .and_then(|i| self.procedures.get(i))
    }

    pub fn all(&self) -> &[Arc<Procedure>] {
        &self.procedures
    }

    /// Distinct fields, in folded alphabetical order, for the filter list.
    pub fn fields(&self) -> Vec<&str> {
        let mut f: Vec<&str> = self.procedures.iter().map(|p| p.field.as_str()).collect();
        f.sort_by_cached_key(|s| fold(s));
        f.dedup();
        f
    }

    /// Documents holding a word equal to `t`, or starting with it when `prefix`.
    fn matching(&self, t: &str, prefix: bool) -> Vec<u32> {
        if !prefix {
            return self.postings.get(t).cloned().unwrap_or_default();
        }
        let mut out: Vec<u32> = self
            .postings
            .range(t.to_owned()..)
            .take_while(|(k, _)| k.starts_with(t))
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn search(&self, query: &str, filters: &Filters, offset: usize, limit: usize) -> Hits<'_> {
        let folded = fold(query);
        let q_fold: Vec<&str> = words(&folded);
        let exact = lower_exact(query);
        let q_exact: Vec<&str> = words(&exact);

        let mut candidates: Option<Vec<u32>> = None;
        for (i, t) in q_fold.iter().enumerate() {
            let last = i + 1 == q_fold.len();
            let set = self.matching(t, last);
            candidates = Some(match candidates {
                None => set,
                Some(c) => intersect(&c, &set),
            });
        }
        let ids: Vec<u32> = match candidates {
            None => (0..self.docs.len() as u32).collect(),
            Some(c) if c.is_empty() => {
                let glued = q_fold.concat();
                (0..self.docs.len() as u32)
                    .filter(|&i| {
                        self.docs
                            .get(i as usize)
                            .is_some_and(|d| d.name_glued.contains(&glued))
                    })
                    .collect()
            }
            Some(c) => c,
        };

        let mut scored: Vec<(i64, u32)> = ids
            .into_iter()
            .filter(|&i| {
                self.procedures
                    .get(i as usize)
                    .is_some_and(|p| passes(p, filters))
            })
            .filter_map(|i| {
                self.docs
                    .get(i as usize)
                    .map(|d| (score(d, &folded, &q_fold, &q_exact), i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let total = scored.len();
        let items = scored
            .into_iter()
            .skip(offset)
            .take(limit)
            .filter_map(|(_, i)| self.procedures.get(i as usize))
            .collect();
        Hits { total, items }
    }
}

fn passes(p: &Procedure, f: &Filters) -> bool {
    f.field.as_deref().is_none_or(|x| fold(x) == fold(&p.field))
        && f.level.is_none_or(|l| p.levels.contains(&l))
        && f.agency.as_ref().is_none_or(|a| *a == p.competent_agency)
        && f.online_level.is_none_or(|o| o == p.online_level)
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

/// Where `q` occurs in `hay` as consecutive words; the last word may be a prefix.
fn phrase_at<S: AsRef<str>>(hay: &[S], q: &[&str]) -> Option<usize> {
    if q.is_empty() || q.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - q.len()).find(|&s| {
        q.iter().enumerate().all(|(k, t)| {
            hay.get(s + k).is_some_and(|h| {
                let h = h.as_ref();
                if k + 1 == q.len() {
                    h.starts_with(t)
                } else {
                    h == *t
                }
            })
        })
    })
}

fn score(d: &Doc, folded_query: &str, q_fold: &[&str], q_exact: &[&str]) -> i64 {
    if q_fold.is_empty() {
        return 0;
    }
    let mut s: i64 = 0;
    if d.code == folded_query.trim() {
        s += 10_000;
    }
    if let Some(at) = phrase_at(&d.name_fold, q_fold) {
        s += 400 - at.min(20) as i64;
        if phrase_at(&d.name_exact, q_exact).is_some() {
            s += 200;
        }
    }
    let mut in_name = 0;
    for (k, t) in q_fold.iter().enumerate() {
        if d.name_fold.iter().any(|w| w == t) {
            in_name += 1;
            s += 10;
            if q_exact
                .get(k)
                .is_some_and(|e| d.name_exact.iter().any(|w| w == e))
            {
                s += 20;
            }
        } else if d.field_fold.iter().any(|w| w == t) {
            s += 2;
        }
    }
    if in_name == q_fold.len() {
        s += 100;
    }
    s - d.name_fold.len() as i64
}

#[cfg(test)]
mod tests;
