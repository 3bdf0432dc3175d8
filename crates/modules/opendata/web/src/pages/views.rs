//! What the pages show of the catalogue's things.

use crate::service::Catalogue;
use chrono::NaiveDateTime;
use tinhso_opendata::{licence, Dataset, Resource};

pub fn date(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y").to_string()
}

pub fn date_time(t: NaiveDateTime) -> String {
    // Stored in UTC (CKAN's naive timestamps); people read Vietnam's time.
    tinhso_kernel::calendar::local_time(t.and_utc()).format("%H:%M %d/%m/%Y").to_string()
}

pub fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} byte"),
    }
}

/// A dataset in a list.
pub struct DatasetCard {
    pub name: String,
    pub title: String,
    pub summary: String,
    pub publisher: String,
    pub formats: Vec<String>,
    pub modified: String,
    pub private: bool,
    pub draft: bool,
}

pub fn card(d: &Dataset, cat: &Catalogue) -> DatasetCard {
    let mut formats: Vec<String> = d.resources.iter().map(|r| r.format.clone()).filter(|f| !f.is_empty()).collect();
    formats.sort();
    formats.dedup();
    let summary: String = d.notes.lines().next().unwrap_or("").chars().take(220).collect();
    DatasetCard {
        name: d.name.clone(),
        title: d.title.clone(),
        summary,
        publisher: cat.organization(&d.owner_org).map(|o| o.title.clone()).unwrap_or_default(),
        formats,
        modified: date(d.modified),
        private: d.private,
        draft: d.state == tinhso_opendata::State::Draft,
    }
}

pub struct ResourceView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub format: String,
    pub page: String,
    pub download: String,
    pub size: String,
    pub downloads: i64,
    pub modified: String,
    pub upload: bool,
}

pub fn resource(d: &Dataset, r: &Resource, downloads: i64) -> ResourceView {
    ResourceView {
        id: r.id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        format: if r.format.is_empty() { "Khác".into() } else { r.format.clone() },
        page: format!("/du-lieu/{}/tai-nguyen/{}", d.name, r.id),
        download: tinhso_opendata::ckan::download_url("", &d.id, r),
        size: r.upload.as_ref().map(|u| size(u.size)).unwrap_or_default(),
        downloads,
        modified: date(r.last_modified.unwrap_or(r.created)),
        upload: r.upload.is_some(),
    }
}

pub fn licence_title(id: &str) -> String {
    licence::find(id).map_or_else(|| id.to_owned(), |l| l.title.to_owned())
}

/// A count as Vietnamese write it: dots between thousands.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}
