//! Just enough RDF for DCAT: a graph of triples and its three common spellings: Turtle,
//! RDF/XML and JSON-LD (expanded form, which every JSON-LD processor reads without fetching a
//! context). Predicates and classes are always in one of [`PREFIXES`], so each can be written
//! as a qualified name in Turtle and XML.

use std::collections::BTreeMap;
use std::fmt::Write;

pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("adms", "http://www.w3.org/ns/adms#"),
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Term {
    Iri(String),
    Blank(String),
    /// A literal with a language tag or a datatype IRI (neither: a plain string).
    Literal {
        value: String,
        lang: Option<String>,
        datatype: Option<String>,
    },
}

impl Term {
    pub fn iri(s: impl Into<String>) -> Self {
        Self::Iri(s.into())
    }
    pub fn text(s: impl Into<String>) -> Self {
        Self::Literal { value: s.into(), lang: None, datatype: None }
    }
    pub fn vi(s: impl Into<String>) -> Self {
        Self::Literal { value: s.into(), lang: Some("vi".into()), datatype: None }
    }
    pub fn typed(s: impl Into<String>, xsd: &str) -> Self {
        Self::Literal { value: s.into(), lang: None, datatype: Some(format!("http://www.w3.org/2001/XMLSchema#{xsd}")) }
    }
}

/// Expands a qualified name (`dcat:Dataset`) to its IRI.
pub fn expand(q: &str) -> String {
    match q.split_once(':') {
        Some((p, local)) => match PREFIXES.iter().find(|(x, _)| *x == p) {
            Some((_, ns)) => format!("{ns}{local}"),
            None => q.to_owned(),
        },
        None => q.to_owned(),
    }
}

fn qname(iri: &str) -> Option<(&'static str, &str)> {
    PREFIXES.iter().find_map(|(p, ns)| {
        let local = iri.strip_prefix(ns)?;
        (!local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some((*p, local))
    })
}

#[derive(Debug, Default)]
pub struct Graph {
    /// Subject → (predicate IRI, object), in insertion order per subject.
    nodes: BTreeMap<Term, Vec<(String, Term)>>,
    order: Vec<Term>,
    blanks: usize,
}

impl Graph {
    /// Adds `s p o`; `p` a qualified name.
    pub fn add(&mut self, s: &Term, p: &str, o: Term) {
        if !self.nodes.contains_key(s) {
            self.order.push(s.clone());
        }
        self.nodes.entry(s.clone()).or_default().push((expand(p), o));
    }

    pub fn a(&mut self, s: &Term, class: &str) {
        self.add(s, "rdf:type", Term::Iri(expand(class)));
    }

    pub fn blank(&mut self) -> Term {
        self.blanks += 1;
        Term::Blank(format!("b{}", self.blanks))
    }

    pub fn len(&self) -> usize {
        self.nodes.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn subjects(&self) -> impl Iterator<Item = (&Term, &Vec<(String, Term)>)> {
        self.order.iter().filter_map(|s| self.nodes.get(s).map(|p| (s, p)))
    }

    pub fn turtle(&self) -> String {
        let mut out = String::new();
        for (p, ns) in PREFIXES {
            let _ = writeln!(out, "@prefix {p}: <{ns}> .");
        }
        for (s, props) in self.subjects() {
            let _ = write!(out, "\n{}", ttl_term(s));
            for (i, (p, o)) in props.iter().enumerate() {
                let sep = if i == 0 { " " } else { " ;\n    " };
                let p =
                    if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" { "a".to_owned() } else { ttl_iri(p) };
                let _ = write!(out, "{sep}{p} {}", ttl_term(o));
            }
            out.push_str(" .\n");
        }
        out
    }

    pub fn rdf_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF");
        for (p, ns) in PREFIXES {
            let _ = write!(out, "\n    xmlns:{p}=\"{ns}\"");
        }
        out.push_str(">\n");
        for (s, props) in self.subjects() {
            match s {
                Term::Blank(b) => {
                    let _ = writeln!(out, "  <rdf:Description rdf:nodeID=\"{}\">", xml(b));
                }
                Term::Iri(i) => {
                    let _ = writeln!(out, "  <rdf:Description rdf:about=\"{}\">", xml(i));
                }
                Term::Literal { .. } => continue,
            }
            for (p, o) in props {
                let Some((pre, local)) = qname(p) else { continue };
                let tag = format!("{pre}:{local}");
                match o {
                    Term::Iri(i) => {
                        let _ = writeln!(out, "    <{tag} rdf:resource=\"{}\"/>", xml(i));
                    }
                    Term::Blank(b) => {
                        let _ = writeln!(out, "    <{tag} rdf:nodeID=\"{}\"/>", xml(b));
                    }
                    Term::Literal { value, lang, datatype } => {
                        let attr = match (lang, datatype) {
                            (Some(l), _) => format!(" xml:lang=\"{}\"", xml(l)),
                            (None, Some(d)) => format!(" rdf:datatype=\"{}\"", xml(d)),
                            (None, None) => String::new(),
                        };
                        let _ = writeln!(out, "    <{tag}{attr}>{}</{tag}>", xml(value));
                    }
                }
            }
            out.push_str("  </rdf:Description>\n");
        }
        out.push_str("</rdf:RDF>\n");
        out
    }

    /// JSON-LD in expanded form: one node object per subject.
    pub fn json_ld(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let id = |t: &Term| match t {
            Term::Iri(i) => i.clone(),
            Term::Blank(b) => format!("_:{b}"),
            Term::Literal { value, .. } => value.clone(),
        };
        let nodes: Vec<Value> = self
            .subjects()
            .map(|(s, props)| {
                let mut m = Map::new();
                m.insert("@id".into(), Value::String(id(s)));
                for (p, o) in props {
                    if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" {
                        if let Value::Array(a) = m.entry("@type").or_insert_with(|| Value::Array(Vec::new())) {
                            a.push(Value::String(id(o)));
                        }
                        continue;
                    }
                    let v = match o {
                        Term::Literal { value, lang: Some(l), .. } => json!({ "@value": value, "@language": l }),
                        Term::Literal { value, datatype: Some(d), .. } => json!({ "@value": value, "@type": d }),
                        Term::Literal { value, .. } => json!({ "@value": value }),
                        other => json!({ "@id": id(other) }),
                    };
                    if let Value::Array(a) = m.entry(p.clone()).or_insert_with(|| Value::Array(Vec::new())) {
                        a.push(v);
                    }
                }
                Value::Object(m)
            })
            .collect();
        Value::Array(nodes)
    }
}

fn ttl_iri(i: &str) -> String {
    match qname(i) {
        Some((p, l)) => format!("{p}:{l}"),
        None => format!("<{}>", i.replace('>', "%3E").replace(' ', "%20")),
    }
}

fn ttl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ttl_term(t: &Term) -> String {
    match t {
        Term::Iri(i) => ttl_iri(i),
        Term::Blank(b) => format!("_:{b}"),
        Term::Literal { value, lang: Some(l), .. } => format!("{}@{l}", ttl_string(value)),
        Term::Literal { value, datatype: Some(d), .. } => format!("{}^^{}", ttl_string(value), ttl_iri(d)),
        Term::Literal { value, .. } => ttl_string(value),
    }
}

fn xml(s: &str) -> String {
    s.chars().filter(|c| !matches!(*c as u32, 0..=8 | 11 | 12 | 14..=31)).fold(
        String::with_capacity(s.len()),
        |mut o, c| {
            match c {
                '&' => o.push_str("&amp;"),
                '<' => o.push_str("&lt;"),
                '>' => o.push_str("&gt;"),
                '"' => o.push_str("&quot;"),
                c => o.push(c),
            }
            o
        },
    )
}
