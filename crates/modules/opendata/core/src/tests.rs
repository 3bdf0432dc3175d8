//! The module's rules, tested alone.

use crate::index::{Index, Names, Request, Scope};
use crate::input::{self, Fresh, Lookup, Mode};
use crate::query::{self, Field, SortKey};
use crate::{access, dcat, name, Dataset, Organization};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Map, Value};
use tinhso_kernel::ids::AgencyCode;
use tinhso_policy::{decide, Actor, Decision, Role};

struct Cat;

impl Lookup for Cat {
    fn organization(&self, k: &str) -> Option<String> {
        (k == "so-tnmt" || k == "org-1").then(|| "org-1".to_owned())
    }
    fn group(&self, k: &str) -> Option<String> {
        (k == "kinh-te" || k == "grp-1").then(|| "grp-1".to_owned())
    }
    fn name_taken(&self, n: &str, except: &str) -> bool {
        n == "da-co" && except != "id-da-co"
    }
}

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap()
}

fn read(v: Value, existing: Option<&Dataset>, mode: Mode) -> Result<Dataset, input::Errors> {
    let mut n = 0;
    let mut id = || {
        n += 1;
        name::random_id([n; 16])
    };
    let mut fresh = Fresh { now: now(), id: &mut id };
    let map: Map<String, Value> = v.as_object().cloned().unwrap();
    input::dataset(&map, existing, mode, &Cat, &mut fresh)
}

fn sample() -> Dataset {
    read(
        json!({"name": "dat-dai-2025", "title": "Giá đất năm 2025", "owner_org": "so-tnmt", "notes": "Bảng giá đất\ncủa tỉnh",
               "tags": [{"name": "đất đai"}, "giá"], "groups": [{"name": "kinh-te"}],
               "extras": [{"key": "frequency", "value": "annual"}, {"key": "nguon", "value": "Sở"}],
               "resources": [{"url": "https://example.vn/gia-dat.csv", "name": "Bảng giá"}]}),
        None,
        Mode::Create,
    )
    .unwrap()
}

#[test]
fn a_dict_is_read_with_typed_extras_and_guessed_formats() {
    let d = sample();
    assert_eq!(d.owner_org, "org-1");
    assert_eq!(d.groups, vec!["grp-1"]);
    assert_eq!(d.tags, vec!["đất đai", "giá"]);
    assert_eq!(d.frequency, Some(crate::Frequency::Annual));
    assert_eq!(d.extras.len(), 1);
    assert_eq!(d.resources[0].format, "CSV");
    assert_eq!(d.notes, "Bảng giá đất\ncủa tỉnh");
    assert_eq!(d.license_id, crate::licence::DEFAULT);
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = read(
        json!({"name": "Tên Có Dấu", "owner_org": "khong-co", "license_id": "x", "tags": ["a"],
               "extras": [{"key": "temporal_start", "value": "32/13/2025"}],
               "resources": [{"url": "ftp://x"}], "maintainer_email": "khong-phai-thu"}),
        None,
        Mode::Create,
    )
    .unwrap_err();
    for f in ["name", "owner_org", "license_id", "tags", "temporal_start", "resources", "maintainer_email"] {
        assert!(e.contains_key(f), "{f} missing from {e:?}");
    }
    let taken = read(json!({"name": "da-co", "owner_org": "so-tnmt"}), None, Mode::Create).unwrap_err();
    assert!(taken["name"][0].contains("đã được dùng"));
}

#[test]
fn update_replaces_and_patch_keeps() {
    let d = sample();
    let rid = d.resources[0].id.clone();
    let patched = read(json!({"title": "Giá đất 2025 (sửa)"}), Some(&d), Mode::Patch).unwrap();
    assert_eq!(patched.tags, d.tags);
    assert_eq!(patched.resources, d.resources);
    assert_eq!(patched.revision, d.revision + 1);
    assert_eq!(patched.id, d.id);
    let updated = read(json!({"name": "dat-dai-2025", "title": "Giá đất"}), Some(&d), Mode::Update).unwrap();
    assert!(updated.tags.is_empty() && updated.resources.is_empty() && updated.frequency.is_none());
    assert_eq!(updated.owner_org, d.owner_org, "an update that omits the publisher keeps it");
    // A resource named by its id keeps its id and creation time.
    let kept = read(
        json!({"name": "dat-dai-2025", "resources": [{"id": rid, "url": "https://example.vn/gia-dat.csv"}]}),
        Some(&d),
        Mode::Update,
    )
    .unwrap();
    assert_eq!(kept.resources[0].id, rid);
    assert_eq!(kept.resources[0].created, d.resources[0].created);
    assert_eq!(kept.resources[0].last_modified, d.resources[0].last_modified, "an unchanged link is not modified");
}

#[test]
fn names_slugs_and_ids() {
    assert_eq!(name::slug("Đất đai – Giá đất 2025!"), "dat-dai-gia-dat-2025");
    assert!(name::is_name("dat-dai_2025") && !name::is_name("Dat") && !name::is_name("a"));
    let a = name::derived_id("org:000.00.15.H60");
    assert_eq!(a, name::derived_id("org:000.00.15.H60"));
    assert!(name::is_uuid(&a) && name::is_uuid(&name::random_id([7; 16])));
    assert_eq!(name::agency_name("000.00.15.H60"), "000-00-15-h60");
}

#[test]
fn fq_grammar_and_its_refusals() {
    let p = query::parse(
        "dat dai tags:\"đất đai\"",
        "+organization:so-tnmt -res_format:PDF groups:(kinh-te OR xa-hoi) metadata_modified:[2025-01-01T00:00:00Z TO NOW]",
        now(),
    )
    .unwrap();
    assert_eq!(p.words, vec!["dat", "dai"]);
    assert_eq!(p.filters.len(), 5);
    assert_eq!(p.filters[0].values, vec!["đất đai"]);
    assert!(p.filters[2].negate);
    assert_eq!(p.filters[3].values, vec!["kinh-te", "xa-hoi"]);
    assert!(p.filters[4].range.is_some());
    for bad in ["tags:a OR tags:b", "secret_field:x", "tags:(a", "tags:[a TO b]", "metadata_modified:2025"] {
        assert!(query::parse("", bad, now()).is_err(), "{bad}");
    }
    assert_eq!(query::sort("title_string asc").unwrap(), vec![(SortKey::Title, false)]);
    assert!(query::sort("password desc").is_err());
}

fn indexed(list: &[(&str, &str, &[&str], bool)]) -> (Index, Vec<Dataset>) {
    let mut idx = Index::default();
    let mut out = Vec::new();
    for (i, (n, title, tags, private)) in list.iter().enumerate() {
        let mut d = sample();
        d.id = format!("id-{i}");
        d.name = (*n).to_owned();
        d.title = (*title).to_owned();
        d.notes = String::new();
        d.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        d.private = *private;
        d.modified = now() + chrono::Duration::minutes(i64::try_from(i).unwrap());
        idx.put(&d, &Names { organization: "so-tnmt", organization_title: "Sở Tài nguyên", groups: vec!["kinh-te"] });
        out.push(d);
    }
    (idx, out)
}

fn search(idx: &Index, q: &str, fq: &str, scope: &Scope) -> crate::index::Answer {
    let parsed = query::parse(q, fq, now()).unwrap();
    let sort = query::sort("").unwrap();
    idx.search(&Request {
        parsed: &parsed,
        sort: &sort,
        start: 0,
        rows: 10,
        facets: &[Field::Tags, Field::Organization],
        facet_limit: 50,
        facet_mincount: 1,
        scope,
    })
}

#[test]
fn search_folds_vietnamese_ranks_titles_first_and_counts_facets() {
    let (idx, _) = indexed(&[
        ("a", "Danh sách trường học", &["giáo dục"], false),
        ("b", "Giá đất", &["đất đai"], false),
        ("c", "Báo cáo", &["đất"], false),
        ("d", "Đất nông nghiệp", &[], true),
    ]);
    let public = Scope::default();
    let r = search(&idx, "DAT", "", &public);
    // Title before tag; the private dataset is not seen.
    assert_eq!(r.ids, vec!["id-1", "id-2"]);
    let tags = &r.facets[0].1;
    assert!(tags.contains(&("đất đai".to_owned(), 1)) && tags.contains(&("đất".to_owned(), 1)));
    assert_eq!(r.facets[1].1, vec![("so-tnmt".to_owned(), 2)]);
    let all = Scope { all: true, ..Scope::default() };
    assert_eq!(search(&idx, "đất", "", &all).count, 3);
    assert_eq!(search(&idx, "", "tags:\"giáo dục\"", &public).ids, vec!["id-0"]);
    assert_eq!(search(&idx, "", "-tags:đất", &public).count, 2);
    assert_eq!(search(&idx, "truong hoc", "", &public).ids, vec!["id-0"], "every word must be found");
    assert_eq!(search(&idx, "truong xyz", "", &public).count, 0);
    // Titles sort the Vietnamese way: Đ after D.
    let parsed = query::parse("", "", now()).unwrap();
    let by_title = query::sort("title_string asc").unwrap();
    let all = Scope { all: true, ..Scope::default() };
    let sorted = idx.search(&Request {
        parsed: &parsed,
        sort: &by_title,
        start: 0,
        rows: 10,
        facets: &[],
        facet_limit: 0,
        facet_mincount: 1,
        scope: &all,
    });
    assert_eq!(sorted.ids, vec!["id-2", "id-0", "id-3", "id-1"], "Báo cáo, Danh sách, Đất, Giá");
    // Prefixes match: "nong" finds "nông".
    assert_eq!(search(&idx, "non", "", &all).ids, vec!["id-3"]);
}

#[test]
fn a_changed_dataset_is_found_by_its_new_words_only() {
    let (mut idx, mut ds) = indexed(&[("a", "Giá đất", &[], false)]);
    ds[0].title = "Dân số".into();
    idx.put(&ds[0], &Names { organization: "so-tnmt", organization_title: "", groups: vec![] });
    assert_eq!(search(&idx, "dat", "", &Scope::default()).count, 0);
    assert_eq!(search(&idx, "dan so", "", &Scope::default()).count, 1);
    idx.remove("id-0");
    assert_eq!(search(&idx, "", "", &Scope::default()).count, 0);
}

#[test]
fn dcat_names_every_mandatory_property() {
    let d = sample();
    let orgs = [Organization {
        id: "org-1".into(),
        name: "so-tnmt".into(),
        title: "Sở TN&MT".into(),
        description: String::new(),
        agency: "X".into(),
    }];
    let c = dcat::Catalogue {
        base: "https://x.vn",
        title: "Cổng dữ liệu",
        description: "Mô tả",
        publisher: "UBND",
        organizations: &orgs,
        groups: &[],
    };
    let ttl = dcat::catalogue(&c, std::slice::from_ref(&d)).turtle();
    for want in ["a dcat:Catalog", "dct:publisher", "a dcat:Dataset", "dcat:accessURL", "\"Sở TN&MT\"@vi", "ANNUAL"] {
        assert!(ttl.contains(want), "{want} not in\n{ttl}");
    }
    let xml = dcat::single(&c, &d).rdf_xml();
    assert!(xml.contains("Sở TN&amp;MT") && xml.contains("rdf:about=\"https://x.vn/dataset/"));
    let ld = dcat::single(&c, &d).json_ld();
    assert!(ld.as_array().unwrap().iter().any(|n| n["@type"][0] == "http://www.w3.org/ns/dcat#Dataset"));
}

#[test]
fn every_command_maps_to_the_policy_table() {
    let mine = AgencyCode::parse("a", "000.00.15.H60").unwrap();
    let other = AgencyCode::parse("a", "000.00.16.H60").unwrap();
    let spec = Actor { role: Role::Specialist, agency: Some(mine.clone()) };
    let citizen = Actor { role: Role::Citizen, agency: None };
    for k in access::CommandKind::ALL {
        assert_eq!(decide(&citizen, &access::action(k, &mine)), Decision::Deny, "{k:?}");
        let want = if k == access::CommandKind::ManagePortal { Decision::Deny } else { Decision::Allow };
        assert_eq!(decide(&spec, &access::action(k, &mine)), want, "{k:?}");
        if k != access::CommandKind::ManagePortal {
            assert_eq!(decide(&spec, &access::action(k, &other)), Decision::Deny, "{k:?} other");
        }
    }
}

#[test]
fn datastore_types_are_inferred_from_every_value() {
    use crate::datastore::{cell, field_ids, narrow, Cell, Type};
    let infer = |vals: &[&str]| vals.iter().fold(None, |k, v| narrow(k, v));
    assert_eq!(infer(&["1", "", "20"]), Some(Type::Int));
    assert_eq!(infer(&["1", "2.5"]), Some(Type::Numeric));
    assert_eq!(infer(&["001", "002"]), Some(Type::Text), "codes with leading zeros stay text");
    assert_eq!(infer(&["01/02/2025", "2025-03-04"]), Some(Type::Date));
    assert_eq!(infer(&["01/02/2025", "12"]), Some(Type::Text));
    assert_eq!(infer(&["5", "01/02/2025"]), Some(Type::Text));
    assert_eq!(infer(&["", ""]), None);
    assert_eq!(cell(Type::Date, "31/12/2025"), Cell::Text("2025-12-31".into()));
    assert_eq!(cell(Type::Int, " 42 "), Cell::Int(42));
    assert_eq!(cell(Type::Numeric, ""), Cell::Null);
    let ids = field_ids(&["Xã".into(), "".into(), "Xã".into(), "_id".into(), "a\"b".into()]);
    assert_eq!(ids, vec!["Xã", "cot_2", "Xã (2)", "cot_4", "a'b"]);
}

#[test]
fn datastore_search_parameters_are_checked_against_the_fields() {
    use crate::datastore::{search, Field, Type};
    let fields = vec![Field { id: "Xã".into(), kind: Type::Text }, Field { id: "Dân số".into(), kind: Type::Int }];
    let p = json!({"filters": {"Xã": ["An Tường", "Minh Xuân"]}, "q": "Đường", "fields": "Xã,_id", "sort": "Dân số desc", "limit": "5"});
    let s = search(&fields, p.as_object().unwrap()).unwrap();
    assert_eq!(s.filters, vec![("Xã".to_owned(), vec!["An Tường".to_owned(), "Minh Xuân".to_owned()])]);
    assert_eq!(s.words, vec!["duong"]);
    assert_eq!(s.fields, vec!["Xã", "_id"]);
    assert_eq!(s.sort, vec![("Dân số".to_owned(), true)]);
    assert_eq!(s.limit, 5);
    let bad = json!({"filters": {"mat_khau": 1}, "sort": "x", "limit": -1, "fields": ["y"]});
    let errs = search(&fields, bad.as_object().unwrap()).unwrap_err();
    let keys: Vec<&str> = errs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, vec!["filters", "fields", "sort", "limit"]);
    let garbled = json!({"filters": "{\"Xã\": "});
    assert!(
        search(&fields, garbled.as_object().unwrap()).is_err(),
        "a filter that does not parse is refused, not dropped"
    );
}

#[test]
fn only_one_reading_select_passes_the_sql_gate() {
    use crate::datastore::check_sql;
    for ok in [
        "SELECT * FROM \"abc\" WHERE \"Ghi chú\" = 'xóa; drop'",
        "select count(*) from \"a\";",
        "WITH t AS (SELECT 1) SELECT * FROM t",
    ] {
        assert!(check_sql(ok).is_ok(), "{ok}");
    }
    for bad in [
        "DELETE FROM x",
        "SELECT 1; DROP TABLE account",
        "SELECT * FROM account -- x",
        "PRAGMA table_info(account)",
        "SELECT * FROM sqlite_master",
        "SELECT pg_sleep(10)",
        "ATTACH DATABASE '/etc/passwd' AS p",
        "SELECT * INTO x FROM y",
        "SELECT 'unclosed",
        "",
    ] {
        assert!(check_sql(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_dcat_catalogue_is_read_into_datasets() {
    use crate::harvest;
    let ttl = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <https://x.vn/ds/1> a dcat:Dataset ; dct:title "Schools"@en, "Trường học"@vi ; dcat:keyword "giáo dục", "a" ;
          dct:license <http://creativecommons.org/licenses/by/4.0> ;
          dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
          dcat:distribution [ dcat:accessURL <https://x.vn/1.csv> ] .
        <https://x.vn/ds/2> a dcat:Dataset ; dct:description "không có tên" .
        <https://x.vn/ds/3> a dcat:Dataset ; dct:title "Ba" ; dcat:distribution [ dcat:accessURL <ftp://x.vn/3> ] ."#;
    let format = harvest::format_of(Some("text/turtle; charset=utf-8"), "catalog").unwrap();
    let remote = harvest::read(ttl.as_bytes(), format, "https://x.vn/").unwrap();
    assert_eq!(remote.len(), 2, "a dataset without a title is skipped");
    let r = &remote[0];
    assert_eq!(r.title, "Trường học", "Vietnamese first");
    assert_eq!(r.keywords, vec!["giáo dục"], "a keyword that is not a valid tag is dropped");
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].format, "CSV");
    assert!(remote[1].files.is_empty(), "only http(s) links are kept");
    let d = harvest::dataset(r, "src", "org-1", None, now());
    assert_eq!(d.license_id, "cc-by-4.0");
    assert_eq!(d.frequency, Some(crate::Frequency::Monthly));
    assert_eq!(d.id, harvest::id_of("src", "https://x.vn/ds/1"));
    assert_eq!(harvest::hash_of(&d), Some(r.hash().as_str()));
    let again = harvest::dataset(r, "src", "org-1", Some(&d), now());
    assert_eq!((again.name, again.revision), (d.name.clone(), 2), "an update keeps the name");
    assert!(harvest::read(b"not turtle <", format, "https://x.vn/").is_err());
}

#[test]
fn a_dataset_row_agrees_with_its_last_entry_or_names_the_column() {
    use crate::audit::{row_differs, StoredDataset};
    use sha2::Digest;
    let d = sample();
    let body = serde_json::to_string(&d).unwrap();
    let digest: String = sha2::Sha256::digest(body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let entry = json!({ "kind": "dataset_updated", "name": d.name, "revision": d.revision, "state": d.state.key(),
                        "sha256": digest })
    .to_string();
    let lane = format!("data/{}", d.owner_org);
    let entries = [(lane.as_str(), entry.as_str())];
    let modified = crate::ckan::time(d.modified);
    let row = StoredDataset {
        id: &d.id,
        name: &d.name,
        org: &d.owner_org,
        state: d.state.key(),
        private: d.private,
        revision: d.revision,
        modified: &modified,
        body: &body,
    };
    assert_eq!(row_differs(&row, &entries), None);
    // A private dataset made public by its column, a draft published, a text rewritten.
    assert_eq!(row_differs(&StoredDataset { private: !d.private, ..row }, &entries), Some("private"));
    assert_eq!(row_differs(&StoredDataset { state: "deleted", ..row }, &entries), Some("state"));
    let rewritten = body.replace("Bảng giá đất", "Bảng giá mới");
    assert_eq!(row_differs(&StoredDataset { body: &rewritten, ..row }, &entries), Some("body"));
    assert_eq!(row_differs(&StoredDataset { revision: d.revision + 1, ..row }, &entries), Some("revision"));
    assert_eq!(row_differs(&StoredDataset { org: "khac", ..row }, &entries), Some("org"));
    assert_eq!(row_differs(&row, &[]), Some("body"));
}
