//! The API against its own document: schemathesis (PyPI), the tool integrators would point at
//! us, generates requests from `/api/openapi.json` for every operation and checks every answer:
//! no server error, and every status, content type and body as the document says. Anonymous,
//! then logged in as a citizen, a receptionist and a leader (their cookie and CSRF token), on
//! both backends. schemathesis missing fails the test: `scripts/test` installs it.

use tinhso_testkit::TestServer;

const PASSWORD: &str = "TuyenQuang-demo-2025";
const CHECKS: &str = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance";

/// Logs in through the API; returns the headers a logged-in client sends.
async fn session_headers(s: &TestServer, login: &str) -> Vec<String> {
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{login} logs in");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tinhso_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    vec![format!("Cookie: {cookie}"), format!("X-CSRF-Token: {csrf}")]
}

/// One schemathesis run; panics with its report unless every check passed.
fn schemathesis(s: &TestServer, who: &str, headers: &[String]) {
    let mut cmd = std::process::Command::new("st");
    // schemathesis keeps a cache of what it found in its working directory: keep it out of the tree.
    cmd.current_dir(std::env::temp_dir());
    cmd.args(["run", &format!("{}/api/openapi.json", s.url), "--url", &s.url, "--checks", CHECKS])
        .args(["--max-examples", "25", "--workers", "2", "--seed", "20261202", "--no-color"])
        // Logging out would end the session the rest of the run is testing with.
        .args(["--exclude-method", "DELETE"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("schemathesis (`st`) could not run ({e}): scripts/test installs it with pip"),
    };
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis as {who} on {:?}:\n{report}\n{}",
        s.backend,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "schemathesis ran no test as {who}:\n{report}");
}

async fn contract(s: TestServer) {
    schemathesis(&s, "anonymous", &[]);
    for login in ["0912345678", "tiepnhan@tinhso.local", "lanhdao@tinhso.local"] {
        // The server is its own process: waiting on schemathesis here blocks nothing it needs.
        let headers = session_headers(&s, login).await;
        schemathesis(&s, login, &headers);
    }
}

#[tokio::test]
async fn api_keeps_its_document_sqlite() {
    contract(crate::demo_server(tinhso_testkit::Backend::Sqlite, 60).await).await;
}

#[tokio::test]
async fn api_keeps_its_document_postgres() {
    contract(crate::demo_server(tinhso_testkit::Backend::Postgres, 60).await).await;
}
