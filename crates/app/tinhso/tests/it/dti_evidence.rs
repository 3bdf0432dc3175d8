//! Evidence as files in the digital-transformation index, on SQLite and PostgreSQL: a unit's
//! admin attaches scanned documents to indicators; refused uploads are said beside their
//! indicator with the form's other mistakes while the good ones are kept for the form sent
//! again; a file alone proves a figure; files are removed by a tick; a draft's files are the
//! unit's own; the appraisers and leaders download them once submitted; a form may not name
//! another person's upload; the audit names a file swapped behind the platform.

use crate::dossier::verify;
use crate::dti::{page, pairs, post, said, server, today, version, whole, BACK, UNIT};
use crate::journey::{multipart, page_login};
use chrono::Datelike;
use reqwest::StatusCode;
use sha2::Digest;
use tinhso_testkit::server::csrf_of;
use tinhso_testkit::Backend;

fn hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends the assessment form as a browser does, with files.
async fn send(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    fields: &[(String, String)],
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (ct, body) = multipart(&fields, files);
    let r = c.post(format!("{url}?csrf={token}")).header("content-type", ct).body(body).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn fetch(c: &reqwest::Client, url: &str) -> (StatusCode, Option<String>, Option<String>, Vec<u8>) {
    let r = c.get(url).send().await.unwrap();
    let header = |h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (r.status(), ct, cd, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn evidence_files_on_sqlite() {
    evidence_files(Backend::Sqlite).await;
}

#[tokio::test]
async fn evidence_files_on_postgres() {
    evidence_files(Backend::Postgres).await;
}

async fn evidence_files(backend: Backend) {
    let s = server(backend).await;
    let year = today().year();
    let url = |p: &str| format!("{}{p}", s.url);
    let mine = url(&format!("{BACK}/{year}/{UNIT}"));
    let province = page_login(&s, "quantri@tinhso.local").await;
    let unit = page_login(&s, "quantri.coquan@tinhso.local").await;
    let leader = page_login(&s, "lanhdao@tinhso.local").await;
    let citizen = page_login(&s, "0912345678").await;
    let (_, html) = page(&province, url(BACK)).await;
    let deadline = (today() + chrono::Duration::days(20)).format("%d/%m/%Y").to_string();
    let open = pairs(&[("csrf", &csrf_of(&html).unwrap()), ("nam", &year.to_string()), ("han-nop", &deadline)]);
    assert_eq!(post(&province, url(BACK), &open).await.0, StatusCode::OK);

    // The unit's form takes files, sent with the token in its address (checked before the body
    // is read); measured indicators take none.
    let (_, html) = page(&unit, mine.clone()).await;
    let token = csrf_of(&html).unwrap();
    assert!(
        html.contains(&format!("action=\"{BACK}/{year}/{UNIT}?csrf={token}\" enctype=\"multipart/form-data\"")),
        "{html}"
    );
    assert!(html.contains("id=\"tep-1.1\"") && !html.contains("id=\"tep-6.1\""));

    // A plan as PDF is kept while a text file and a scan over 10 MB are refused, each said
    // beside its indicator at once with the points' own mistake; nothing is written.
    let plan = crate::blobs::pdf("Kế hoạch 12/KH-STP");
    let plan_sha = hex(&plan);
    let mut big = crate::blobs::pdf("scan");
    big.resize(11 * 1024 * 1024, b'7');
    let fields = |seen: &str, extra: &[(&str, &str)]| {
        let mut f = pairs(&[
            ("csrf", &token),
            ("phien-ban", seen),
            ("lenh", "luu"),
            ("diem-1.1", "30"),
            ("diem-1.2", "10"),
            ("minh-chung-1.2", "Quyết định 5/QĐ-STP"),
            ("diem-1.3", "5"),
            ("minh-chung-1.3", "Báo cáo 7/BC-STP"),
        ]);
        f.extend(pairs(extra));
        f
    };
    let (status, html) = send(
        &unit,
        &mine,
        &token,
        &fields("", &[("diem-2.1", "99")]),
        &[("tep-1.1", "Kế hoạch 12.pdf", &plan), ("tep-1.2", "ghi chu.txt", b"hello"), ("tep-1.3", "scan.pdf", &big)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html:.3000}");
    let errors = said(&html);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("Chỉ số 2.1: tối đa")), "{errors:?}");
    assert!(errors.iter().any(|e| e == "Chỉ số 1.2, tệp ghi chu.txt: Chỉ nhận tệp PDF, JPEG hoặc PNG"), "{errors:?}");
    assert!(errors.iter().any(|e| e == "Chỉ số 1.3, tệp scan.pdf: Tệp lớn hơn 10 MB"), "{errors:?}");
    assert!(
        html.contains("href=\"#tep-1.2\"") && html.contains("href=\"#tep-1.3\""),
        "the summary links to the inputs"
    );
    assert!(html.contains(&format!("name=\"tep-giu-1.1\" value=\"{plan_sha}\"")), "the good upload is kept");
    assert!(html.contains("Kế hoạch 12.pdf"));
    assert_eq!(version(&page(&unit, mine.clone()).await.1), "", "nothing written");

    // Sent again as the browser would (the form names the plan it kept): saved, with its link.
    let (status, html) = send(&unit, &mine, &token, &fields("", &[("tep-giu-1.1", &plan_sha)]), &[]).await;
    assert_eq!(status, StatusCode::OK, "{:?}", said(&html));
    assert!(html.contains("Đã lưu bản nháp"));
    let link = format!("{BACK}/{year}/{UNIT}/tep/{plan_sha}");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let (status, ct, cd, bytes) = fetch(&unit, &url(&link)).await;
    assert_eq!((status, ct.as_deref()), (StatusCode::OK, Some("application/pdf")));
    assert_eq!(bytes, plan, "the file as uploaded");
    assert!(cd.unwrap_or_default().contains("filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%2012.pdf"));

    // A draft's files are the unit's own: the appraisers and leaders do not find them yet, and
    // citizens never.
    for (who, c, want) in [
        ("province", &province, StatusCode::NOT_FOUND),
        ("leader", &leader, StatusCode::NOT_FOUND),
        ("citizen", &citizen, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(fetch(c, &url(&link)).await.0, want, "{who}");
    }

    // The form names only files of the assessment or of the sender's own store: a citizen's
    // upload, its hash known, is refused; so is a file on a measured indicator. Nothing written.
    let (_, docs) = page(&citizen, url("/kho-du-lieu")).await;
    let theirs = crate::blobs::pdf("giấy khai sinh của công dân");
    let (ct, body) = multipart(&[("csrf", &csrf_of(&docs).unwrap())], &[("file.new", "khai-sinh.pdf", &theirs)]);
    let r = citizen
        .post(url(&format!("/kho-du-lieu?csrf={}", csrf_of(&docs).unwrap())))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, html) =
        send(&unit, &mine, &token, &fields("1", &[("tep-giu-1.1", &plan_sha), ("tep-giu-1.2", &hex(&theirs))]), &[])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("không có trong bản tự đánh giá hoặc kho dữ liệu"), "{html:.2000}");
    let (status, _) =
        send(&unit, &mine, &token, &fields("1", &[("tep-giu-1.1", &plan_sha)]), &[("tep-6.1", "a.pdf", &plan)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(version(&page(&unit, mine.clone()).await.1), "1", "nothing written by the refused forms");

    // A tick removes the plan; a photo takes its place.
    let photo = crate::dossier::PNG.to_vec();
    let photo_sha = hex(&photo);
    let (status, html) = send(
        &unit,
        &mine,
        &token,
        &fields("1", &[("tep-giu-1.1", &plan_sha), ("tep-bo-1.1", &plan_sha)]),
        &[("tep-1.1", "Biên bản.png", &photo)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{:?}", said(&html));
    assert!(!html.contains(&link) && html.contains(&format!("{BACK}/{year}/{UNIT}/tep/{photo_sha}")));
    assert_eq!(fetch(&unit, &url(&link)).await.0, StatusCode::NOT_FOUND, "no longer part of it");

    // Submitted whole, with the photo alone as 1.1's evidence (no words needed).
    let mut whole = whole(&token, "2", "nop");
    whole.retain(|(k, _)| k != "minh-chung-1.1");
    whole.push(("tep-giu-1.1".into(), photo_sha.clone()));
    let (status, html) = send(&unit, &mine, &token, &whole, &[]).await;
    assert_eq!(status, StatusCode::OK, "{:?}", said(&html));
    assert!(html.contains("Đã nộp bản tự đánh giá"));

    // The appraisers and leaders now find it and download it; citizens still do not.
    let photo_link = url(&format!("{BACK}/{year}/{UNIT}/tep/{photo_sha}"));
    let (_, html) = page(&province, mine.clone()).await;
    assert!(html.contains(&format!("{BACK}/{year}/{UNIT}/tep/{photo_sha}\">Biên bản.png</a>")), "{html}");
    for (who, c, want) in [
        ("province", &province, StatusCode::OK),
        ("leader", &leader, StatusCode::OK),
        ("citizen", &citizen, StatusCode::FORBIDDEN),
    ] {
        let (status, ct, _, bytes) = fetch(c, &photo_link).await;
        assert_eq!(status, want, "{who}");
        if want == StatusCode::OK {
            assert_eq!((ct.as_deref(), bytes.as_slice()), (Some("image/png"), photo.as_slice()), "{who}");
        }
    }
    let (status, ..) = fetch(&province, &url(&format!("{BACK}/{year}/{UNIT}/tep/{}", hex(&theirs)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a file not of the assessment");

    // The audit holds the files to the ledger: one swapped behind the platform is named.
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql(&format!("UPDATE dti_assessment SET scores = replace(scores, '{photo_sha}', '{plan_sha}')"))
        .await
        .unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("bản đánh giá chuyển đổi số") && out.contains(UNIT), "{out}");
    s.stop().await.unwrap();
}
