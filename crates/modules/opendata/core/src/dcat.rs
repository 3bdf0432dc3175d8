//! The catalogue as DCAT-AP 3: the catalogue (`dcat:Catalog`, published by the province),
//! each public dataset (`dcat:Dataset`) with its distributions, publisher, contact point,
//! themes, coverage and frequency. Every node is typed, because SHACL validators check
//! classes on the data as given and infer nothing.

use crate::ckan::{download_url, time};
use crate::licence;
use crate::model::{Dataset, Group, Organization};
use crate::rdf::{Graph, Term};

/// What the catalogue node says of itself.
pub struct Catalogue<'a> {
    /// The portal's address, without a trailing `/`.
    pub base: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// The province (the catalogue's publisher).
    pub publisher: &'a str,
    pub organizations: &'a [Organization],
    pub groups: &'a [Group],
}

impl Catalogue<'_> {
    pub fn uri(&self) -> String {
        format!("{}/catalog", self.base)
    }

    pub fn dataset_uri(&self, d: &Dataset) -> String {
        format!("{}/dataset/{}", self.base, d.id)
    }
}

const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";

/// The IANA media type of a format, when it has a well-known one.
pub fn media_type(format: &str) -> Option<&'static str> {
    Some(match format {
        "CSV" => "text/csv",
        "JSON" => "application/json",
        "GEOJSON" => "application/geo+json",
        "XLSX" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLS" => "application/vnd.ms-excel",
        "PDF" => "application/pdf",
        "XML" => "application/xml",
        "ZIP" => "application/zip",
        "HTML" => "text/html",
        _ => return None,
    })
}

fn agent(g: &mut Graph, uri: &str, name: &str) -> Term {
    let a = Term::iri(uri);
    g.a(&a, "foaf:Agent");
    g.a(&a, "foaf:Organization");
    g.add(&a, "foaf:name", Term::vi(name));
    a
}

fn theme(g: &mut Graph, c: &Catalogue<'_>, grp: &Group) -> Term {
    let t = Term::iri(format!("{}/group/{}", c.base, grp.name));
    g.a(&t, "skos:Concept");
    g.add(&t, "skos:prefLabel", Term::vi(&grp.title));
    g.add(&t, "skos:inScheme", Term::iri(format!("{}/themes", c.base)));
    t
}

/// Adds `d` (and its distributions) to `g`; returns its node.
pub fn dataset(g: &mut Graph, c: &Catalogue<'_>, d: &Dataset) -> Term {
    let s = Term::iri(c.dataset_uri(d));
    g.a(&s, "dcat:Dataset");
    g.add(&s, "dct:identifier", Term::text(&d.id));
    g.add(&s, "dct:title", Term::vi(&d.title));
    g.add(&s, "dct:description", Term::vi(if d.notes.is_empty() { &d.title } else { &d.notes }));
    g.add(&s, "dct:issued", Term::typed(format!("{}Z", time(d.created)), "dateTime"));
    g.add(&s, "dct:modified", Term::typed(format!("{}Z", time(d.modified)), "dateTime"));
    let page = Term::iri(format!("{}/du-lieu/{}", c.base, d.name));
    g.a(&page, "foaf:Document");
    g.add(&s, "dcat:landingPage", page);
    if !d.version.is_empty() {
        g.add(&s, "dcat:version", Term::text(&d.version));
    }
    for t in &d.tags {
        g.add(&s, "dcat:keyword", Term::vi(t));
    }
    if let Some(o) = c.organizations.iter().find(|o| o.id == d.owner_org) {
        let a = agent(g, &format!("{}/organization/{}", c.base, o.name), &o.title);
        g.add(&s, "dct:publisher", a);
    }
    for gid in &d.groups {
        if let Some(grp) = c.groups.iter().find(|x| &x.id == gid) {
            let t = theme(g, c, grp);
            g.add(&s, "dcat:theme", t);
        }
    }
    if !d.contact_name.is_empty() || !d.contact_email.is_empty() {
        let k = g.blank();
        g.a(&k, "vcard:Kind");
        g.a(&k, "vcard:Organization");
        if !d.contact_name.is_empty() {
            g.add(&k, "vcard:fn", Term::vi(&d.contact_name));
        }
        if !d.contact_email.is_empty() {
            g.add(&k, "vcard:hasEmail", Term::iri(format!("mailto:{}", d.contact_email)));
        }
        g.add(&s, "dcat:contactPoint", k);
    }
    if let Some(f) = d.frequency {
        let t = Term::iri(format!("{FREQUENCY}{}", f.eu_code()));
        g.a(&t, "dct:Frequency");
        g.add(&s, "dct:accrualPeriodicity", t);
    }
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let p = g.blank();
        g.a(&p, "dct:PeriodOfTime");
        if let Some(a) = d.temporal_start {
            g.add(&p, "dcat:startDate", Term::typed(a.to_string(), "date"));
        }
        if let Some(b) = d.temporal_end {
            g.add(&p, "dcat:endDate", Term::typed(b.to_string(), "date"));
        }
        g.add(&s, "dct:temporal", p);
    }
    if let Some(geo) = &d.spatial {
        let l = g.blank();
        g.a(&l, "dct:Location");
        g.add(
            &l,
            "locn:geometry",
            Term::Literal {
                value: geo.clone(),
                lang: None,
                datatype: Some("https://www.iana.org/assignments/media-types/application/vnd.geo+json".into()),
            },
        );
        g.add(&s, "dct:spatial", l);
    }
    let lic = licence::find(&d.license_id).filter(|l| !l.url.is_empty());
    for r in &d.resources {
        let dist = Term::iri(format!("{}/dataset/{}/resource/{}", c.base, d.id, r.id));
        g.a(&dist, "dcat:Distribution");
        let url = Term::iri(download_url(c.base, &d.id, r));
        g.a(&url, "rdfs:Resource");
        g.add(&dist, "dcat:accessURL", url.clone());
        g.add(&dist, "dcat:downloadURL", url);
        g.add(&dist, "dct:title", Term::vi(&r.name));
        if !r.description.is_empty() {
            g.add(&dist, "dct:description", Term::vi(&r.description));
        }
        if !r.format.is_empty() {
            let f = Term::iri(format!("{FILE_TYPE}{}", r.format));
            g.a(&f, "dct:MediaTypeOrExtent");
            g.add(&dist, "dct:format", f);
        }
        if let Some(m) = media_type(&r.format) {
            let t = Term::iri(format!("https://www.iana.org/assignments/media-types/{m}"));
            g.a(&t, "dct:MediaType");
            g.add(&dist, "dcat:mediaType", t);
        }
        if let Some(u) = &r.upload {
            g.add(&dist, "dcat:byteSize", Term::typed(u.size.to_string(), "nonNegativeInteger"));
            let ck = g.blank();
            g.a(&ck, "spdx:Checksum");
            let algo = Term::iri("http://spdx.org/rdf/terms#checksumAlgorithm_sha256");
            g.a(&algo, "spdx:ChecksumAlgorithm");
            g.add(&ck, "spdx:algorithm", algo);
            g.add(&ck, "spdx:checksumValue", Term::typed(&u.sha256, "hexBinary"));
            g.add(&dist, "spdx:checksum", ck);
        }
        g.add(
            &dist,
            "dct:modified",
            Term::typed(format!("{}Z", time(r.last_modified.unwrap_or(r.created))), "dateTime"),
        );
        if let Some(l) = lic {
            let t = Term::iri(l.url);
            g.a(&t, "dct:LicenseDocument");
            g.add(&t, "rdfs:label", Term::text(l.title));
            g.add(&dist, "dct:license", t);
        }
        g.add(&s, "dcat:distribution", dist);
    }
    s
}

/// The catalogue with every dataset in `datasets` (the caller passes the public ones).
pub fn catalogue(c: &Catalogue<'_>, datasets: &[Dataset]) -> Graph {
    let mut g = Graph::default();
    let cat = Term::iri(c.uri());
    g.a(&cat, "dcat:Catalog");
    g.add(&cat, "dct:title", Term::vi(c.title));
    g.add(&cat, "dct:description", Term::vi(c.description));
    let home = Term::iri(format!("{}/du-lieu", c.base));
    g.a(&home, "foaf:Document");
    g.add(&cat, "foaf:homepage", home);
    let province = agent(&mut g, &format!("{}/organization", c.base), c.publisher);
    g.add(&cat, "dct:publisher", province);
    let vie = Term::iri("http://publications.europa.eu/resource/authority/language/VIE");
    g.a(&vie, "dct:LinguisticSystem");
    g.add(&cat, "dct:language", vie);
    let scheme = Term::iri(format!("{}/themes", c.base));
    g.a(&scheme, "skos:ConceptScheme");
    g.add(&scheme, "dct:title", Term::vi("Chủ đề dữ liệu"));
    g.add(&cat, "dcat:themeTaxonomy", scheme);
    if let Some(m) = datasets.iter().map(|d| d.modified).max() {
        g.add(&cat, "dct:modified", Term::typed(format!("{}Z", time(m)), "dateTime"));
    }
    for d in datasets {
        let n = dataset(&mut g, c, d);
        g.add(&cat, "dcat:dataset", n);
    }
    g
}

/// One dataset on its own (with the catalogue it belongs to).
pub fn single(c: &Catalogue<'_>, d: &Dataset) -> Graph {
    let mut g = Graph::default();
    dataset(&mut g, c, d);
    g
}
