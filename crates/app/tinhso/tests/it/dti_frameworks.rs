//! The province's own DTI framework: a framework file checked at start-up and used by the
//! next round, and one framework for each group (departments, communes), each unit scored on
//! its own group's, on the back office, the public ranking, the JSON and the spreadsheet.

use crate::dossier::verify;
use crate::dti::{page, pairs, post, today, BACK, UNIT};
use crate::journey::page_login;
use chrono::Datelike;
use reqwest::StatusCode;
use tinhso_testkit::server::{csrf_of, fresh_data_dir};
use tinhso_testkit::{Backend, TestServer};

#[tokio::test]
async fn a_province_framework_file_is_checked_then_used() {
    let mut f: serde_json::Value = serde_json::from_str(tinhso_dti::framework::DEFAULT).unwrap();
    f["pillars"][0]["name_vi"] = "Nhận thức số và chỉ đạo điều hành".into();
    f["pillars"][0]["indicators"][0]["max"] = 50.into();
    // One point more in pillar 1 than it is worth: refused.
    let broken = fresh_data_dir().unwrap();
    std::fs::write(broken.join("dti-framework.json"), f.to_string()).unwrap();
    let mut cmd = tokio::process::Command::new(crate::bin());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(&broken).env("RUST_LOG", "warn");
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("dti-framework.json") && err.contains("trụ cột 1: tổng điểm các chỉ số là 110"), "{err}");
    // Points moved within the pillar: used by the next round.
    f["pillars"][0]["indicators"][1]["max"] = 20.into();
    let data = fresh_data_dir().unwrap();
    std::fs::write(data.join("dti-framework.json"), f.to_string()).unwrap();
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &[]).await.unwrap();
    let province = page_login(&s, "quantri@tinhso.local").await;
    let (_, html) = page(&province, format!("{}{BACK}", s.url)).await;
    assert!(html.contains("Bộ chỉ số: Bộ chỉ số đánh giá mức độ chuyển đổi số của sở, ban, ngành và UBND cấp xã (8 trụ cột, 23 chỉ số, 1.000 điểm)"), "{html}");
    let deadline = (today() + chrono::Duration::days(5)).format("%d/%m/%Y").to_string();
    let year = today().year().to_string();
    let form = pairs(&[("csrf", &csrf_of(&html).unwrap()), ("nam", &year), ("han-nop", &deadline)]);
    assert_eq!(post(&province, format!("{}{BACK}", s.url), &form).await.0, StatusCode::OK);
    let unit = page_login(&s, "quantri.coquan@tinhso.local").await;
    let (_, html) = page(&unit, format!("{}{BACK}/{year}/{UNIT}", s.url)).await;
    assert!(
        html.contains("1. Nhận thức số và chỉ đạo điều hành")
            && html.contains("1.1. Kế hoạch chuyển đổi số năm của đơn vị được ban hành (tối đa 50)"),
        "{html}"
    );
    s.stop().await.unwrap();
}

/// A commune's admin made by the province (a one-time password, then their own); its client.
async fn commune_admin(s: &TestServer, province: &reqwest::Client, agency: &str) -> reqwest::Client {
    let url = |p: &str| format!("{}{p}", s.url);
    let (_, html) = page(province, url("/quan-tri/tai-khoan")).await;
    let form = pairs(&[
        ("csrf", &csrf_of(&html).unwrap()),
        ("full_name", "Hoàng Thị Lan"),
        ("login", "quantri.xa@tinhso.local"),
        ("role", "agency_admin"),
        ("agency", agency),
    ]);
    let (status, html) = post(province, url("/quan-tri/tai-khoan"), &form).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let at = html.find("id=\"new-password\">").unwrap() + 18;
    let password = html[at..].split('<').next().unwrap().to_owned();
    let c = s.client();
    let (_, login) = page(&c, url("/dang-nhap")).await;
    let form =
        pairs(&[("csrf", &csrf_of(&login).unwrap()), ("login", "quantri.xa@tinhso.local"), ("password", &password)]);
    let (_, me) = post(&c, url("/dang-nhap"), &form).await;
    let form =
        pairs(&[("csrf", &csrf_of(&me).unwrap()), ("current", &password), ("new", "ruộng bậc thang Hoàng Su Phì")]);
    assert!(post(&c, url("/tai-khoan/mat-khau"), &form).await.1.contains("Đã đổi mật khẩu"));
    c
}

/// Departments and communes scored on frameworks of their own (`{"department": …, "commune":
/// …}` in the province's file): a mistake in one stops the server naming its group; each
/// unit's form, the public ranking's tables, its spreadsheet and `/api/v1/dti/results` follow
/// the unit's group's framework.
#[tokio::test]
async fn each_group_is_scored_on_its_own_framework() {
    let department: serde_json::Value = serde_json::from_str(tinhso_dti::framework::DEFAULT).unwrap();
    let mut commune = department.clone();
    commune["name_vi"] = "Bộ chỉ số chuyển đổi số cấp xã".into();
    commune["name_en"] = "The communes' digital-transformation index".into();
    // The communes' first two pillars are one ("Nhận thức số và thể chế số", 200 points): seven pillars.
    let second = commune["pillars"].as_array_mut().unwrap().remove(1);
    let first = &mut commune["pillars"][0];
    first["name_vi"] = "Nhận thức số và thể chế số của xã".into();
    first["max"] = 200.into();
    first["indicators"].as_array_mut().unwrap().extend(second["indicators"].as_array().unwrap().iter().cloned());
    let file = |c: &serde_json::Value| serde_json::json!({ "department": department, "commune": c }).to_string();

    let mut broken = commune.clone();
    broken["pillars"][0]["max"] = 190.into();
    let data = fresh_data_dir().unwrap();
    std::fs::write(data.join("dti-framework.json"), file(&broken)).unwrap();
    let mut cmd = tokio::process::Command::new(crate::bin());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(&data).env("RUST_LOG", "warn");
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        err.contains("khung của khối Xã, phường, đặc khu: trụ cột 1: tổng điểm các chỉ số là 200, không bằng 190"),
        "{err}"
    );

    let data = fresh_data_dir().unwrap();
    std::fs::write(data.join("dti-framework.json"), file(&commune)).unwrap();
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &[]).await.unwrap();
    let url = |p: &str| format!("{}{p}", s.url);
    let province = page_login(&s, "quantri@tinhso.local").await;
    let (_, html) = page(&province, url(BACK)).await;
    assert!(
        html.contains(
            "Sở, ban, ngành: Bộ chỉ số đánh giá mức độ chuyển đổi số của sở, ban, ngành và UBND cấp xã (8 trụ cột, 23 chỉ số, 1.000 điểm); \
             Xã, phường, đặc khu: Bộ chỉ số chuyển đổi số cấp xã (7 trụ cột, 23 chỉ số, 1.000 điểm)"
        ),
        "{html}"
    );
    let year = today().year();
    let deadline = (today() + chrono::Duration::days(5)).format("%d/%m/%Y").to_string();
    let token = csrf_of(&html).unwrap();
    let form = pairs(&[("csrf", &token), ("nam", &year.to_string()), ("han-nop", &deadline)]);
    let (_, html) = post(&province, url(BACK), &form).await;
    // A commune of the list, and its admin.
    let row = html
        .split("<tr><td><a href=\"")
        .skip(1)
        .find(|r| r.contains("<td data-label=\"Khối\">Xã, phường, đặc khu</td>"))
        .expect("a commune in the list");
    let commune_unit = row.split('"').next().unwrap().rsplit('/').next().unwrap().to_owned();
    let theirs = commune_admin(&s, &province, &commune_unit).await;

    // Each unit's form is its group's framework.
    let department_unit = page_login(&s, "quantri.coquan@tinhso.local").await;
    let (_, form) = page(&department_unit, url(&format!("{BACK}/{year}/{UNIT}"))).await;
    assert!(form.contains("1. Nhận thức số") && form.contains("2. Thể chế số"), "{form}");
    assert!(!form.contains("của xã"), "{form}");
    let (status, form) = page(&theirs, url(&format!("{BACK}/{year}/{commune_unit}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("1. Nhận thức số và thể chế số của xã") && form.contains("2.1. "), "{form}");
    assert!(!form.contains("2. Thể chế số") && form.contains("3. Hạ tầng số"), "{form}");

    // Published: each group's table, spreadsheet columns and JSON follow its own framework.
    let (status, _) = post(&province, url(&format!("{BACK}/{year}/cong-bo")), &pairs(&[("csrf", &token)])).await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = page(&s.client(), url("/chi-so-chuyen-doi-so")).await;
    assert!(public.contains("Chấm theo: Bộ chỉ số chuyển đổi số cấp xã."), "{public}");
    assert!(public.contains("<li>1. Nhận thức số và thể chế số của xã (200 điểm)</li>"), "{public}");
    assert!(public.contains("<li>2. Thể chế số (100 điểm)</li>"), "the departments' own pillars: {public}");
    let results: serde_json::Value =
        s.client().get(url("/api/v1/dti/results")).send().await.unwrap().json().await.unwrap();
    assert!(results.get("pillars").is_none(), "no one list of pillars: {results}");
    let groups = results["groups"].as_array().unwrap();
    assert_eq!(groups[0]["pillars"].as_array().unwrap().len(), 8, "{results}");
    assert_eq!(groups[1]["pillars"].as_array().unwrap().len(), 7, "{results}");
    assert_eq!(groups[1]["framework"], "Bộ chỉ số chuyển đổi số cấp xã");
    assert!(results["framework"].as_str().unwrap().ends_with(" và Bộ chỉ số chuyển đổi số cấp xã"), "{results}");
    let csv = page(&s.client(), url("/chi-so-chuyen-doi-so?dinh-dang=csv")).await.1;
    let head = csv.lines().next().unwrap();
    assert!(
        head.ends_with("Trụ cột 1,Trụ cột 2,Trụ cột 3,Trụ cột 4,Trụ cột 5,Trụ cột 6,Trụ cột 7,Trụ cột 8"),
        "{head}"
    );
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.stop().await.unwrap();
}
