//! The one-stop desk: a receptionist registers in-person and postal dossiers for walk-in
//! applicants, who later claim them by registering with the same phone and personal ID.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::TestServer;

const PDF: &[u8] = b"%PDF-1.4\n% scanned at the desk\n%%EOF";

on_both_backends!(desk_on_sqlite, desk_on_postgres, desk_story);

async fn desk_story(s: TestServer) {
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, p) = desk.get(&format!("/api/v1/procedures/{PROVINCIAL}")).await;
    let all: Vec<u16> = (0..p["components"].as_array().unwrap().len() as u16).collect();
    let walk_in = |phone: &str, pid: &str, paper: &[u16]| json!({ "full_name": "Hoàng Thị Mai", "personal_id": pid, "phone": phone, "paper_components": paper });
    let body = |desk: Value| json!({ "procedure": PROVINCIAL, "form": generic_form(2269), "desk": desk });

    // Who may register at the desk, and with what.
    let (st, v) = desk.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("desk_intake_required")));
    let (st, v) = citizen.post("/api/v1/dossiers", body(walk_in("0977000111", "008095001111", &all))).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("desk_only")));
    let (st, v) = desk.post("/api/v1/dossiers", body(walk_in("12", "1", &all))).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((st, fields), (StatusCode::BAD_REQUEST, vec!["desk.personal_id", "desk.phone"]));
    let (st, v) = desk.post("/api/v1/dossiers", body(walk_in("0977000111", "008095001111", &[]))).await;
    assert_eq!((st, v["errors"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("required")), "{v}");
    let (st, v) = desk.post("/api/v1/dossiers", body(walk_in("0912345678", "008095009999", &all))).await;
    assert_eq!((st, v["errors"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("phone_taken")));
    let (_, mine) = desk.get("/api/v1/dossiers?limit=50").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "refusals left nothing behind");

    // A walk-in with one paper component and one scanned: registered and received at once.
    let (_, scan) = desk.upload("Tờ khai (bản quét).pdf", PDF).await;
    let sha = scan["sha256"].as_str().unwrap().to_owned();
    let mut intake = walk_in("0977000111", "008095001111", &all[1..]);
    intake["channel"] = json!("postal");
    let mut req = body(intake);
    req["files"] = json!([{ "component": 0, "sha256": sha }]);
    let (st, d) = desk.post("/api/v1/dossiers", req).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    assert_eq!((d["state_code"].as_u64(), d["channel"].as_str()), (Some(2), Some("postal")));
    assert!(d["due_on"].is_string() && d["applicant"].as_i64() != Some(desk.id));
    // The same person again: the same account, found by phone.
    let (_, again) = desk.post("/api/v1/dossiers", body(walk_in("0977000111", "008095001111", &all))).await;
    assert_eq!(again["applicant"], d["applicant"]);
    // The slip lists what was handed in, and how.
    let r = desk.c.get(format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).send().await.unwrap();
    let slip = r.text().await.unwrap();
    assert!(slip.contains("bản điện tử)") && slip.contains("bản giấy)") && slip.contains(&code), "{slip}");
    assert!(slip.contains("<main class=\"paper\">"), "the slip is the page's main landmark");
    // It carries the one-time code that lets the applicant take over the account.
    let claim = slip.split("id=\"claim-code\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(claim.len(), 9, "XXXX-XXXX: {claim}");
    // Public lookup works with the applicant's phone.
    let lookup = serde_json::json!({ "code": code, "phone": "0977000111" });
    let r = s.client().post(format!("{}/api/v1/lookup", s.url)).json(&lookup).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The account has no password until claimed: nobody logs in with it.
    let r = s
        .client()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": "0977000111", "password": "" }))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
    // Someone with the phone but another personal ID cannot take it.
    let stranger = tinhso_testkit::server::register_citizen(
        &s.url,
        "Kẻ Giả Danh",
        "0977000111",
        "008095002222",
        "hoa ban nở trắng rừng",
    )
    .await;
    assert!(stranger.is_err(), "registration with another personal ID is refused");
    // Nor can someone who knows the phone and the personal ID but not the code on the receipt.
    let (name, phone, pid, pw) = ("Hoàng Thị Mai", "0977000111", "008095001111", "chè Shan tuyết");
    let guessed = tinhso_testkit::server::register_claiming(&s.url, name, phone, pid, pw, "ABCD-2345").await;
    assert!(guessed.is_err(), "a wrong activation code is refused");
    let without = tinhso_testkit::server::register_citizen(&s.url, name, phone, pid, pw).await;
    assert!(without.is_err(), "so is none at all");
    // The applicant registers with the same phone and personal ID and the code (typed loosely)
    // and finds their dossiers, with the scan in their document store.
    let typed = claim.to_lowercase().replace('-', " ");
    tinhso_testkit::server::register_claiming(&s.url, name, phone, pid, pw, &typed).await.unwrap();
    let mai = Caller::login(&s, "0977000111", "chè Shan tuyết").await;
    assert_eq!(mai.id, d["applicant"].as_i64().unwrap());
    let (_, list) = mai.get("/api/v1/dossiers").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, docs) = mai.get("/api/v1/documents").await;
    assert!(docs.to_string().contains(&sha), "{docs}");
    let (_, inbox) = mai.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains(&format!("Hồ sơ {code}: đã tiếp nhận")), "{inbox}");
    s.stop().await.unwrap();
}

/// The desk screen itself: find the procedure, fill in the applicant and the papers, print.
#[tokio::test]
async fn desk_screen() {
    let s = crate::server(tinhso_testkit::Backend::Sqlite).await;
    let c = s.client();
    let html = c.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    let csrf = |html: &str| {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..].split('"').next().unwrap().to_owned()
    };
    let r = c
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", csrf(&html).as_str()), ("login", "tiepnhan@tinhso.local"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("href=\"/mot-cua\""), "the inbox links to the desk screen");
    // Search ignores diacritics; picking a procedure shows its form and components.
    let found = c.get(format!("{}/mot-cua?q=trich+luc+ho+tich", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(found.contains(&format!("/mot-cua?thu-tuc={PROVINCIAL}")), "{found}");
    let form = c.get(format!("{}/mot-cua?thu-tuc={PROVINCIAL}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Đã nhận bản giấy") && form.contains("name=\"desk.personal_id\""));
    // The applicant is asked for once: the e-form's name, personal id and phone are not asked again.
    for twice in ["form.ho_ten", "form.so_dinh_danh", "form.so_dien_thoai"] {
        assert!(!form.contains(&format!("name=\"{twice}\"")), "{twice} asked twice");
    }
    // A reload of the form's target (after an error came back on it) opens the same form.
    let again = c.get(format!("{}/mot-cua/{PROVINCIAL}", s.url)).send().await.unwrap();
    assert_eq!(again.url().query(), Some(format!("thu-tuc={PROVINCIAL}").as_str()));
    assert!(again.text().await.unwrap().contains("name=\"desk.personal_id\""), "the procedure's form, not the search");
    let token = csrf(&form);
    let post = format!("{}/mot-cua/{PROVINCIAL}", s.url);
    let papers: Vec<String> = (0..8).map(|i| format!("paper.{i}")).collect();
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("desk.full_name", "Lý Văn Sình"),
        ("desk.personal_id", "008095003333"),
        ("desk.phone", "0977000222"),
        ("desk.channel", "in_person"),
        ("form.dia_chi", "Thôn Khuổi Phìn"),
        ("form.dia_chi.commune", "2269"),
        ("form.noi_dung", "Xin trích lục khai sinh"),
    ];
    // Without the papers ticked: the page says what is missing and keeps what was typed.
    let r = c.post(&post).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Chưa nhận:") && html.contains("value=\"Lý Văn Sình\""));
    fields.extend(papers.iter().map(|p| (p.as_str(), "1")));
    let r = c.post(&post).form(&fields).send().await.unwrap();
    let status = r.status();
    assert_eq!(status, StatusCode::OK, "{}", if status.is_success() { String::new() } else { r.text().await.unwrap() });
    assert!(r.url().path().ends_with("/phieu/tiep-nhan"), "{}", r.url());
    let slip = r.text().await.unwrap();
    assert!(slip.contains("PHIẾU TIẾP NHẬN") && slip.contains("Lý Văn Sình") && slip.contains("bản giấy"), "{slip}");
    // The declaration holds what the desk typed once.
    let code = r_code(&slip);
    let d: serde_json::Value =
        c.get(format!("{}/api/v1/dossiers/{code}", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (d["form"]["ho_ten"].as_str(), d["form"]["so_dinh_danh"].as_str()),
        (Some("Lý Văn Sình"), Some("008095003333"))
    );
    s.stop().await.unwrap();
}

/// The dossier code printed on a slip.
fn r_code(slip: &str) -> String {
    let at = slip.find("id=\"slip-code\">").unwrap() + 15;
    slip[at..].split('<').next().unwrap().to_owned()
}

/// A commune's desk receives mostly for its own commune: the commune that decides is chosen
/// already (and stays changeable); the province's centre, which serves every commune, chooses.
#[tokio::test]
async fn a_commune_desk_decides_for_its_own_commune_by_default() {
    let s = crate::server(tinhso_testkit::Backend::Sqlite).await;
    let desk = crate::journey::page_login(&s, "motcua.2269@tinhso.local").await;
    let form = desk.get(format!("{}/mot-cua?thu-tuc=1.001193", s.url)).send().await.unwrap().text().await.unwrap();
    let deciding = form.split("id=\"commune\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(deciding.contains("<option value=\"2269\" selected>"), "{deciding:.400}");
    assert_eq!(deciding.matches(" selected").count(), 1);
    let centre = crate::journey::page_login(&s, "tiepnhan@tinhso.local").await;
    let form = centre.get(format!("{}/mot-cua?thu-tuc=1.001193", s.url)).send().await.unwrap().text().await.unwrap();
    let deciding = form.split("id=\"commune\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(!deciding.contains(" selected"), "the centre chooses: {deciding:.400}");
    s.stop().await.unwrap();
}
