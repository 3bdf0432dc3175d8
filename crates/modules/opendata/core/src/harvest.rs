//! Harvesting another portal's DCAT catalogue: its RDF (Turtle, RDF/XML, JSON-LD, N-Triples)
//! read into the datasets it describes, each mapped to a dataset of this portal with a stable
//! id (from the source and the remote dataset's IRI) and a content hash, so a later run
//! creates what is new, updates what changed, leaves alone what did not, and withdraws what
//! the source no longer lists.

use crate::model::{Dataset, Extra, Frequency, Resource};
use crate::{licence, name};
use chrono::{NaiveDate, NaiveDateTime};
use oxrdfio::{RdfFormat, RdfParser};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";

/// At most this many datasets are taken from one catalogue.
pub const MAX_DATASETS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Node {
    Iri(String),
    Blank(String),
    Literal(String, Option<String>),
}

impl Node {
    fn text(&self) -> Option<&str> {
        match self {
            Self::Iri(s) | Self::Literal(s, _) => Some(s),
            Self::Blank(_) => None,
        }
    }
}

/// A distribution as the source describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteFile {
    pub title: String,
    pub description: String,
    pub url: String,
    pub format: String,
}

/// A dataset as the source describes it (everything this portal keeps of it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Remote {
    pub iri: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub landing_page: String,
    pub version: String,
    pub licence: String,
    pub frequency: Option<String>,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    pub contact_name: String,
    pub contact_email: String,
    pub files: Vec<RemoteFile>,
}

impl Remote {
    /// A hash of what the source says: equal hashes, nothing to update.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The RDF syntax of a document from its media type or file name.
pub fn format_of(media_type: Option<&str>, path: &str) -> Option<RdfFormat> {
    media_type
        .and_then(|m| RdfFormat::from_media_type(m.split(';').next().unwrap_or(m).trim()))
        .or_else(|| path.rsplit('.').next().and_then(RdfFormat::from_extension))
        .or_else(|| (path.ends_with(".rdf") || path.ends_with(".xml")).then_some(RdfFormat::RdfXml))
}

type Graph = HashMap<Node, Vec<(String, Node)>>;

fn graph(bytes: &[u8], format: RdfFormat, base: &str) -> Result<Graph, String> {
    let mut parser = RdfParser::from_format(format);
    if let Ok(p) = RdfParser::from_format(format).with_base_iri(base) {
        parser = p;
    }
    let mut g: Graph = HashMap::new();
    for q in parser.for_slice(bytes) {
        let q = q.map_err(|e| format!("Không đọc được danh mục DCAT: {e}"))?;
        let s = match q.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) => Node::Iri(n.into_string()),
            oxrdf::NamedOrBlankNode::BlankNode(b) => Node::Blank(b.into_string()),
        };
        let o = match q.object {
            oxrdf::Term::NamedNode(n) => Node::Iri(n.into_string()),
            oxrdf::Term::BlankNode(b) => Node::Blank(b.into_string()),
            oxrdf::Term::Literal(l) => {
                let lang = l.language().map(str::to_owned);
                Node::Literal(l.value().to_owned(), lang)
            }
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        g.entry(s).or_default().push((q.predicate.into_string(), o));
    }
    Ok(g)
}

fn values<'g>(g: &'g Graph, s: &Node, p: &str) -> Vec<&'g Node> {
    g.get(s).map(|props| props.iter().filter(|(k, _)| k == p).map(|(_, o)| o).collect()).unwrap_or_default()
}

/// One text of `p`: Vietnamese first, then no language, then English, then any.
fn text(g: &Graph, s: &Node, p: &str) -> String {
    let all = values(g, s, p);
    let pick = |want: Option<&str>| {
        all.iter().find_map(|n| match n {
            Node::Literal(v, l) if l.as_deref() == want => Some(v.clone()),
            _ => None,
        })
    };
    pick(Some("vi"))
        .or_else(|| pick(None))
        .or_else(|| pick(Some("en")))
        .or_else(|| all.iter().find_map(|n| n.text().map(str::to_owned)))
        .map(|t| crate::input::block(&t))
        .unwrap_or_default()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// Every dataset `bytes` (a DCAT catalogue in `format`) describes, by IRI.
pub fn read(bytes: &[u8], format: RdfFormat, base: &str) -> Result<Vec<Remote>, String> {
    let g = graph(bytes, format, base)?;
    let dataset_type = Node::Iri(format!("{DCAT}Dataset"));
    let mut subjects: Vec<&Node> = g
        .iter()
        .filter(|(_, props)| props.iter().any(|(p, o)| p == RDF_TYPE && *o == dataset_type))
        .map(|(s, _)| s)
        .collect();
    subjects.sort();
    if subjects.len() > MAX_DATASETS {
        return Err(format!("Danh mục có {} bộ dữ liệu, nhiều hơn mức {MAX_DATASETS}.", subjects.len()));
    }
    let mut out = Vec::new();
    for s in subjects {
        let Node::Iri(iri) = s else { continue };
        let title = text(&g, s, &format!("{DCT}title"));
        if title.is_empty() {
            continue;
        }
        let mut keywords: Vec<String> = values(&g, s, &format!("{DCAT}keyword"))
            .iter()
            .filter_map(|n| n.text())
            .map(tinhso_kernel::text::clean)
            .collect();
        keywords.retain(|k| crate::input::tag(k).is_ok());
        keywords.sort();
        keywords.dedup();
        let (mut start, mut end) = (None, None);
        for t in values(&g, s, &format!("{DCT}temporal")) {
            start = start
                .or_else(|| values(&g, t, &format!("{DCAT}startDate")).first().and_then(|n| n.text()).and_then(date));
            end =
                end.or_else(|| values(&g, t, &format!("{DCAT}endDate")).first().and_then(|n| n.text()).and_then(date));
        }
        let (mut contact_name, mut contact_email) = (String::new(), String::new());
        if let Some(c) = values(&g, s, &format!("{DCAT}contactPoint")).first() {
            contact_name = text(&g, c, &format!("{VCARD}fn"));
            contact_email = values(&g, c, &format!("{VCARD}hasEmail"))
                .first()
                .and_then(|n| n.text())
                .map(|e| e.trim_start_matches("mailto:").to_owned())
                .unwrap_or_default();
        }
        let mut licence =
            values(&g, s, &format!("{DCT}license")).first().and_then(|n| n.text()).unwrap_or("").to_owned();
        let mut files = Vec::new();
        for d in values(&g, s, &format!("{DCAT}distribution")) {
            let first_text = |p: &str| values(&g, d, p).first().and_then(|n| n.text()).map(str::to_owned);
            let url = first_text(&format!("{DCAT}downloadURL"))
                .or_else(|| first_text(&format!("{DCAT}accessURL")))
                .unwrap_or_default();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                continue;
            }
            if licence.is_empty() {
                licence =
                    values(&g, d, &format!("{DCT}license")).first().and_then(|n| n.text()).unwrap_or("").to_owned();
            }
            let format = values(&g, d, &format!("{DCT}format"))
                .first()
                .and_then(|n| n.text())
                .map(|f| f.rsplit('/').next().unwrap_or(f).to_ascii_uppercase())
                .unwrap_or_default();
            files.push(RemoteFile {
                title: text(&g, d, &format!("{DCT}title")),
                description: text(&g, d, &format!("{DCT}description")),
                format: crate::input::format_of(&format, &url),
                url,
            });
        }
        files.sort_by(|a, b| a.url.cmp(&b.url));
        out.push(Remote {
            iri: iri.clone(),
            title,
            description: text(&g, s, &format!("{DCT}description")),
            keywords,
            landing_page: values(&g, s, &format!("{DCAT}landingPage"))
                .first()
                .and_then(|n| n.text())
                .unwrap_or("")
                .to_owned(),
            version: text(&g, s, &format!("{DCAT}version")),
            licence,
            frequency: values(&g, s, &format!("{DCT}accrualPeriodicity"))
                .first()
                .and_then(|n| n.text())
                .map(str::to_owned),
            temporal_start: start,
            temporal_end: end,
            contact_name,
            contact_email,
            files,
        });
    }
    Ok(out)
}

/// The portal's licence for a licence IRI (by its address), or "not specified".
fn licence_of(iri: &str) -> String {
    let key = |u: &str| u.trim_end_matches('/').trim_start_matches("https://").trim_start_matches("http://").to_owned();
    licence::ALL
        .iter()
        .find(|l| !l.url.is_empty() && key(l.url) == key(iri))
        .map_or_else(|| licence::NOT_SPECIFIED.to_owned(), |l| l.id.to_owned())
}

/// The id a remote dataset of `source` has here: the same on every run.
pub fn id_of(source: &str, iri: &str) -> String {
    name::derived_id(&format!("harvest:{source}:{iri}"))
}

/// A name for a new harvested dataset: its title's slug and a mark of its source and IRI
/// (`bytes` long), so two sources' "Dân số" never collide.
pub fn name_of(r: &Remote, source: &str, bytes: usize) -> String {
    let mark: String = Sha256::digest(format!("{source}\n{}", r.iri).as_bytes())
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut base = name::slug(&r.title);
    base.truncate(80);
    format!("{}-{mark}", base.trim_end_matches('-'))
}

/// The dataset `r` becomes (over `existing`, which keeps its name, creation and revision).
pub fn dataset(r: &Remote, source: &str, org: &str, existing: Option<&Dataset>, now: NaiveDateTime) -> Dataset {
    let id = id_of(source, &r.iri);
    let files = r
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rid = name::derived_id(&format!("harvest:{source}:{}:{i}:{}", r.iri, f.url));
            let old = existing.and_then(|d| d.resource(&rid));
            Resource {
                id: rid,
                name: if f.title.is_empty() {
                    f.url.rsplit('/').next().unwrap_or(&f.url).to_owned()
                } else {
                    f.title.clone()
                },
                description: f.description.clone(),
                format: f.format.clone(),
                url: f.url.clone(),
                upload: None,
                created: old.map_or(now, |o| o.created),
                last_modified: Some(now),
                datastore_active: false,
            }
        })
        .collect();
    let mut extras = vec![
        Extra { key: "harvest_source".into(), value: source.to_owned() },
        Extra { key: "harvest_iri".into(), value: r.iri.clone() },
        Extra { key: "harvest_hash".into(), value: r.hash() },
    ];
    if !r.licence.is_empty() && licence_of(&r.licence) == licence::NOT_SPECIFIED {
        extras.push(Extra { key: "license_url".into(), value: r.licence.clone() });
    }
    let name = existing.map_or_else(|| name_of(r, source, 3), |d| d.name.clone());
    Dataset {
        notes: r.description.clone(),
        license_id: if r.licence.is_empty() { licence::NOT_SPECIFIED.to_owned() } else { licence_of(&r.licence) },
        tags: r.keywords.clone(),
        groups: existing.map(|d| d.groups.clone()).unwrap_or_default(),
        url: r.landing_page.clone(),
        version: r.version.clone(),
        contact_name: r.contact_name.clone(),
        contact_email: r.contact_email.clone(),
        temporal_start: r.temporal_start,
        temporal_end: r.temporal_end,
        frequency: r.frequency.as_deref().and_then(Frequency::parse),
        extras,
        resources: files,
        created: existing.map_or(now, |d| d.created),
        revision: existing.map_or(1, |d| d.revision + 1),
        ..Dataset::new(id, name, r.title.clone(), org.to_owned(), now)
    }
}

/// The hash a harvested dataset was made from.
pub fn hash_of(d: &Dataset) -> Option<&str> {
    d.extras.iter().find(|e| e.key == "harvest_hash").map(|e| e.value.as_str())
}
