//! Signed electronic results on SQLite and PostgreSQL: an approval signs the result with the
//! deciding agency's key, the citizen finds it in their document store and reuses it; pyHanko
//! and poppler's pdfsig validate it against the (demo) CA; pdftotext reads the Vietnamese back;
//! the public verifier answers by code and by file, and catches one changed byte; with a
//! timestamp authority the tests start, the signature is PAdES B-T and the stamp validates.

use crate::bin;
use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf_signatures.py").display().to_string()
}

pub fn run(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{cmd} {args:?} failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// pyHanko's verdicts on `files`, trusting the demo CA (and a TSA root).
pub fn pyhanko(ca: &Path, tsa_root: Option<&Path>, files: &[&Path]) -> Vec<Value> {
    let mut args = vec!["validate".to_owned(), ca.display().to_string()];
    if let Some(t) = tsa_root {
        args.extend(["--tsa-root".to_owned(), t.display().to_string()]);
    }
    args.extend(files.iter().map(|f| f.display().to_string()));
    let mut all = vec![fixture()];
    all.extend(args);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = run("python3", &refs);
    serde_json::from_str::<Vec<Value>>(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A dossier of the Department of Justice taken to an approval with an electronic result;
/// its code and the signed result's bytes (downloaded by the citizen).
pub async fn approved_with_result(s: &TestServer) -> (String, Vec<u8>, Caller) {
    let citizen = Caller::login(s, "0912345678", PASSWORD).await;
    let approver = Caller::login(s, "pheduyet@tinhso.local", PASSWORD).await;
    let (code, specialist) = crate::payments::in_processing(s, &citizen).await;
    specialist.act(&code, json!({ "action": "complete_step", "note": "Đủ điều kiện" })).await;
    let (st, d) = approver.act(&code, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!((st, d["electronic_result"].as_bool()), (StatusCode::OK, Some(true)), "{d}");
    let (_, list) = citizen.get(&format!("/api/v1/dossiers/{code}/files")).await;
    let result =
        list["items"].as_array().unwrap().iter().find(|f| f["purpose"] == "result").expect("a result file").clone();
    let r = citizen.c.get(format!("{}/api/v1/dossiers/{code}/files/{}", s.url, result["sha256"].as_str().unwrap()));
    let r = r.send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    (code, pdf, citizen)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

on_both_backends!(signed_result_on_sqlite, signed_result_on_postgres, signed_result_story);

async fn signed_result_story(s: TestServer) {
    let (code, pdf, citizen) = approved_with_result(&s).await;
    let dir = fresh_data_dir().unwrap();
    let file = write(&dir, "ket-qua.pdf", &pdf);

    // The text is real text in the embedded font: pdftotext gives the Vietnamese back.
    let text = run("pdftotext", &[file.to_str().unwrap(), "-"]);
    for want in ["KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Độc lập - Tự do - Hạnh phúc", "SỞ TƯ PHÁP", &code, "Ký bởi:"]
    {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    let kq = text
        .split_whitespace()
        .find(|w| w.starts_with("KQ-") && w.len() == 17)
        .expect("a verification code")
        .to_owned();
    let fonts = run("pdffonts", &[file.to_str().unwrap()]);
    assert!(fonts.contains("DejaVuSans") && fonts.lines().skip(2).all(|l| l.contains(" yes ")), "{fonts}");

    // pyHanko: intact, valid, trusted under the demo CA, the whole file covered, PAdES.
    let ca = s.data.join("signing-demo/ca.pem");
    let mut tampered = pdf.clone();
    let at = tampered.windows(6).position(|w| w == b"stream").unwrap() + 40;
    tampered[at] ^= 0x01;
    let bad = write(&dir, "sua.pdf", &tampered);
    let v = pyhanko(&ca, None, &[&file, &bad]);
    assert_eq!(v[0]["intact"], true, "{v:?}");
    assert_eq!(v[0]["valid"], true, "{v:?}");
    assert_eq!(v[0]["trusted"], true, "{v:?}");
    assert_eq!(v[0]["coverage"], "ENTIRE_FILE", "{v:?}");
    assert_eq!(v[0]["sub_filter"], "/ETSI.CAdES.detached");
    assert_eq!(v[0]["md_algorithm"], "sha256");
    assert!(v[0]["signer"].as_str().unwrap().contains("000.00.03.H08"), "the deciding agency's key: {v:?}");
    assert_eq!(v[1]["intact"], false, "one changed byte is caught: {v:?}");
    // poppler's pdfsig agrees.
    let sig = run("pdfsig", &[file.to_str().unwrap()]);
    assert!(sig.contains("Signature is Valid.") && sig.contains("Total document signed"), "{sig}");
    let out = std::process::Command::new("pdfsig").arg(&bad).output().unwrap();
    let bad_sig = String::from_utf8_lossy(&out.stdout);
    assert!(!bad_sig.contains("Signature is Valid."), "{bad_sig}");

    // The public verifier, anonymous: by code, by file, and the changed file.
    let anon = s.client();
    let r = anon.get(format!("{}/api/v1/results/{kq}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let issued: Value = r.json().await.unwrap();
    assert_eq!((issued["status"].as_str(), issued["kind"].as_str()), (Some("issued"), Some("result")));
    assert_eq!(issued["agency_name"], "Sở Tư pháp");
    assert!(issued.get("dossier").is_none(), "no personal data, not even the dossier: {issued}");
    let check = |bytes: Vec<u8>| {
        let anon = anon.clone();
        let url = format!("{}/api/v1/results/verify", s.url);
        async move {
            let r = anon.post(url).header("content-type", "application/pdf").body(bytes).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, v) = check(pdf.clone()).await;
    assert_eq!((st, v["verdict"].as_str()), (StatusCode::OK, Some("valid")), "{v}");
    assert_eq!(v["issued_here"]["code"], kq.as_str());
    let (_, v) = check(tampered).await;
    assert_eq!(v["verdict"], "modified", "{v}");
    let (st, v) = check(b"not a pdf".to_vec()).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("not_a_pdf")));
    let r = anon.get(format!("{}/api/v1/results/KQ-AAAA-BBBB-CCCC", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = anon.get(format!("{}/xac-thuc?ma={}", s.url, kq.to_lowercase())).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sở Tư pháp") && html.contains("đang có hiệu lực"), "{html}");
    let (ct, body) = crate::journey::multipart(&[], &[("tep", "kq.pdf", &pdf)]);
    let page = anon.post(format!("{}/xac-thuc", s.url)).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Hợp lệ: đúng văn bản"));
    // A bank abroad reads it in English.
    let english = s.client();
    english.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let page = english.get(format!("{}/xac-thuc?ma={kq}", s.url)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Issued on the platform and in force") && html.contains("Result of an administrative"));
    let (ct, body) = crate::journey::multipart(&[], &[("tep", "kq.pdf", &pdf)]);
    let page = english.post(format!("{}/xac-thuc", s.url)).header("content-type", ct).body(body).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Valid: a document a state agency issued") && html.contains("Unchanged since signing"));

    // In the citizen's document store, and reusable in the next dossier.
    let (_, docs) = citizen.get("/api/v1/documents").await;
    let sha = v_sha(&docs, &format!("Kết quả {code}.pdf"));
    let (st, d) = citizen
        .post(
            "/api/v1/dossiers",
            json!({ "procedure": PROVINCIAL, "form": generic_form(2269), "files": [{ "component": 0, "sha256": sha }] }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!(d["reused_files"], 1, "{d}");

    // The slips are PDFs too (Mẫu 01 here), with the text extractable.
    let r = citizen.c.get(format!("{}/ho-so/{code}/phieu/tiep-nhan/pdf", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let slip = write(&dir, "mau-01.pdf", &r.bytes().await.unwrap());
    let text = run("pdftotext", &[slip.to_str().unwrap(), "-"]);
    assert!(text.contains("PHIẾU TIẾP NHẬN VÀ HẸN TRẢ KẾT QUẢ (MẪU 01)") && text.contains(&code), "{text}");
    assert!(text.contains("Ngày hẹn trả kết quả"), "{text}");

    // Revoked: the verifier says so by code and by file, and the reason is on the ledger.
    let args = [
        vec!["results".into(), "revoke".into(), kq.clone(), "--reason".into(), "Ghi sai ngày sinh".into()],
        s.data_args(),
    ]
    .concat();
    let (c, out, err) = run_cli(bin(), &args).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    let r: Value = anon.get(format!("{}/api/v1/results/{kq}", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], "revoked", "{r}");
    let (_, v) = check(pdf.clone()).await;
    assert_eq!(v["verdict"], "revoked", "{v}");
    let (c, _, _) = run_cli(bin(), &args).await.unwrap();
    assert_ne!(c, 0, "a revoked document is not revoked twice");

    // The issue is on the ledger, and the audit labels it.
    let verify = || async {
        let (c, out, err) =
            run_cli(bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
        (c, format!("{out}{err}"))
    };
    let (code_, out) = verify().await;
    assert_eq!(code_, 0, "{out}");
    // Put back in force in the database, or a forged file's digest written in place of the
    // signed one's (the verifier would then call the forgery valid): the audit names it.
    for (edit, undo, column) in [
        ("status = 'issued'", "status = 'revoked'", "status"),
        ("sha256 = upper(sha256)", "sha256 = lower(sha256)", "sha256"),
    ] {
        s.exec_sql(&format!("UPDATE issued_document SET {edit} WHERE code = '{kq}'")).await.unwrap();
        let (c, out) = verify().await;
        assert_eq!(c, 1, "{out}");
        assert!(
            out.contains("văn bản đã cấp") && out.contains(&kq) && out.contains(&format!("ở cột {column}")),
            "{out}"
        );
        s.exec_sql(&format!("UPDATE issued_document SET {undo} WHERE code = '{kq}'")).await.unwrap();
        assert_eq!(verify().await.0, 0, "restored after {column}");
    }
}

fn v_sha(docs: &Value, name: &str) -> String {
    let items = docs["items"].as_array().unwrap_or_else(|| docs.as_array().unwrap());
    let d = items.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{name} not in {docs}"));
    d["sha256"].as_str().unwrap().to_owned()
}

/// A timestamp authority served by pyHanko's RFC 3161 responder, on a free port.
struct Tsa {
    child: std::process::Child,
    url: String,
    root: PathBuf,
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_tsa() -> Tsa {
    let dir = fresh_data_dir().unwrap();
    let child = std::process::Command::new("python3").arg(fixture()).arg("tsa").arg(&dir).spawn().unwrap();
    let mut tsa = Tsa { child, url: String::new(), root: dir.join("tsa-root.pem") };
    for _ in 0..200 {
        if let Ok(port) = std::fs::read_to_string(dir.join("port")) {
            tsa.url = format!("http://127.0.0.1:{}/", port.trim());
            return tsa;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the timestamp authority did not start");
}

on_both_backends!(
    a_lost_approval_keeps_no_result_on_sqlite,
    a_lost_approval_keeps_no_result_on_postgres,
    lost_approval
);

/// Two approvals of one dossier at once (a double click, two tabs): each signs a result before
/// writing the approval that names it. The one written stands; the other's result is withdrawn,
/// revoked on record with its reason, and never reaches the applicant's document store.
async fn lost_approval(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let approve = json!({ "action": "approve", "electronic_result": true });
    let mut overlapped = 0;
    for _ in 0..4 {
        let (code, specialist) = crate::payments::in_processing(&s, &citizen).await;
        specialist.act(&code, json!({ "action": "complete_step", "note": "Đủ điều kiện" })).await;
        let (a, b) = tokio::join!(approver.act(&code, approve.clone()), approver.act(&code, approve.clone()));
        let statuses = [a.0, b.0];
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "one approval stands, the other is refused: {a:?} {b:?}"
        );
        let count = |status: &str| {
            format!(
                "SELECT count(*) FROM issued_document WHERE dossier = '{code}' AND kind = 'result' AND status = '{status}'"
            )
        };
        assert_eq!(s.query_i64(&count("issued")).await.unwrap(), 1, "one result in force for {code}");
        let revoked = s.query_i64(&count("revoked")).await.unwrap();
        assert!(revoked <= 1, "{revoked} results revoked for {code}");
        overlapped += revoked;
        let notes = s
            .query_i64(&format!(
                "SELECT count(*) FROM issued_document WHERE dossier = '{code}' AND status_note LIKE 'Phê duyệt không được ghi nhận%'"
            ))
            .await
            .unwrap();
        assert_eq!(notes, revoked, "a withdrawn result says why");
        // The applicant holds exactly the result of the approval that was written.
        let (_, docs) = citizen.get("/api/v1/documents").await;
        let name = format!("Kết quả {code}.pdf");
        let held: Vec<&Value> =
            docs["items"].as_array().unwrap().iter().filter(|d| d["name"] == name.as_str()).collect();
        let (_, files) = citizen.get(&format!("/api/v1/dossiers/{code}/files")).await;
        let given = files["items"].as_array().unwrap().iter().find(|f| f["purpose"] == "result").expect("the result");
        assert_eq!(held.len(), 1, "{docs}");
        assert_eq!(held[0]["sha256"], given["sha256"], "the store holds the result the dossier names");
    }
    // Signing takes tens of milliseconds, so the two reads of the dossier overlap nearly
    // always; if they never did, the withdrawal was not exercised and this proves nothing.
    assert!(overlapped > 0, "no two approvals overlapped in four tries");
    let (code, out) = crate::dossier::verify(&s).await;
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn a_timestamped_result_is_pades_b_t() {
    let tsa = start_tsa();
    let s = TestServer::start_on(Backend::Sqlite, bin(), fresh_data_dir().unwrap(), None, &["--tsa-url", &tsa.url])
        .await
        .unwrap();
    let (_, pdf, _) = approved_with_result(&s).await;
    let dir = fresh_data_dir().unwrap();
    let file = write(&dir, "kq-bt.pdf", &pdf);
    let v = pyhanko(&s.data.join("signing-demo/ca.pem"), Some(&tsa.root), &[&file]);
    assert_eq!((v[0]["intact"].as_bool(), v[0]["trusted"].as_bool()), (Some(true), Some(true)), "{v:?}");
    let ts = &v[0]["timestamp"];
    assert_eq!(
        (ts["intact"].as_bool(), ts["valid"].as_bool(), ts["trusted"].as_bool()),
        (Some(true), Some(true), Some(true)),
        "{v:?}"
    );
    let r = s.client().post(format!("{}/api/v1/results/verify", s.url)).body(pdf).send().await.unwrap();
    let check: Value = r.json().await.unwrap();
    assert_eq!((check["verdict"].as_str(), check["timestamp_valid"].as_bool()), (Some("valid"), Some(true)), "{check}");
    assert!(check["timestamp"].as_str().is_some_and(|t| t.ends_with("UTC")));

    // The authority down: the approval is refused with a clear reason and nothing is written.
    drop(tsa);
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let specialist = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let (_, d) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let code = d["code"].as_str().unwrap().to_owned();
    desk.act(&code, json!({ "action": "receive" })).await;
    specialist.act(&code, json!({ "action": "start_processing" })).await;
    specialist.act(&code, json!({ "action": "complete_step", "note": "" })).await;
    let (st, v) = approver.act(&code, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("timestamp_unavailable")), "{v}");
    let (_, d) = approver.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["state"], "processing", "{d}");
}

/// The public verifier reads a file whole, so it checks at most four at once: a fifth sender
/// while four are still uploading is told to retry (429 with Retry-After), nothing breaks.
#[tokio::test]
async fn the_verifier_reads_four_files_at_a_time() {
    use tokio::io::AsyncWriteExt;
    let s = crate::server(Backend::Sqlite).await;
    let addr = s.url.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/results/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/pdf\r\nContent-Length: 5000000\r\n\r\n%PDF-1.7\n"
        );
        c.write_all(head.as_bytes()).await.unwrap();
        slow.push(c);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r =
        s.client().post(format!("{}/api/v1/results/verify", s.url)).body(b"%PDF-1.7\n".to_vec()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    drop(slow);
    let mut ok = false;
    for _ in 0..20 {
        let r = s
            .client()
            .post(format!("{}/api/v1/results/verify", s.url))
            .body(b"%PDF-1.7\n".to_vec())
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["verdict"], "unsigned");
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "the verifier answers again once the slow senders are gone");
}

/// An agency whose certificate has expired: the approval is refused with what to do, nothing
/// is issued and the dossier still waits for it; once a renewed certificate is put in the
/// keys' directory (no restart), the same approval signs with it.
async fn an_expired_certificate_signs_nothing(s: TestServer) {
    use tinhso_results_web::signer::demo;
    const JUSTICE: &str = "000.00.03.H08"; // Sở Tư pháp, which decides the provincial procedure
    let keys = s.data.join("signing-demo");
    std::fs::create_dir_all(&keys).unwrap();
    let (ca_key, ca_der) = demo::ca().unwrap();
    let install = |valid| {
        let p12 = demo::agency_valid(JUSTICE, (&ca_key, &ca_der), "mat-khau-ky-so", valid).unwrap();
        write(&keys, &format!("{JUSTICE}.p12"), &p12);
        write(&keys, &format!("{JUSTICE}.pass"), b"mat-khau-ky-so\n");
    };
    install(((2020, 1, 1), (2024, 1, 1)));
    // The operator sees it ended (and a key file that cannot be read) before anyone approves.
    write(&keys, "000.00.90.H08.p12", b"not a PKCS#12 file");
    let watched = || async {
        let text = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
        let m = crate::metrics::parse(&text);
        let ends =
            crate::metrics::value(&m, "tinhso_signing_certificate_expiry_timestamp_seconds", &[("agency", JUSTICE)]);
        (ends, crate::metrics::value(&m, "tinhso_signing_keys_unreadable", &[]))
    };
    assert_eq!(watched().await, (1_704_067_200.0, 1.0), "ends 2024-01-01; one key unreadable");
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let (code, specialist) = crate::payments::in_processing(&s, &citizen).await;
    specialist.act(&code, json!({ "action": "complete_step", "note": "Đủ điều kiện" })).await;
    let approve = json!({ "action": "approve", "electronic_result": true });
    let (st, v) = approver.act(&code, approve.clone()).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("signing_certificate_expired")), "{v}");
    let said = v["message"].as_str().unwrap();
    assert!(said.contains("đã hết hạn ngày 01/01/2024") && said.contains(&format!("{JUSTICE}.p12")), "{said}");
    let issued = format!("SELECT count(*) FROM issued_document WHERE dossier = '{code}'");
    assert_eq!(s.query_i64(&issued).await.unwrap(), 0, "nothing issued");
    let (_, d) = approver.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["state"], "processing", "{d}");
    // Renewed in place: the next approval uses it.
    install(((2025, 1, 1), (2040, 1, 1)));
    let (st, d) = approver.act(&code, approve).await;
    assert_eq!((st, d["electronic_result"].as_bool()), (StatusCode::OK, Some(true)), "{d}");
    assert_eq!(s.query_i64(&issued).await.unwrap(), 1);
    assert_eq!(watched().await.0, 2_208_988_800.0, "the renewed one ends 2040-01-01");
}

on_both_backends!(expired_certificate_on_sqlite, expired_certificate_on_postgres, an_expired_certificate_signs_nothing);
