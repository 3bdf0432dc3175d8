//! Dossiers an enterprise or a household business submits through its representative: the
//! organisation's name and tax code are checked with everything else, kept in the history the
//! chain vouches for, and shown to the applicant, the desk and on the receipt, with the capacity
//! the person submits in (an authorised one sends the letter of authorisation); and who may
//! apply for each procedure (đối tượng thực hiện), which decides whether the form asks.

use crate::dossier::{generic_form, Caller, PASSWORD};
use crate::journey::{csrf, page_login};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::TestServer;

on_both_backends!(organizations_on_sqlite, organizations_on_postgres, organizations_story);
on_both_backends!(who_may_apply_on_sqlite, who_may_apply_on_postgres, who_may_apply);

/// A provincial procedure people and organisations both do (a land-user's details changed).
const EITHER: &str = "1.013833";
/// One only organisations do (a vehicle inspection centre's certificate).
const ORGANIZATIONS: &str = "1.001322";
/// One only people do (a farmer's continued use of farmland confirmed).
const PEOPLE: &str = "1.013947";

fn fields(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|es| {
            es.iter()
                .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

async fn organizations_story(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let submit = |extra: Value| {
        let mut body = json!({ "procedure": EITHER, "form": generic_form(commune) });
        if let (Some(b), Some(x)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(x.clone());
        }
        body
    };

    // API: an enterprise's dossier needs its name and code, said together with the form's errors.
    let mut bad = submit(json!({ "applicant_type": "business" }));
    bad["form"]["ho_ten"] = json!("");
    let (st, v) = citizen.post("/api/v1/dossiers", bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let f = fields(&v);
    for want in [("organization.name", "required"), ("organization.tax_code", "required")] {
        assert!(f.contains(&(want.0.into(), want.1.into())), "{want:?} in {f:?}");
    }
    assert!(f.iter().any(|(field, _)| field == "form.ho_ten"), "every problem at once: {f:?}");
    let org = |name: &str, code: &str| json!({ "name": name, "tax_code": code });
    let (st, v) = citizen
        .post(
            "/api/v1/dossiers",
            submit(json!({ "applicant_type": "business", "organization": org("Công ty A", "0100233489") })),
        )
        .await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("organization.tax_code".into(), "invalid_tax_code".into())])
    );
    let (st, v) =
        citizen.post("/api/v1/dossiers", submit(json!({ "organization": org("Công ty A", "0100233488") }))).await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("applicant_type".into(), "organization_for_citizen".into())])
    );
    let (_, mine) = citizen.get("/api/v1/dossiers?limit=50").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "refusals wrote nothing");

    // A branch typed without its dash, with spaces: kept in one spelling.
    let (st, d) = citizen
        .post(
            "/api/v1/dossiers",
            submit(json!({
                "applicant_type": "business",
                "organization": org("  Công ty TNHH  Hoa Mai – chi nhánh Hà Giang ", "0314 409 058 002"),
            })),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    assert_eq!(d["applicant_type"], "business");
    assert_eq!(d["organization"], org("Công ty TNHH Hoa Mai – chi nhánh Hà Giang", "0314409058-002"));
    let (_, again) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(again["organization"]["tax_code"], "0314409058-002");
    // The history the chain vouches for holds it, not only the folded row.
    let (_, events) = citizen.get(&format!("/api/v1/dossiers/{code}/events")).await;
    let first = &events["items"][0];
    assert_eq!(first["event"]["organization"]["tax_code"], "0314409058-002", "{first}");
    // A person's own dossier has none.
    let (st, own) = citizen.post("/api/v1/dossiers", submit(json!({}))).await;
    assert_eq!((st, own["applicant_type"].as_str()), (StatusCode::CREATED, Some("citizen")));
    assert!(own.get("organization").is_none_or(Value::is_null), "{own}");

    // Pages: the block is closed until used; a wrong code comes back with the values kept.
    let browser = page_login(&s, "0912345678").await;
    let apply = format!("{}/thu-tuc/{EITHER}/nop", s.url);
    let form = browser.get(&apply).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<details class=\"group organization\">"), "closed for a person's own dossier");
    let token = csrf(&form);
    let commune = commune.to_string();
    let typed = |code: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("form.ho_ten", "Lò Văn Páo".to_owned()),
            ("form.so_dinh_danh", "008090001234".to_owned()),
            ("form.so_dien_thoai", "0912345678".to_owned()),
            ("form.dia_chi", "Thôn Nà Lừa".to_owned()),
            ("form.dia_chi.commune", commune.clone()),
            ("organization.kind", "household_business".to_owned()),
            ("organization.name", "Hộ kinh doanh Lò Văn Páo".to_owned()),
            ("organization.tax_code", code.to_owned()),
        ]
    };
    let r = browser.post(&apply).form(&typed("12345")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("<details class=\"group organization\" open>"), "open where the error is");
    assert!(
        html.contains("href=\"#organization.tax_code\"") && html.contains("Nhập mã số doanh nghiệp"),
        "named in the summary"
    );
    assert!(
        html.contains("value=\"Hộ kinh doanh Lò Văn Páo\"") && html.contains("value=\"household_business\" selected"),
        "nothing retyped"
    );
    assert!(html.contains("aria-describedby=\"organization.tax_code-hint organization.tax_code-error\""));
    // A household business gives its owner's personal ID as its code.
    let r = browser.post(&apply).form(&typed("008090001234")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let household = r.url().path().rsplit('/').next().unwrap().to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã nộp hồ sơ thành công"));
    assert!(html.contains("Nộp cho</dt><dd>Hộ kinh doanh: Hộ kinh doanh Lò Văn Páo (mã số 008090001234)"), "{html}");
    let (_, d) = citizen.get(&format!("/api/v1/dossiers/{household}")).await;
    assert_eq!(
        (d["applicant_type"].as_str(), d["organization"]["tax_code"].as_str()),
        (Some("household_business"), Some("008090001234"))
    );

    // The next application offers the organisation represented last, closed; one link fills it in.
    let form = browser.get(&apply).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<details class=\"group organization\">"), "still closed: their own dossier by default");
    assert!(
        form.contains(
            "<a href=\"?organization=last#organization.name\">Nộp cho Hộ kinh doanh Lò Văn Páo (mã số 008090001234) như lần trước</a>"
        ),
        "{form}"
    );
    let filled = browser.get(format!("{apply}?organization=last")).send().await.unwrap().text().await.unwrap();
    assert!(filled.contains("<details class=\"group organization\" open>"));
    assert!(
        filled.contains("value=\"Hộ kinh doanh Lò Văn Páo\"")
            && filled.contains("value=\"008090001234\"")
            && filled.contains("value=\"household_business\" selected"),
        "{filled}"
    );
    let r = browser.get(format!("{apply}?organization=first")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a value the link never sends");
    // Someone who never applied for one is offered nothing.
    let newcomer = s.client();
    let r = crate::journey::register_new_citizen(&s, &newcomer, &format!("/thu-tuc/{EITHER}/nop")).await;
    assert_eq!(r.url().path(), format!("/thu-tuc/{EITHER}/nop"));
    let theirs = r.text().await.unwrap();
    assert!(theirs.contains("organization.name") && !theirs.contains("?organization=last"), "nothing to offer");

    // A representative tells their companies' dossiers apart in their own list.
    let mine = browser.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        mine.contains("<span class=\"muted\">Hộ kinh doanh: Hộ kinh doanh Lò Văn Páo (mã số 008090001234)</span>"),
        "{mine}"
    );

    // The desk sees whom the applicant represents, on its list and on the receipt it prints.
    let desk = page_login(&s, "tiepnhan@tinhso.local").await;
    let list = desk.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        list.contains("Doanh nghiệp, tổ chức: Công ty TNHH Hoa Mai – chi nhánh Hà Giang (mã số 0314409058-002)"),
        "{list}"
    );
    // The desk finds a company's dossiers by its tax code, typed as people type it; a household
    // business's code is its owner's personal id, which finds the owner's own dossiers too.
    let search = |q: &'static str| {
        let (desk, url) = (desk.clone(), format!("{}/ho-so?tim={q}", s.url));
        async move { desk.get(url).send().await.unwrap().text().await.unwrap() }
    };
    for typed in ["0314409058-002", "0314409058002", "0314+409+058-002"] {
        let found = search(typed).await;
        assert!(found.contains(&code) && !found.contains(&household), "{typed}: {found:.2000}");
    }
    let by_owner = search("008090001234").await;
    assert!(by_owner.contains(&household) && by_owner.contains(&code), "the owner's and the household's");
    let none = search("0100233488").await;
    assert!(
        !none.contains(&code) && !none.contains("Nhập mã hồ sơ (in trên phiếu hẹn)"),
        "another company: nothing, no error"
    );
    let nonsense = search("12345").await;
    assert!(nonsense.contains("hoặc mã số doanh nghiệp"), "what can be searched is said");
    let desk_api = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let (st, v) = desk_api.act(&code, json!({ "action": "receive" })).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let slip = desk.get(format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        slip.contains(
            "Người nộp là người đại diện theo pháp luật của: <strong>Doanh nghiệp, tổ chức: Công ty TNHH Hoa Mai"
        ),
        "{slip}"
    );

    // Someone authorised by the company, not its legal representative, sends the letter of
    // authorisation with the dossier: asked for when missing, refused where it means nothing.
    let authorised = |letter: Option<&str>| {
        let mut o = org("Công ty TNHH Hoa Mai", "0100233488");
        o["capacity"] = json!("authorized");
        if let Some(l) = letter {
            o["authorization"] = json!(l);
        }
        submit(json!({ "applicant_type": "business", "organization": o }))
    };
    let (st, v) = citizen.post("/api/v1/dossiers", authorised(None)).await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("files.authorization".into(), "authorization_required".into())])
    );
    let (st, up) = citizen.upload("giay-uy-quyen.pdf", b"%PDF-1.4\n% giay uy quyen Hoa Mai\n%%EOF\n").await;
    assert_eq!(st, StatusCode::CREATED, "{up}");
    let letter = up["sha256"].as_str().unwrap().to_owned();
    let mut stray = submit(json!({}));
    stray["organization"] = json!({ "name": "", "tax_code": "", "authorization": letter });
    let (st, v) = citizen.post("/api/v1/dossiers", stray).await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("files.authorization".into(), "authorization_without_organization".into())])
    );
    let mut legal = authorised(Some(&letter));
    legal["organization"]["capacity"] = json!("legal_representative");
    let (st, v) = citizen.post("/api/v1/dossiers", legal).await;
    assert_eq!(
        (st, fields(&v)),
        (
            StatusCode::BAD_REQUEST,
            vec![("organization.capacity".into(), "authorization_for_legal_representative".into())]
        )
    );
    let (st, d) = citizen.post("/api/v1/dossiers", authorised(Some(&letter))).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let by_letter = d["code"].as_str().unwrap().to_owned();
    assert_eq!(d["organization"]["capacity"], "authorized");
    assert_eq!(d["component_files"], 0, "the letter is not one of the procedure's components");
    let (_, files) = citizen.get(&format!("/api/v1/dossiers/{by_letter}/files")).await;
    let items = files["items"].as_array().expect("a list of files");
    assert!(items.iter().any(|f| f["purpose"] == "authorization" && f["sha256"] == letter.as_str()), "{files}");
    let (_, events) = citizen.get(&format!("/api/v1/dossiers/{by_letter}/events")).await;
    assert_eq!(events["items"][0]["event"]["organization"]["capacity"], "authorized", "on the chain");
    let page = desk.get(format!("{}/ho-so/{by_letter}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("người nộp là người được ủy quyền") && page.contains("Văn bản ủy quyền"), "{page:.4000}");

    // On the form: "authorised" without a letter is said beside the letter's box, the block
    // open and the choice kept; with the letter uploaded, the dossier goes.
    let apply_org = format!("{}/thu-tuc/{EITHER}/nop", s.url);
    let fresh = browser.get(&apply_org).send().await.unwrap().text().await.unwrap();
    let token = csrf(&fresh);
    let mut fields_typed: Vec<(&str, String)> = typed("0100233488");
    fields_typed.retain(|(k, _)| *k != "csrf" && *k != "organization.kind" && *k != "organization.name");
    fields_typed.push(("organization.kind", "business".into()));
    fields_typed.push(("organization.name", "Công ty TNHH Hoa Mai".into()));
    fields_typed.push(("organization.capacity", "authorized".into()));
    fields_typed.push(("csrf", token.clone()));
    let pairs: Vec<(&str, &str)> = fields_typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = format!("{apply_org}?csrf={token}");
    let (ct, body) = crate::journey::multipart(&pairs, &[]);
    let r = browser.post(&url).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#files.authorization\"") && html.contains("id=\"files.authorization-error\""));
    assert!(html.contains("value=\"authorized\" checked"), "the choice is kept");
    let (ct, body) = crate::journey::multipart(
        &pairs,
        &[("file.authorization", "giay-uy-quyen.pdf", b"%PDF-1.4\n% uy quyen qua trang\n%%EOF\n")],
    );
    let r = browser.post(&url).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Đã nộp hồ sơ thành công") && html.contains("người nộp là người được ủy quyền"),
        "{html:.4000}"
    );
    // Next time, "as last time" fills in the capacity too (the letter is chosen again, as a
    // letter may have lapsed).
    let again = browser.get(format!("{apply_org}?organization=last")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("value=\"Công ty TNHH Hoa Mai\"") && again.contains("value=\"authorized\" checked"));

    // At the desk the officer may see the paper letter: no scan needed; the receipt says it.
    let walk_in = json!({
        "procedure": EITHER,
        "form": generic_form(commune.parse::<u64>().unwrap()),
        "applicant_type": "business",
        "organization": { "name": "Công ty TNHH Hoa Mai", "tax_code": "0100233488", "capacity": "authorized" },
        "desk": {
            "full_name": "Lò Văn Páo",
            "personal_id": "008090001234",
            "phone": "0912345678",
            "paper_components": [1, 2, 3, 4, 5],
        },
    });
    let (st, d) = desk_api.post("/api/v1/dossiers", walk_in).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let at_desk = d["code"].as_str().unwrap();
    let slip =
        desk.get(format!("{}/ho-so/{at_desk}/phieu/tiep-nhan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(slip.contains("Người nộp là người được ủy quyền của: <strong>Doanh nghiệp, tổ chức: Công ty TNHH Hoa Mai"));
}

/// Who may apply: said on the procedure's page and in the API, searchable, and held to at
/// submission; the form asks for an organisation only where one may apply, and insists where
/// only organisations may.
async fn who_may_apply(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let company = json!({ "name": "Công ty TNHH Kiểm định Hoa Mai", "tax_code": "0100233488" });

    // The API says it of each procedure, and filters by it.
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{PEOPLE}")).await;
    assert_eq!(p["applicants"], "people", "farmland's continued use confirmed");
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{ORGANIZATIONS}")).await;
    assert_eq!(p["applicants"], "organizations");
    let codes = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect()
    };
    let (st, for_orgs) = citizen.get("/api/v1/procedures?applicant=organizations&limit=100").await;
    assert_eq!(st, StatusCode::OK);
    let (orgs, total) = (codes(&for_orgs), for_orgs["total"].as_u64().unwrap());
    assert!(orgs.contains(&ORGANIZATIONS.to_owned()) && orgs.contains(&EITHER.to_owned()), "{orgs:?}");
    assert!(!orgs.contains(&PEOPLE.to_owned()));
    assert!(for_orgs["items"].as_array().unwrap().iter().all(|i| i["applicants"] != "people"));
    let (_, for_people) = citizen.get("/api/v1/procedures?applicant=people&limit=1").await;
    let (_, all) = citizen.get("/api/v1/procedures?limit=1").await;
    assert!(
        total < all["total"].as_u64().unwrap()
            && for_people["total"].as_u64().unwrap() < all["total"].as_u64().unwrap()
    );
    let (st, v) = citizen.get("/api/v1/procedures?applicant=everyone").await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_applicant")), "{v}");

    // Submission holds to it: no organisation where only people apply, one where only
    // organisations do; nothing written by either refusal.
    let submit = |procedure: &str, extra: Value| {
        let mut body = json!({ "procedure": procedure, "form": generic_form(commune) });
        if let (Some(b), Some(x)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(x.clone());
        }
        body
    };
    let (st, v) = citizen
        .post(
            "/api/v1/dossiers",
            submit(PEOPLE, json!({ "applicant_type": "business", "organization": company.clone() })),
        )
        .await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("applicant_type".into(), "organization_not_admitted".into())])
    );
    let (st, v) = citizen.post("/api/v1/dossiers", submit(ORGANIZATIONS, json!({}))).await;
    assert_eq!(
        (st, fields(&v)),
        (StatusCode::BAD_REQUEST, vec![("applicant_type".into(), "organization_required".into())])
    );
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("dành cho doanh nghiệp"), "{v}");
    let (_, mine) = citizen.get("/api/v1/dossiers?limit=50").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "refusals wrote nothing");
    let (st, d) = citizen
        .post(
            "/api/v1/dossiers",
            submit(ORGANIZATIONS, json!({ "applicant_type": "business", "organization": company.clone() })),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!(d["organization"], company);

    // The procedure's page says it, in either language.
    let browser = page_login(&s, "0912345678").await;
    let get = |path: String| {
        let (b, url) = (browser.clone(), format!("{}{path}", s.url));
        async move {
            let r = b.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (_, page) = get(format!("/thu-tuc/{ORGANIZATIONS}")).await;
    assert!(page.contains("<dt>Đối tượng thực hiện</dt><dd>Doanh nghiệp, tổ chức, hộ kinh doanh</dd>"), "{page}");
    let (_, page) = get(format!("/thu-tuc/{PEOPLE}")).await;
    assert!(page.contains("<dt>Đối tượng thực hiện</dt><dd>Cá nhân</dd>"));
    // The portal's list, from the home page's links, keeps the filter across its pages.
    let (_, home) = get("/".into()).await;
    assert!(home.contains("href=\"/thu-tuc?doi-tuong=organizations\""));
    let (st, list) = get("/thu-tuc?doi-tuong=organizations".into()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains(&format!("<strong>{total}</strong>")), "the API's count");
    assert!(list.contains("href=\"/thu-tuc?doi-tuong=organizations&#38;trang=2\""), "kept on the next page");
    // A link shared before the list's parameters were Vietnamese reads the same.
    let (st, old) = get("/thu-tuc?applicant=organizations&page=1".into()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(old.contains(&format!("<strong>{total}</strong>")), "{old}");
    assert!(list.contains("<option value=\"organizations\" selected>"), "the filter shown as chosen");
    assert!(!list.contains(&format!("href=\"/thu-tuc/{PEOPLE}\"")));

    // The form: no organisation block where only people apply (no detour)...
    let (_, form) = get(format!("/thu-tuc/{PEOPLE}/nop")).await;
    assert!(!form.contains("organization.name"), "nothing to skip on a person's own procedure");
    // ...an open, required one where only organisations do; left empty, each box says so.
    let (_, form) = get(format!("/thu-tuc/{ORGANIZATIONS}/nop")).await;
    assert!(
        form.contains("<fieldset class=\"group organization\">")
            && !form.contains("<details class=\"group organization")
    );
    // The organisation the applicant represented last is offered again, not typed again.
    assert!(
        form.contains("value=\"Công ty TNHH Kiểm định Hoa Mai\"") && form.contains("value=\"0100233488\""),
        "{form}"
    );
    let token = csrf(&form);
    let commune = commune.to_string();
    let mut typed = vec![
        ("csrf", token),
        ("form.ho_ten", "Lò Văn Páo".to_owned()),
        ("form.so_dinh_danh", "008090001234".to_owned()),
        ("form.so_dien_thoai", "0912345678".to_owned()),
        ("form.dia_chi", "Thôn Nà Lừa".to_owned()),
        ("form.dia_chi.commune", commune),
        ("organization.kind", "business".to_owned()),
        ("organization.name", String::new()),
        ("organization.tax_code", String::new()),
    ];
    let apply = format!("{}/thu-tuc/{ORGANIZATIONS}/nop", s.url);
    let r = browser.post(&apply).form(&typed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    for link in ["href=\"#organization.name\"", "href=\"#organization.tax_code\""] {
        assert!(html.contains(link), "{link} in the summary");
    }
    assert!(html.contains("value=\"Lò Văn Páo\""), "the rest kept");
    typed.truncate(typed.len() - 2);
    typed.push(("organization.name", "Công ty TNHH Kiểm định Hoa Mai".to_owned()));
    typed.push(("organization.tax_code", "0100233488".to_owned()));
    let r = browser.post(&apply).form(&typed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nộp cho</dt><dd>Doanh nghiệp, tổ chức: Công ty TNHH Kiểm định Hoa Mai (mã số 0100233488)"));

    // The province admin states it; the procedure's form follows at once.
    let admin = page_login(&s, "quantri@tinhso.local").await;
    let edit = format!("{}/quan-tri/thu-tuc/{PEOPLE}", s.url);
    let page = admin.get(&edit).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<option value=\"people\" selected>Cá nhân</option>"), "the form shows the current value");
    // The rest as the page holds it, as a browser would send it.
    let (_, before) = citizen.get(&format!("/api/v1/procedures/{PEOPLE}")).await;
    let mut form = tinhso_testkit::form::values(&page, &format!("/quan-tri/thu-tuc/{PEOPLE}")).unwrap();
    tinhso_testkit::form::set(&mut form, "applicants", "people_and_organizations");
    let r = admin.post(&edit).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{PEOPLE}")).await;
    assert_eq!(p["applicants"], "people_and_organizations");
    for unchanged in ["name", "components", "form_fields", "steps", "fee", "processing_time"] {
        assert_eq!(p[unchanged], before[unchanged], "{unchanged} kept");
    }
    let (_, form) = get(format!("/thu-tuc/{PEOPLE}/nop")).await;
    assert!(form.contains("<details class=\"group organization\">"), "offered, closed");
}
