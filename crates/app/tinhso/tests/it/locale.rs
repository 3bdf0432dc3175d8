//! English is the second locale of every page, staff workspaces included: no fixed Vietnamese
//! text in a template outside a choice of language (`{% if en %}…{% else %}…{% endif %}`).
//! Text that comes from data (procedure, agency and place names) is not in the templates and
//! is not looked at here; the pages' own strings built in Rust are checked by the walks in
//! English below.

use std::path::{Path, PathBuf};

/// Printed state forms (the one-stop desk's slips, a procedure's declaration) are legal
/// documents in Vietnamese whatever the officer's language: the paper (`<main class="paper">`)
/// of these templates is left out of the check, not what is around it on screen.
const VIETNAMESE_BY_LAW: [&str; 2] = ["dossier/slip.html", "dossier/declaration.html"];

/// Names that stay as they are in English.
const PROPER_NAMES: [&str; 1] = ["Tỉnh Số"];

fn is_vietnamese_letter(c: char) -> bool {
    // Latin letters with Vietnamese marks and đ/Đ: plain ASCII words are not told apart from
    // English, but nearly every Vietnamese phrase carries a mark.
    // Latin-1 and Latin Extended-A/B up to ư (đ, ă, ơ, ĩ, ũ among them), and the Latin
    // Extended Additional block that holds the stacked marks (ạ … ỹ).
    matches!(c, '\u{C0}'..='\u{1B0}' | '\u{1EA0}'..='\u{1EF9}') && c.is_alphabetic()
}

/// The fixed Vietnamese texts of a template outside a choice of language.
fn untranslated(source: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum Open {
        Language,
        Other,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut found = Vec::new();
    let mut rest = source;
    loop {
        let (literal, statement, after) = match rest.find("{%") {
            Some(at) => {
                let inner = &rest[at + 2..];
                let e = inner.find("%}").unwrap_or(inner.len());
                (&rest[..at], Some(inner[..e].trim_matches(['-', ' ', '\n'])), inner.get(e + 2..).unwrap_or(""))
            }
            None => (rest, None, ""),
        };
        if !open.contains(&Open::Language) {
            let mut text = strip_between(literal, "{{", "}}");
            text = strip_between(&text, "{#", "#}");
            for name in PROPER_NAMES {
                text = text.replace(name, "");
            }
            for piece in text.split(['<', '>', '\n']) {
                if piece.chars().any(is_vietnamese_letter) {
                    found.push(piece.trim().to_owned());
                }
            }
        }
        let Some(statement) = statement else { break };
        let word = statement.split_whitespace().next().unwrap_or("");
        match word {
            "if" => {
                let condition = statement["if".len()..].trim().trim_start_matches('!');
                let language = condition == "en" || condition.ends_with(".en");
                open.push(if language { Open::Language } else { Open::Other });
            }
            "for" | "match" | "block" | "macro" | "filter" => open.push(Open::Other),
            w if w.starts_with("end") => {
                open.pop();
            }
            _ => {}
        }
        rest = after;
    }
    found
}

fn strip_between(s: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        rest = rest[at..].find(close).map_or("", |e| &rest[at + e + close.len()..]);
    }
    out.push_str(rest);
    out
}

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target" && n != ".git" && n != "node_modules") {
                templates(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "html")
            && path.components().any(|c| c.as_os_str() == "templates")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_template_speaks_english_too() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let mut files = Vec::new();
    templates(&root.join("crates"), &mut files);
    assert!(files.len() > 50, "the templates were not found under {}", root.display());
    let mut report = Vec::new();
    for file in &files {
        let name = file.to_string_lossy();
        let mut source = std::fs::read_to_string(file).unwrap();
        if VIETNAMESE_BY_LAW.iter().any(|f| name.ends_with(f)) {
            let paper = source.find("<main class=\"paper\">").expect("the state form's paper");
            let end = source[paper..].find("</main>").map_or(source.len(), |e| paper + e);
            source.replace_range(paper..end, "");
        }
        let found = untranslated(&source);
        if !found.is_empty() {
            report.push(format!("{name}:\n    {}", found.join("\n    ")));
        }
    }
    assert!(report.is_empty(), "Vietnamese text without its English:\n{}", report.join("\n"));
}

#[test]
fn the_check_sees_what_it_should() {
    assert_eq!(untranslated("<h1>Hồ sơ</h1>"), ["Hồ sơ"]);
    assert_eq!(untranslated(r#"<input placeholder="Ví dụ">"#), [r#"input placeholder="Ví dụ""#]);
    assert!(untranslated("<h1>{% if en %}Dossier{% else %}Hồ sơ{% endif %}</h1>").is_empty());
    assert!(untranslated("{% if !layout.en %}Hồ sơ{% else %}Dossier{% endif %}").is_empty());
    assert_eq!(untranslated("{% if staff %}Hồ sơ{% endif %}"), ["Hồ sơ"]);
    assert_eq!(untranslated("{% if en %}A{% endif %} Đã xong"), ["Đã xong"]);
    assert!(untranslated("{{ d.name }} · Tỉnh Số {# ghi chú #}").is_empty());
    assert_eq!(untranslated(r#"<div class="a{% if n > 0 %} b{% endif %}">Quá hạn</div>"#), ["Quá hạn"]);
}

/// The fixed parts of a page (headings of tables and sections, buttons, disclosure summaries,
/// hints, legends and labels of a form's fields): never data, so in English they hold no
/// Vietnamese. A label that is data (an e-form field the province gave no English label) is
/// marked `lang="vi"` like every Vietnamese word meant to be there.
fn fixed_texts(html: &str) -> Vec<String> {
    // Words marked as Vietnamese (an example of what to type, a syntax's keywords) are meant to be.
    let html = strip_between(html, "<span lang=\"vi\">", "</span>");
    let html = strip_between(&html, "<code lang=\"vi\">", "</code>");
    let mut out = Vec::new();
    for (open, close) in [
        ("<button", "</button>"),
        ("<th scope=\"col\"", "</th>"),
        ("<summary", "</summary>"),
        ("<h2", "</h2>"),
        ("<p class=\"hint\"", "</p>"),
        ("<legend", "</legend>"),
        ("<label", "</label>"),
    ] {
        let mut rest = html.as_str();
        while let Some(at) = rest.find(open) {
            let inner = &rest[at..];
            let end = inner.find(close).unwrap_or(inner.len());
            out.push(strip_between(&inner[..end], "<", ">").trim().to_owned());
            rest = &inner[end..];
        }
    }
    out
}

fn links(html: &str) -> Vec<String> {
    html.split("href=\"/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| format!("/{}", s.replace("&amp;", "&")))
        .filter(|h| {
            // Downloads, slips (state forms, in Vietnamese by law) and leaving the page.
            !h.contains("dinh-dang=")
                && !h.contains("/phieu/")
                && !h.contains("/to-khai")
                && !h.contains("/tep/")
                && !h.starts_with("/ngon-ngu/")
                && !h.starts_with("/dang-xuat")
                && !h.starts_with("/static/")
        })
        .collect()
}

/// Each staff role, in English, on its workspace and every page one link away, and a citizen
/// on theirs: every such page opens, says `lang="en"` and no fixed text is left in Vietnamese. What comes
/// from data (procedure, agency and place names, what people wrote) may stay as it is.
#[tokio::test]
async fn staff_workspaces_in_english() {
    let s = crate::demo_server(tinhso_testkit::Backend::Sqlite, 400).await;
    let roles = [
        ("tiepnhan@tinhso.local", vec!["/ho-so", "/mot-cua", "/mot-cua?thu-tuc=1.001193", "/can-bo/phan-anh"]),
        ("chuyenvien@tinhso.local", vec!["/ho-so", "/can-bo/phan-anh"]),
        ("pheduyet@tinhso.local", vec!["/ho-so"]),
        ("lanhdao@tinhso.local", vec!["/dieu-hanh", "/dieu-hanh/canh-bao", "/dieu-hanh/phan-anh", "/dieu-hanh/chi-so"]),
        (
            "quantri@tinhso.local",
            vec![
                "/quan-tri",
                "/quan-tri/tai-khoan",
                "/quan-tri/tai-len",
                "/quan-tri/may-chu",
                "/quan-tri/phan-anh",
                "/quan-tri/thu-tuc/moi",
            ],
        ),
        ("quantri.coquan@tinhso.local", vec!["/quan-tri/tai-khoan", "/du-lieu/moi", "/tai-khoan/khoa-api"]),
        ("kiemtra@tinhso.local", vec!["/ho-so", "/quan-tri/nhat-ky"]),
        ("thamdinh@tinhso.local", vec!["/quan-tri/chuyen-doi-so"]),
        // And a citizen on theirs.
        (
            "0912345678",
            vec![
                "/",
                "/ho-so",
                "/tai-khoan",
                "/phan-anh",
                "/phan-anh/gui",
                "/du-lieu",
                "/minh-bach",
                "/tra-cuu",
                "/thu-tuc",
                "/thu-tuc/1.001193/nop",
            ],
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    let mut report = Vec::new();
    for (login, start) in roles {
        let c = crate::journey::page_login(&s, login).await;
        let r = c.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
        assert!(r.status().is_success() || r.status().is_redirection());
        let mut pages: Vec<String> = start.iter().map(|p| (*p).to_owned()).collect();
        let mut visited = 0;
        while let Some(path) = pages.pop() {
            if !seen.insert((login, path.clone())) {
                continue;
            }
            let r = c.get(format!("{}{path}", s.url)).send().await.unwrap();
            let status = r.status();
            let html = r.text().await.unwrap();
            // Every link a page offers leads somewhere its reader may go (a link to a 403 is a
            // dead end: a province admin once had "Dossiers" in the header).
            assert!(status.is_success() || status.is_redirection(), "{login} {path}: {status}");
            if !html.starts_with("<!doctype html>") {
                continue;
            }
            visited += 1;
            assert!(html.contains("<html lang=\"en\""), "{login} {path} is not in English");
            for t in fixed_texts(&html) {
                if t.chars().any(is_vietnamese_letter) {
                    report.push(format!("{login} {path}: {t}"));
                }
            }
            // The start pages and one link beyond them.
            if start.contains(&path.as_str()) {
                pages.extend(links(&html).into_iter().take(60));
            }
        }
        assert!(visited > start.len(), "{login} saw only {visited} pages");
    }
    report.sort();
    report.dedup();
    assert!(report.is_empty(), "Vietnamese left on English pages:\n{}", report.join("\n"));
    s.stop().await.unwrap();
}

on_both_backends_with_demo!(
    the_e_form_in_english_on_sqlite,
    the_e_form_in_english_on_postgres,
    the_e_form_speaks_english_where_the_province_gave_labels
);

/// The e-form in English: each field under the label the province gave in English, its
/// errors worded with it, the same labels on a dossier afterwards; a field without one keeps
/// its Vietnamese label, marked as Vietnamese. The province admin sets and removes English
/// labels on the procedure's page, and the next form shows them.
async fn the_e_form_speaks_english_where_the_province_gave_labels(s: tinhso_testkit::TestServer) {
    use tinhso_testkit::form;
    const BIRTH: &str = "1.001193";
    let english = |login: &'static str| {
        let s = &s;
        async move {
            let c = crate::journey::page_login(s, login).await;
            c.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
            c
        }
    };
    let get = |c: reqwest::Client, path: String| {
        let url = format!("{}{path}", s.url);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
            form::unescape(&r.text().await.unwrap())
        }
    };
    // A visitor not yet logged in is asked to, told in English what for.
    let visitor = s.client();
    visitor.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let login = get(visitor, format!("/dang-nhap?tiep=/thu-tuc/{BIRTH}/nop")).await;
    assert!(
        login.contains("<h1>Log in to apply for: <span lang=\"vi\">Thủ tục đăng ký khai sinh</span></h1>"),
        "{login}"
    );
    assert!(login.contains("<title>Log in to apply for: Thủ tục đăng ký khai sinh"), "{login}");

    let citizen = english("0912345678").await;
    let apply = format!("/thu-tuc/{BIRTH}/nop");
    let page = get(citizen.clone(), apply.clone()).await;
    for label in [
        "<label for=\"form.ho_ten\">Applicant's full name</label>",
        "<label for=\"form.noi_dung\">What you ask for (optional)</label>",
        "<label for=\"form.ten_tre\">The child's full name</label>",
        "<label for=\"form.dia_chi.commune\" class=\"sub\">Commune or ward (contact address)</label>",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert!(!page.contains("Họ và tên người nộp"), "no Vietnamese label where an English one is given");
    // A choice shows in English and sends the Vietnamese one, which the dossier records.
    assert!(page.contains("<option value=\"Nữ\">Female</option>"), "{page}");

    // Every problem at once, each worded with the English label.
    let token = crate::journey::csrf(&page);
    let r = citizen.post(format!("{}{apply}", s.url)).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let errors = form::unescape(&r.text().await.unwrap());
    for said in ["Enter applicant's full name", "Enter the child's full name", "Choose sex"] {
        assert!(errors.contains(said), "{said}");
    }

    // The province admin rewords one English label and removes another.
    let admin = crate::journey::page_login(&s, "quantri@tinhso.local").await;
    let edit = format!("/quan-tri/thu-tuc/{BIRTH}");
    let mut fields = form::values(&get(admin.clone(), edit.clone()).await, &edit).unwrap();
    let group = |fields: &[(String, String)], key: &str| {
        let name = fields.iter().find(|(n, v)| n.ends_with("].key") && v == key).unwrap().0.clone();
        name.trim_end_matches(".key").to_owned()
    };
    let (child, place, sex) = (group(&fields, "ten_tre"), group(&fields, "noi_sinh"), group(&fields, "gioi_tinh"));
    let value = |fields: &[(String, String)], name: String| fields.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    assert_eq!(value(&fields, format!("{child}.label_en")), "The child's full name");
    assert_eq!(value(&fields, format!("{place}.label_en")), "Place of birth");
    form::set(&mut fields, &format!("{child}.label_en"), "Full name of the child, as on the birth certificate");
    form::set(&mut fields, &format!("{place}.label_en"), "");
    assert_eq!(value(&fields, format!("{sex}.options_en")), "Male; Female");
    form::set(&mut fields, &format!("{sex}.options_en"), "");
    let r = admin.post(format!("{}{edit}", s.url)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let (_, p) = crate::dossier::Caller::login(&s, "0912345678", crate::dossier::PASSWORD)
        .await
        .get(&format!("/api/v1/procedures/{BIRTH}"))
        .await;
    let by_key = |k: &str| p["form_fields"].as_array().unwrap().iter().find(|f| f["key"] == k).unwrap().clone();
    assert_eq!(by_key("ten_tre")["label_en"], "Full name of the child, as on the birth certificate");
    assert!(by_key("noi_sinh").get("label_en").is_none(), "{}", by_key("noi_sinh"));
    assert_eq!(by_key("noi_sinh")["label"], "Nơi sinh", "the Vietnamese label stays");

    let page = get(citizen.clone(), apply).await;
    assert!(page.contains("<label for=\"form.ten_tre\">Full name of the child, as on the birth certificate</label>"));
    assert!(page.contains("<label for=\"form.noi_sinh\"><span lang=\"vi\">Nơi sinh</span></label>"));
    assert!(page.contains("Commune or ward (<span lang=\"vi\">Nơi sinh</span>)"));
    // Without English choices the Vietnamese ones show, marked as such.
    assert!(page.contains("<option value=\"Nữ\" lang=\"vi\">Nữ</option>"), "{page}");
    // The Vietnamese page is as it was.
    let vi = crate::journey::page_login(&s, "0912345678").await;
    let page = get(vi, format!("/thu-tuc/{BIRTH}/nop")).await;
    assert!(page.contains("<label for=\"form.ten_tre\">Họ, chữ đệm và tên của trẻ</label>"));

    // A dossier's declared fields read in English too (one from the demo's year of history).
    let owner = english("0913000001").await;
    let mine = get(owner.clone(), "/ho-so".to_owned()).await;
    let code = mine.split("href=\"/ho-so/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let shown = get(owner, format!("/ho-so/{code}")).await;
    assert!(shown.contains("<dt>Applicant's full name</dt>"), "{code}");
    assert!(shown.contains("<dt>Phone number</dt><dd>0913000001</dd>"), "{code}");
    s.stop().await.unwrap();
}
