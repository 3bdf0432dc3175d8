//! Signing in with the national e-ID (VNeID), against an OpenID Connect provider the test starts
//! (`fixtures/eid_provider.py`: PyJWT signs its tokens; it checks the client, the redirect
//! address, single-use codes and PKCE as a real provider does, and shows a real provider's
//! faults on request). A citizen new to the portal gets an account from what the provider
//! vouches for; an account the platform can tell is theirs is joined; one it cannot is not
//! handed over; every forged, replayed or stale answer is refused with nothing made; an
//! insider's join put into the database is found by the audit.

use crate::bin;
use crate::dossier::verify;
use serde_json::json;
use std::process::Stdio;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database, register_citizen};
use tinhso_testkit::{Backend, TestServer};
use tokio::io::{AsyncBufReadExt, BufReader};

const CLIENT: &str = "tinhso-tuyenquang";
const SECRET: &str = "s3cret/with+signs:and-long-enough-for-hs256";

/// The provider double, running until dropped.
struct Provider {
    url: String,
    _child: tokio::process::Child,
}

impl Provider {
    async fn start(redirect: &str) -> Provider {
        Self::start_with(redirect, &[]).await
    }

    /// The provider, serving HTTPS with `tls` (certificate and key files) when given.
    async fn start_with(redirect: &str, tls: &[&std::path::Path]) -> Provider {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eid_provider.py");
        let mut child = tokio::process::Command::new("python3")
            .args([script, CLIENT, SECRET, redirect])
            .args(tls)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with PyJWT (scripts/test installs it)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("the provider starts")
            .unwrap()
            .expect("the provider says where it listens");
        let port = line.strip_prefix("listening ").expect("listening <port>");
        let url = if tls.is_empty() { format!("http://127.0.0.1:{port}") } else { format!("https://localhost:{port}") };
        Provider { url, _child: child }
    }

    async fn person(&self, person: serde_json::Value) {
        let c = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
        let r = c.post(format!("{}/_control/person", self.url)).form(&[("json", person.to_string())]).send().await;
        assert!(r.unwrap().status().is_success());
    }

    async fn modes(&self, modes: &str) {
        let c = reqwest::Client::new();
        let r = c.post(format!("{}/_control/mode", self.url)).form(&[("modes", modes)]).send().await;
        assert!(r.unwrap().status().is_success());
    }

    async fn redeemed(&self) -> i64 {
        let r = reqwest::get(format!("{}/_control/state", self.url)).await.unwrap();
        r.json::<serde_json::Value>().await.unwrap()["redeemed"].as_i64().unwrap()
    }
}

/// A browser: its own cookies, redirects followed by the test (so each step can be looked at).
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default()
}

fn query(url: &str) -> std::collections::HashMap<String, String> {
    reqwest::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

/// Up to the provider's redirect back: the portal's start, the provider's page, the person's
/// decision. Returns the address the provider sends the browser back to.
async fn to_provider_and_back(b: &reqwest::Client, base: &str, start: &str, sub: &str, decision: &str) -> String {
    let r = b.get(format!("{base}{start}")).send().await.unwrap();
    assert_eq!(r.status(), 303, "{start}");
    let authorize = location(&r);
    let q = query(&authorize);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["client_id"], CLIENT);
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43 && q["code_challenge"].len() == 43);
    let page = b.get(&authorize).send().await.unwrap();
    assert_eq!(page.status(), 200, "the provider accepts the client and its redirect address");
    let mut form: Vec<(String, String)> = q.into_iter().collect();
    form.push(("person".into(), sub.into()));
    form.push(("decision".into(), decision.into()));
    let provider = authorize.split("/authorize").next().unwrap().to_owned();
    let back = b.post(format!("{provider}/authorize/decide")).form(&form).send().await.unwrap();
    assert_eq!(back.status(), 302);
    location(&back)
}

/// A whole sign-in; the portal's answer to the provider's redirect back.
async fn sign_in(b: &reqwest::Client, base: &str, sub: &str) -> reqwest::Response {
    let back = to_provider_and_back(b, base, "/dang-nhap/vneid?tiep=/ho-so", sub, "allow").await;
    b.get(back).send().await.unwrap()
}

/// The CSRF token of the form on `url`, as the browser `b` sees it.
async fn csrf(b: &reqwest::Client, url: &str) -> String {
    let html = b.get(url).send().await.unwrap().text().await.unwrap();
    tinhso_testkit::server::csrf_of(&html).expect("a form with its token")
}

/// A signed-in browser `b` joins its account to the e-ID `sub` from the account page; the
/// portal's answer to the provider's redirect back.
async fn join(b: &reqwest::Client, base: &str, op: &Provider, sub: &str) -> reqwest::Response {
    let token = csrf(b, &format!("{base}/tai-khoan/vneid")).await;
    let r = b.post(format!("{base}/tai-khoan/vneid")).form(&[("csrf", token)]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let mut form: Vec<(String, String)> = query(&location(&r)).into_iter().collect();
    form.extend([("person".to_owned(), sub.to_owned()), ("decision".to_owned(), "allow".to_owned())]);
    let back = b.post(format!("{}/authorize/decide", op.url)).form(&form).send().await.unwrap();
    b.get(location(&back)).send().await.unwrap()
}

async fn account_page(b: &reqwest::Client, base: &str) -> (u16, String) {
    let r = b.get(format!("{base}/tai-khoan")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn server(backend: Backend) -> (TestServer, Provider) {
    server_with(backend, &[]).await
}

async fn server_with(backend: Backend, extra: &[&str]) -> (TestServer, Provider) {
    let port = tinhso_testkit::server::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&format!("{base}/dang-nhap/vneid/ve")).await;
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let args = ["--public-url", base.as_str(), "--eid-issuer", provider.url.as_str(), "--eid-client-id", CLIENT];
    let args = [&args[..], extra].concat();
    let listen = format!("127.0.0.1:{port}");
    let s = TestServer::start_with_env(
        backend,
        bin(),
        fresh_data_dir().unwrap(),
        database,
        &listen,
        &args,
        &[("TINHSO_EID_CLIENT_SECRET", SECRET)],
    )
    .await
    .unwrap();
    (s, provider)
}

#[tokio::test]
async fn citizens_sign_in_with_vneid_on_sqlite() {
    signing_in(Backend::Sqlite).await;
}

#[tokio::test]
async fn citizens_sign_in_with_vneid_on_postgres() {
    signing_in(Backend::Postgres).await;
}

async fn signing_in(backend: Backend) {
    let (s, op) = server(backend).await;
    let base = s.url.as_str();
    // The login page offers it first, and it comes back to where the person was going.
    let login = browser().get(format!("{base}/dang-nhap?tiep=/thu-tuc")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Đăng nhập bằng VNeID") && login.contains("/dang-nhap/vneid?tiep=%2Fthu-tuc"), "{login}");
    let register = browser().get(format!("{base}/dang-ky?tiep=/thu-tuc")).send().await.unwrap().text().await.unwrap();
    assert!(register.contains("/dang-nhap/vneid?tiep=%2Fthu-tuc"), "registering offers it too: {register}");

    // 1. New to the portal: an account from what VNeID vouches for, under the verified phone.
    op.person(json!({"sub": "vneid-hoa", "personal_id": "008199000123", "name": "Nguyễn Thị Hoa",
                     "phone_number": "+84912000111", "phone_number_verified": true}))
        .await;
    let hoa = browser();
    let r = sign_in(&hoa, base, "vneid-hoa").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/ho-so".to_owned()));
    let (status, page) = account_page(&hoa, base).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nguyễn Thị Hoa") && page.contains("0912000111"), "{page}");
    // No password to change: the page says how to get one instead of asking for it.
    assert!(page.contains("Tài khoản này chưa có mật khẩu") && !page.contains("Mật khẩu đang dùng"), "{page}");
    let eid_page = hoa.get(format!("{base}/tai-khoan/vneid")).send().await.unwrap().text().await.unwrap();
    assert!(eid_page.contains("đã liên kết với VNeID từ ngày"), "{eid_page}");
    // Again, from another browser: the same account, not a second one.
    let again = browser();
    assert_eq!(sign_in(&again, base, "vneid-hoa").await.status(), 303);
    assert!(account_page(&again, base).await.1.contains("0912000111"));
    // A commune hall's shared computer: Hoa logs out, and the next person's "Đăng nhập bằng
    // VNeID" has VNeID ask who they are (prompt=login), though the browser is still signed in
    // there as Hoa.
    let token = csrf(&hoa, &format!("{base}/tai-khoan")).await;
    assert_eq!(hoa.post(format!("{base}/dang-xuat")).form(&[("csrf", token)]).send().await.unwrap().status(), 303);
    let r = hoa.get(format!("{base}/dang-nhap/vneid")).send().await.unwrap();
    assert_eq!(query(&location(&r))["prompt"], "login");
    let asked = hoa.get(location(&r)).send().await.unwrap();
    assert_eq!(asked.status(), 200, "VNeID asks again, rather than answering as Hoa");
    assert!(asked.text().await.unwrap().contains("Đăng nhập bằng VNeID"));
    // The account has no password: a password login with its phone is refused as any wrong one.
    let b = browser();
    let token = csrf(&b, &format!("{base}/dang-nhap")).await;
    let form = [("login", "0912000111"), ("password", "doan-mo-mat-khau"), ("csrf", token.as_str())];
    assert_eq!(b.post(format!("{base}/dang-nhap")).form(&form).send().await.unwrap().status(), 401);

    // 2. Registered with the same phone and personal id: joined, not duplicated.
    register_citizen(base, "Trần Văn Bình", "0912000222", "008199000456", "Mat-khau-cua-Binh-2025").await.unwrap();
    op.person(json!({"sub": "vneid-binh", "personal_id": "008199000456", "name": "Trần Văn Bình",
                     "phone_number": "0912000222"}))
        .await;
    let binh = browser();
    assert_eq!(sign_in(&binh, base, "vneid-binh").await.status(), 303);
    assert!(account_page(&binh, base).await.1.contains("0912000222"));

    // 3. The same personal id registered under an email VNeID does not vouch for: not handed
    // over; the password's holder logs in and joins it from the account page.
    let lan_password = "Mat-khau-cua-Lan-2025";
    let lan_web =
        register_citizen(base, "Lê Thị Lan", "lan.le@example.vn", "008199000789", lan_password).await.unwrap();
    op.person(json!({"sub": "vneid-lan", "personal_id": "008199000789", "name": "Lê Thị Lan",
                     "phone_number": "0912000333"}))
        .await;
    let lan = browser();
    let r = sign_in(&lan, base, "vneid-lan").await;
    assert_eq!(r.status(), 409);
    let text = r.text().await.unwrap();
    assert!(text.contains("l***@example.vn") && text.contains("Quên mật khẩu"), "{text}");
    assert_eq!(account_page(&lan, base).await.0, 303, "not signed in");
    // Joining from the account page (the password's holder, signed in).
    let _ = lan_web;
    let lan_pw = browser();
    let token = csrf(&lan_pw, &format!("{base}/dang-nhap")).await;
    let form = [("login", "lan.le@example.vn"), ("password", lan_password), ("csrf", token.as_str())];
    assert_eq!(lan_pw.post(format!("{base}/dang-nhap")).form(&form).send().await.unwrap().status(), 303);
    let r = join(&lan_pw, base, &op, "vneid-lan").await;
    assert_eq!(location(&r), "/tai-khoan/vneid?da-lien-ket=1");
    let page = lan_pw.get(format!("{base}/tai-khoan/vneid?da-lien-ket=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Đã liên kết tài khoản với VNeID"), "{page}");
    // From now on VNeID opens Lan's account.
    let lan = browser();
    assert_eq!(sign_in(&lan, base, "vneid-lan").await.status(), 303);
    assert!(account_page(&lan, base).await.1.contains("lan.le@example.vn"));

    // 4. Someone else's VNeID cannot be joined to an account: the personal id differs; his
    // own, already joined, is said to be his.
    op.person(json!({"sub": "vneid-stranger", "personal_id": "008199000999", "name": "Người Lạ"})).await;
    let binh_web = browser();
    let back = to_provider_and_back(&binh_web, base, "/dang-nhap/vneid", "vneid-binh", "allow").await;
    assert_eq!(binh_web.get(back).send().await.unwrap().status(), 303);
    let r = join(&binh_web, base, &op, "vneid-stranger").await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("khác số định danh của tài khoản này"));
    let r = join(&binh_web, base, &op, "vneid-binh").await;
    assert_eq!(location(&r), "/tai-khoan/vneid?da-lien-ket=1", "already his: said so");

    // 5. A walk-in at the one-stop desk (the officer checked the ID card and opened an account
    // without a password): at home, VNeID opens that account, with the dossier filed at the desk,
    // though VNeID knows another phone of theirs.
    let desk = crate::dossier::Caller::login(&s, "tiepnhan@tinhso.local", crate::dossier::PASSWORD).await;
    let walk_in = json!({ "full_name": "Hoàng Thị Mai", "personal_id": "008095001111", "phone": "0977000111",
                          "paper_components": [0, 1, 2, 3] });
    let (status, d) = desk
        .post(
            "/api/v1/dossiers",
            json!({ "procedure": crate::dossier::PROVINCIAL, "form": crate::dossier::generic_form(2269), "desk": walk_in }),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    op.person(json!({"sub": "vneid-mai", "personal_id": "008095001111", "name": "Hoàng Thị Mai",
                     "phone_number": "0988000111"}))
        .await;
    let mai = browser();
    assert_eq!(sign_in(&mai, base, "vneid-mai").await.status(), 303);
    let mine = mai.get(format!("{base}/ho-so")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains(&code), "the walk-in's dossier is theirs: {mine}");
    assert!(account_page(&mai, base).await.1.contains("0977000111"), "the desk's account, not a new one");

    // 6. No verified phone or email: nothing to open an account under.
    let stranger = browser();
    let r = sign_in(&stranger, base, "vneid-stranger").await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("Đăng ký tài khoản"));

    // Every join is on the ledger, and the audit holds each stored join to its entry.
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    let joins = s.query_i64("SELECT CAST(count(*) AS BIGINT) FROM eid_link").await.unwrap();
    assert_eq!(joins, 4);
    // An insider joins the stranger's e-ID to the demo citizen's account in the database: found.
    let demo = s.query_i64("SELECT CAST(id AS BIGINT) FROM account WHERE login = '0912345678'").await.unwrap();
    s.exec_sql(&format!(
        "INSERT INTO eid_link (issuer, subject, account_id, linked_at, ledger_subject) \
         VALUES ('{}', 'vneid-stranger', {demo}, '2026-12-06T00:00:00Z', 'eid/ffffffffffffffffffffffffffffffff')",
        op.url
    ))
    .await
    .unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("liên kết định danh điện tử"), "{out}");
    // A join moved to another account is found too.
    s.exec_sql("DELETE FROM eid_link WHERE subject = 'vneid-stranger'").await.unwrap();
    assert_eq!(verify(&s).await.0, 0);
    s.exec_sql(&format!("UPDATE eid_link SET account_id = {demo} WHERE subject = 'vneid-binh'")).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
}

/// Answers that did not come from this browser's sign-in, or that the provider did not sign
/// as it should, sign no one in; the provider down, or the person saying no, is said plainly.
#[tokio::test]
async fn forged_replayed_and_stale_answers_sign_no_one_in() {
    let (s, op) = server(Backend::Sqlite).await;
    let base = s.url.as_str();
    op.person(json!({"sub": "vneid-an", "personal_id": "008199000321", "name": "Phạm Văn An",
                     "phone_number": "0912000444"}))
        .await;
    let signed_in = |b: reqwest::Client| async move { account_page(&b, base).await.0 == 200 };

    // Login CSRF: the attacker's own answer, sent to a victim whose browser started its own
    // sign-in (or none): refused, and the code never redeemed.
    let attacker = browser();
    let attackers_back = to_provider_and_back(&attacker, base, "/dang-nhap/vneid", "vneid-an", "allow").await;
    let victim = browser();
    let r = victim.get(&attackers_back).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("đã hết hạn hoặc đã dùng"));
    let _ = to_provider_and_back(&victim, base, "/dang-nhap/vneid", "vneid-an", "deny").await;
    assert_eq!(victim.get(&attackers_back).send().await.unwrap().status(), 400);
    assert!(!signed_in(victim.clone()).await);
    assert_eq!(op.redeemed().await, 0, "no code redeemed for a browser that did not start it");

    // The person says no at the provider.
    let b = browser();
    let back = to_provider_and_back(&b, base, "/dang-nhap/vneid", "vneid-an", "deny").await;
    let r = b.get(back).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("Đã dừng đăng nhập bằng VNeID") && text.contains("Đăng nhập bằng mật khẩu"), "{text}");

    // A code used twice (the answer replayed in the same browser after it signed in).
    let b = browser();
    let back = to_provider_and_back(&b, base, "/dang-nhap/vneid", "vneid-an", "allow").await;
    assert_eq!(b.get(&back).send().await.unwrap().status(), 303);
    let replay = browser();
    assert_eq!(replay.get(&back).send().await.unwrap().status(), 400, "its cookie went with the first use");
    assert!(!signed_in(replay).await);

    // Tokens that must not be believed: each refused, nobody signed in.
    for mode in ["bad_signature", "wrong_aud", "expired", "wrong_nonce", "hs256"] {
        op.modes(mode).await;
        let b = browser();
        let r = sign_in(&b, base, "vneid-an").await;
        assert_eq!(r.status(), 502, "{mode}");
        assert!(r.text().await.unwrap().contains("không kiểm tra được"), "{mode}");
        assert!(!signed_in(b).await, "{mode}");
    }

    // The provider down: said so at once, the password login offered.
    op.modes("down").await;
    let b = browser();
    // The discovery document was read before: the sign-in starts, the code cannot be redeemed.
    let r = sign_in(&b, base, "vneid-an").await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("Chưa kết nối được với VNeID"));
    assert!(!signed_in(b).await);

    // The portal's client revoked at the provider (a secret changed on one side): not the
    // person's doing, so not "try again" but "cannot reach", and the operator's log says why.
    op.modes("client_revoked").await;
    let b = browser();
    let r = sign_in(&b, base, "vneid-an").await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("Chưa kết nối được với VNeID"));

    // Keys rotated at the provider: fetched again, and the sign-in goes through.
    op.modes("rotate").await;
    let b = browser();
    assert_eq!(sign_in(&b, base, "vneid-an").await.status(), 303);
    assert!(signed_in(b).await);

    // Details only at the user-info endpoint, as some providers send them.
    op.modes("userinfo_only").await;
    op.person(json!({"sub": "vneid-mai", "personal_id": "008199000654", "name": "Hoàng Thị Mai",
                     "phone_number": "0912000555"}))
        .await;
    let b = browser();
    assert_eq!(sign_in(&b, base, "vneid-mai").await.status(), 303);
    assert!(account_page(&b, base).await.1.contains("Hoàng Thị Mai"));
    op.modes("").await;

    // A server whose provider cannot be reached at all (nothing listens there): the sign-in
    // does not start, and says so.
    let dead = tinhso_testkit::server::free_port().unwrap();
    let dead_issuer = format!("http://127.0.0.1:{dead}");
    let args =
        ["--public-url", "https://dichvucong.example.vn", "--eid-issuer", &dead_issuer, "--eid-client-id", CLIENT];
    let cut_off = TestServer::start_with_env(
        Backend::Sqlite,
        bin(),
        fresh_data_dir().unwrap(),
        None,
        "127.0.0.1:0",
        &args,
        &[("TINHSO_EID_CLIENT_SECRET", SECRET)],
    )
    .await
    .unwrap();
    let r = browser().get(format!("{}/dang-nhap/vneid", cut_off.url)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(text.contains("Chưa kết nối được với VNeID") && text.contains("Đăng nhập bằng mật khẩu"), "{text}");

    // No provider configured on a server: no button, and the address is not there.
    let plain = crate::server(Backend::Sqlite).await;
    let login = plain.client().get(format!("{}/dang-nhap", plain.url)).send().await.unwrap().text().await.unwrap();
    assert!(!login.contains("VNeID"));
    assert_eq!(browser().get(format!("{}/dang-nhap/vneid", plain.url)).send().await.unwrap().status(), 404);
}

/// A citizen with VNeID on a phone, in headless Chromium: from a procedure's page to its form,
/// signing in with VNeID on the way (the provider's page, "Đồng ý"), back at the form with their
/// name known; every page of ours passes axe-core and is kept as a screenshot.
async fn walk(screen: tinhso_testkit::walk::Screen) {
    let (s, op) = server(Backend::Sqlite).await;
    op.person(json!({"sub": "vneid-khang", "personal_id": "008199000888", "name": "Lò Văn Khang",
                     "phone_number": "0977000888"}))
        .await;
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let mut p = tinhso_testkit::walk::Person::start(&s.url, screen, "vneid", &workspace).await.unwrap();
    p.open("/thu-tuc/1.001193").await.unwrap();
    p.click("Nộp hồ sơ trực tuyến").await.unwrap();
    p.sees("Đăng nhập để nộp hồ sơ: Thủ tục đăng ký khai sinh").await.unwrap();
    p.click("Đăng nhập bằng VNeID").await.unwrap();
    p.sees("Cổng dịch vụ công đề nghị dùng thông tin định danh").await.unwrap();
    p.tick("Lò Văn Khang").await.unwrap();
    p.click("Đồng ý").await.unwrap();
    assert!(p.path().await.unwrap().starts_with("/thu-tuc/1.001193/nop"), "back at the form");
    p.sees("Tờ khai đăng ký khai sinh").await.unwrap();
    p.open("/tai-khoan").await.unwrap();
    p.sees("Lò Văn Khang").await.unwrap();
    p.click("Đăng nhập bằng VNeID").await.unwrap();
    p.sees("Tài khoản này đã liên kết với VNeID từ ngày").await.unwrap();
    // Saying no at VNeID, signed out: said plainly, with the way on.
    p.click("Đăng xuất").await.unwrap();
    p.open("/dang-nhap").await.unwrap();
    p.click("Đăng nhập bằng VNeID").await.unwrap();
    p.click("Từ chối").await.unwrap();
    p.sees("Đã dừng đăng nhập bằng VNeID").await.unwrap();
    p.click("Đăng nhập bằng mật khẩu").await.unwrap();
    // A citizen with a password joins their account to VNeID from their account page (the
    // form's answer leads to VNeID, which the page's policy lets the browser follow).
    op.person(json!({"sub": "vneid-an", "personal_id": "008090001234", "name": "Nguyễn Văn An"})).await;
    p.fill("Số điện thoại hoặc thư điện tử", "0912345678").await.unwrap();
    p.fill("Mật khẩu", crate::dossier::PASSWORD).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
    p.open("/tai-khoan").await.unwrap();
    p.click("Đăng nhập bằng VNeID").await.unwrap();
    p.click("Liên kết với VNeID").await.unwrap();
    p.tick("Nguyễn Văn An").await.unwrap();
    p.click("Đồng ý").await.unwrap();
    p.sees("Đã liên kết tài khoản với VNeID").await.unwrap();
    p.click("Đăng xuất").await.unwrap();
    p.open("/dang-nhap").await.unwrap();
    p.click("Đăng nhập bằng VNeID").await.unwrap();
    p.tick("Nguyễn Văn An").await.unwrap();
    p.click("Đồng ý").await.unwrap();
    p.open("/tai-khoan").await.unwrap();
    p.sees("0912345678").await.unwrap();
    p.quit().await.unwrap();
}

#[tokio::test]
async fn vneid_walk_on_a_phone() {
    walk(tinhso_testkit::walk::Screen::Phone).await;
}

#[tokio::test]
async fn vneid_walk_at_a_desk_screen() {
    walk(tinhso_testkit::walk::Screen::Desk).await;
}

/// An operator's set-up mistakes stop the server at start with a message saying what to fix,
/// rather than a login button that fails for every citizen.
#[tokio::test]
async fn a_half_configured_provider_is_refused_at_start() {
    let data = fresh_data_dir().unwrap().display().to_string();
    let run = |extra: &[&str], secret: Option<&str>| {
        let mut cmd = tokio::process::Command::new(bin());
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data", &data]).args(extra).env("RUST_LOG", "warn");
        match secret {
            Some(s) => cmd.env("TINHSO_EID_CLIENT_SECRET", s),
            None => cmd.env_remove("TINHSO_EID_CLIENT_SECRET"),
        };
        async move {
            let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.unwrap().unwrap();
            (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    let issuer = ["--eid-issuer", "https://vneid.example.gov.vn", "--eid-client-id", CLIENT];
    let public = ["--public-url", "https://dichvucong.example.gov.vn"];
    let (code, err) = run(&issuer, Some(SECRET)).await;
    assert_ne!(code, Some(0));
    assert!(err.contains("--eid-issuer cần --public-url"), "{err}");
    let (code, err) = run(&[&issuer[..], &public[..]].concat(), None).await;
    assert_ne!(code, Some(0));
    assert!(err.contains("TINHSO_EID_CLIENT_SECRET"), "{err}");
    let plain = ["--eid-issuer", "http://vneid.example.gov.vn", "--eid-client-id", CLIENT];
    let (code, err) = run(&[&plain[..], &public[..]].concat(), Some(SECRET)).await;
    assert_ne!(code, Some(0));
    assert!(err.contains("https://"), "{err}");
    let ca = [&issuer[..], &public[..], &["--eid-ca", "/khong/co/tep.pem"][..]].concat();
    let (code, err) = run(&ca, Some(SECRET)).await;
    assert_ne!(code, Some(0));
    assert!(err.contains("--eid-ca /khong/co/tep.pem"), "{err}");
    let claims = [&issuer[..], &public[..], &["--eid-claims", "cccd=so_dinh_danh"][..]].concat();
    let (code, err) = run(&claims, Some(SECRET)).await;
    assert_ne!(code, Some(0));
    assert!(err.contains("--eid-claims"), "{err}");
}

/// A provider whose certificate chains to a CA that is not a public one (a national CA): not
/// reached, and said so, until the operator names that CA with `--eid-ca`; then signed in.
#[tokio::test]
async fn a_provider_under_a_national_ca_is_reached_with_its_ca() {
    let dir = fresh_data_dir().unwrap();
    let (ca, cert, key) = crate::mail::certificates(&dir);
    let port = tinhso_testkit::server::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let op = Provider::start_with(&format!("{base}/dang-nhap/vneid/ve"), &[&cert, &key]).await;
    op.person(json!({"sub": "vneid-tuan", "personal_id": "008199000777", "name": "Đinh Văn Tuấn",
                     "phone_number": "0912000777"}))
        .await;
    let start = |extra: Vec<String>, listen: String| {
        let mut args = vec!["--public-url".to_owned(), base.clone(), "--eid-issuer".to_owned(), op.url.clone()];
        args.extend(["--eid-client-id".to_owned(), CLIENT.to_owned()]);
        args.extend(extra);
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env = [("TINHSO_EID_CLIENT_SECRET", SECRET)];
            TestServer::start_with_env(Backend::Sqlite, bin(), fresh_data_dir().unwrap(), None, &listen, &args, &env)
                .await
                .unwrap()
        }
    };
    // Without the CA: the provider's certificate is not trusted, so nothing is sent to it.
    let blind = start(Vec::new(), "127.0.0.1:0".into()).await;
    let r = browser().get(format!("{}/dang-nhap/vneid", blind.url)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("Chưa kết nối được với VNeID"));
    blind.stop().await.unwrap();
    // With it: the whole sign-in, over TLS to the provider.
    let s = start(vec!["--eid-ca".into(), ca.display().to_string()], format!("127.0.0.1:{port}")).await;
    let pem = std::fs::read(&ca).unwrap();
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let r = sign_in(&b, &s.url, "vneid-tuan").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/ho-so".to_owned()));
    assert!(account_page(&b, &s.url).await.1.contains("Đinh Văn Tuấn"));
}

/// Single sign-on across the province's portals is the operator's choice: with it, a browser
/// still signed in at the provider comes back signed in without being asked.
#[tokio::test]
async fn single_sign_on_is_the_operators_choice() {
    let (s, op) = server_with(Backend::Sqlite, &["--eid-single-sign-on"]).await;
    let base = s.url.as_str();
    op.person(json!({"sub": "vneid-ha", "personal_id": "008199000111", "name": "Vũ Thu Hà",
                     "phone_number": "0912000999"}))
        .await;
    let b = browser();
    assert_eq!(sign_in(&b, base, "vneid-ha").await.status(), 303);
    let token = csrf(&b, &format!("{base}/tai-khoan")).await;
    b.post(format!("{base}/dang-xuat")).form(&[("csrf", token)]).send().await.unwrap();
    assert!(account_page(&b, base).await.0 != 200, "logged out of the portal");
    let r = b.get(format!("{base}/dang-nhap/vneid")).send().await.unwrap();
    assert!(!query(&location(&r)).contains_key("prompt"));
    let back = b.get(location(&r)).send().await.unwrap();
    assert_eq!(back.status(), 302, "answered at once, as the one signed in there");
    assert_eq!(b.get(location(&back)).send().await.unwrap().status(), 303);
    assert!(account_page(&b, base).await.1.contains("Vũ Thu Hà"));
}
